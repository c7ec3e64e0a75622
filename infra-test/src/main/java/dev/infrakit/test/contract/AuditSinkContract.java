package dev.infrakit.test.contract;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditLog;
import dev.infrakit.audit.AuditQuery;
import dev.infrakit.audit.AuditRecord;
import dev.infrakit.audit.Resource;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthStatus;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link AuditLog} implementations (an {@link dev.infrakit.audit.AuditSink}
 * that can be queried). Extend it and return a new, empty log from {@link #createLog()}; the kit
 * closes it after each test. It needs only the public API of infra-audit, JUnit 5 and Micrometer's
 * {@code SimpleMeterRegistry}.
 *
 * <p>What it checks: an event recorded (and flushed) is found by {@code query}, newest first, with
 * the filters and limit of {@link AuditQuery}; secrets are redacted in what is stored; a null event
 * is refused with {@link NullPointerException}; after {@code close()}, {@code record} and
 * {@code flush} throw {@link AuditException} saying the sink is closed, and {@code close()} may be
 * called again; {@code name()} is stable and not blank; {@code healthCheck()} and {@code metrics()}
 * answer the same presence every time, a present check is UP on a healthy log and a present binder
 * registers meters; {@code stats().written()} counts what was recorded; concurrent callers lose
 * nothing.
 */
public abstract class AuditSinkContract {
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    /** The log under test, opened before each test. */
    protected AuditLog log;

    /** For subclasses. */
    protected AuditSinkContract() {
    }

    /** A new log holding no events (a fresh directory, an emptied table). */
    protected abstract AuditLog createLog() throws Exception;

    @BeforeEach
    void openLog() throws Exception {
        log = createLog();
    }

    @AfterEach
    void closeLog() {
        log.close();
    }

    /** An event at {@code T0 + minutes} by {@code actor} of {@code type} on credential {@code resourceId}. */
    protected static AuditEvent event(int minutes, String actor, String type, String resourceId) {
        return AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, type).timestamp(T0.plusSeconds(60L * minutes))
                .actor(Actor.user(actor)).action("read").resource(Resource.of("credential", resourceId)).build();
    }

    private List<AuditRecord> all() {
        return log.query(AuditQuery.builder().limit(10_000).build());
    }

    @Test
    void aRecordedEventIsFoundByQueryWithItsFields() {
        AuditEvent event = event(1, "alice", "data.read", "db-1");
        log.record(event);
        log.flush();
        List<AuditRecord> found = all();
        assertEquals(1, found.size());
        AuditRecord r = found.get(0);
        assertEquals(event.timestamp(), r.time());
        assertEquals("DATA_ACCESS", r.category());
        assertEquals("data.read", r.type());
        assertEquals("INFO", r.severity());
        assertEquals("alice", r.actorId());
        assertEquals("read", r.action());
        assertEquals("credential", r.resourceType());
        assertEquals("db-1", r.resourceId());
        assertEquals("SUCCESS", r.outcome());
        assertTrue(r.json().contains(event.id().toString()), "the stored event carries its id");
    }

    @Test
    void queryAnswersNewestFirstUpToTheLimit() {
        for (int i = 0; i < 10; i++) {
            log.record(event(i, "alice", "data.read", "db-" + i));
        }
        log.flush();
        List<AuditRecord> newest = log.query(AuditQuery.builder().limit(3).build());
        assertEquals(List.of("db-9", "db-8", "db-7"), newest.stream().map(AuditRecord::resourceId).toList());
        List<AuditRecord> all = all();
        assertEquals(10, all.size());
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).time().isAfter(all.get(i).time()), "newest first");
            assertTrue(all.get(i - 1).sequence() > all.get(i).sequence(), "sequence follows recording order");
        }
    }

    @Test
    void queryFiltersByActorTypeResourceAndTime() {
        for (int i = 0; i < 12; i++) {
            log.record(event(i, i % 3 == 0 ? "alice" : "bob", i % 2 == 0 ? "data.read" : "data.write", "db-" + (i % 4)));
        }
        log.flush();
        assertEquals(List.of(9, 6, 3, 0), minutes(log.query(AuditQuery.builder().actor("alice").build())));
        assertEquals(List.of(11, 9, 7, 5, 3, 1), minutes(log.query(AuditQuery.builder().type("data.write").build())));
        assertEquals(List.of(9, 5, 1), minutes(log.query(AuditQuery.builder().resource("credential", "db-1").build())));
        assertEquals(12, log.query(AuditQuery.builder().resource("credential", null).build()).size(),
                "a resource type alone matches every id");
        assertEquals(List.of(5, 4, 3), minutes(log.query(AuditQuery.builder()
                .between(T0.plusSeconds(180), T0.plusSeconds(360)).build())), "from inclusive, to exclusive");
        assertEquals(List.of(11, 7), minutes(log.query(AuditQuery.builder().actor("bob").type("data.write")
                .resource("credential", "db-3").build())), "criteria combine");
        assertEquals(List.of(), log.query(AuditQuery.builder().actor("nobody").build()));
    }

    private static List<Integer> minutes(List<AuditRecord> records) {
        return records.stream().map(r -> (int) ((r.time().getEpochSecond() - T0.getEpochSecond()) / 60)).toList();
    }

    @Test
    void secretsAreRedactedBeforeTheyAreStored() {
        log.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "login.failed").timestamp(T0)
                .actor(Actor.user("alice")).action("login").outcome(AuditEvent.Outcome.FAILURE)
                .detail("password", "hunter2-contract").build());
        log.flush();
        String stored = all().get(0).json();
        assertFalse(stored.contains("hunter2-contract"), stored);
        assertTrue(stored.contains("[REDACTED]"), stored);
    }

    @Test
    void aNullEventIsRefused() {
        assertThrows(NullPointerException.class, () -> log.record(null));
        assertThrows(NullPointerException.class, () -> log.query(null));
    }

    @Test
    void afterCloseRecordAndFlushAreRefusedAndCloseMayBeRepeated() {
        log.record(event(1, "alice", "data.read", "db-1"));
        log.close();
        AuditException record = assertThrows(AuditException.class, () -> log.record(event(2, "alice", "data.read", "db-1")));
        assertTrue(record.getMessage().contains("closed"), record.getMessage());
        AuditException flush = assertThrows(AuditException.class, log::flush);
        assertTrue(flush.getMessage().contains("closed"), flush.getMessage());
        log.close();
    }

    @Test
    void theNameIsStableAndNotBlank() {
        String name = log.name();
        assertNotNull(name);
        assertFalse(name.isBlank());
        log.record(event(1, "alice", "data.read", "db-1"));
        log.flush();
        assertEquals(name, log.name());
    }

    @Test
    void optionalCapabilitiesAreConsistentAndWork() throws Exception {
        Optional<HealthCheck> health = log.healthCheck();
        assertEquals(health.isPresent(), log.healthCheck().isPresent(), "the same answer every time");
        Optional<MeterBinder> metrics = log.metrics();
        assertEquals(metrics.isPresent(), log.metrics().isPresent(), "the same answer every time");
        log.record(event(1, "alice", "data.read", "db-1"));
        log.flush();
        if (health.isPresent()) {
            assertFalse(health.get().name().isBlank());
            assertEquals(HealthStatus.UP, health.get().check().status(), "a healthy log is UP");
        }
        metrics.ifPresent(binder -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            binder.bindTo(registry);
            assertFalse(registry.getMeters().isEmpty(), "the binder registers meters");
            registry.getMeters().forEach(m -> assertEquals(log.name(), m.getId().getTag("sink"),
                    "every meter names its sink: " + m.getId()));
        });
    }

    @Test
    void statsCountWhatWasRecorded() {
        AuditLog.Stats before = log.stats();
        assertEquals(0, before.written());
        for (int i = 0; i < 5; i++) {
            log.record(event(i, "alice", "data.read", "db-" + i));
        }
        log.flush();
        AuditLog.Stats after = log.stats();
        assertEquals(5, after.written());
        assertEquals(0, after.rejected());
        assertEquals(0, after.queued(), "nothing waits after a flush");
        assertTrue(after.syncs() >= before.syncs() && after.syncNanos() >= before.syncNanos(), "counters only grow");
    }

    @Test
    void concurrentCallersLoseNothing() throws Exception {
        int threads = 4;
        int each = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String actor = "writer-" + t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        log.record(event(i, actor, "data.read", "db-" + i));
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        log.flush();
        List<AuditRecord> all = all();
        assertEquals(threads * each, all.size());
        Set<Long> sequences = new HashSet<>();
        all.forEach(r -> sequences.add(r.sequence()));
        assertEquals(threads * each, sequences.size(), "every record has its own sequence number");
        for (int t = 0; t < threads; t++) {
            assertEquals(each, log.query(AuditQuery.builder().actor("writer-" + t).build()).size());
        }
        assertEquals(threads * each, log.stats().written());
    }
}
