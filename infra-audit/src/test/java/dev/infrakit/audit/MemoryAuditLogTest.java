package dev.infrakit.audit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryAuditLogTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    private static AuditEvent at(int minute, String actor, String type) {
        return AuditEvent.builder(AuditEvent.Category.ADMIN, type).timestamp(T0.plusSeconds(60L * minute))
                .actor(Actor.user(actor)).action("update").resource(Resource.of("policy", "p-" + minute)).build();
    }

    @Test
    void keepsTheEventsAsGivenAndTheRecordsAsStoredInOrder() {
        MemoryAuditLog log = MemoryAuditLog.create();
        AuditEvent first = at(1, "alice", "policy.changed");
        AuditEvent second = at(2, "bob", "policy.deleted");
        log.record(first);
        log.record(second);
        assertEquals(List.of(first, second), log.events());
        List<AuditRecord> records = log.records();
        assertEquals(List.of(1L, 2L), records.stream().map(AuditRecord::sequence).toList());
        assertEquals("policy.deleted", records.get(1).type());
        assertEquals("p-2", records.get(1).resourceId());
        assertTrue(records.get(0).json().contains(first.id().toString()));
        assertEquals("memory", log.name());
    }

    @Test
    void snapshotsDoNotChangeAndCannotBeChanged() {
        MemoryAuditLog log = MemoryAuditLog.create();
        log.record(at(1, "alice", "policy.changed"));
        List<AuditEvent> events = log.events();
        log.record(at(2, "alice", "policy.changed"));
        assertEquals(1, events.size());
        assertThrows(UnsupportedOperationException.class, () -> events.add(at(3, "x", "policy.changed")));
    }

    @Test
    void recordsAndQueriesAreRedactedWithItsRedactor() {
        MemoryAuditLog log = MemoryAuditLog.create("test", Redactor.of(List.of(), List.of("ticket")));
        log.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "login.failed").actor(Actor.user("alice"))
                .action("login").detail("password", "pw-secret").detail("ticket", "t-secret").build());
        String json = log.query(AuditQuery.builder().build()).get(0).json();
        assertFalse(json.contains("pw-secret"), json);
        assertFalse(json.contains("t-secret"), json);
        assertEquals("pw-secret", log.events().get(0).details().get("password"), "events() are the events as given");
        assertEquals("test", log.name());
    }

    @Test
    void queryFiltersAndAnswersNewestByTimeFirst() {
        MemoryAuditLog log = MemoryAuditLog.create();
        log.record(at(5, "alice", "policy.changed"));
        log.record(at(1, "bob", "policy.changed"));
        log.record(at(3, "alice", "policy.deleted"));
        log.record(at(9, "carol", "policy.changed"));
        assertEquals(List.of(9, 5, 3, 1), minutes(log.query(AuditQuery.builder().build())),
                "by time, though recorded out of order");
        assertEquals(List.of(5, 3), minutes(log.query(AuditQuery.builder().actor("alice").build())));
        assertEquals(List.of(3), minutes(log.query(AuditQuery.builder().type("policy.deleted").build())));
        assertEquals(List.of(9), minutes(log.query(AuditQuery.builder().resource("policy", "p-9").build())));
        assertEquals(List.of(5, 3), minutes(log.query(AuditQuery.builder()
                .between(T0.plusSeconds(180), T0.plusSeconds(540)).build())));
        assertEquals(List.of(9, 5), minutes(log.query(AuditQuery.builder().limit(2).build())));
    }

    private static List<Integer> minutes(List<AuditRecord> records) {
        return records.stream().map(r -> (int) ((r.time().getEpochSecond() - T0.getEpochSecond()) / 60)).toList();
    }

    @Test
    void clearForgetsTheEventsButNotTheCounts() {
        MemoryAuditLog log = MemoryAuditLog.create();
        log.record(at(1, "alice", "policy.changed"));
        log.record(at(2, "alice", "policy.changed"));
        log.clear();
        assertEquals(List.of(), log.events());
        assertEquals(List.of(), log.query(AuditQuery.builder().build()));
        log.record(at(3, "alice", "policy.changed"));
        assertEquals(3L, log.records().get(0).sequence(), "sequence numbers go on");
        assertEquals(new AuditLog.Stats(3, 0, 0, 0, 0), log.stats());
    }

    @Test
    void closeRefusesNewEventsAndKeepsTheOldReadable() {
        MemoryAuditLog log = MemoryAuditLog.create();
        log.record(at(1, "alice", "policy.changed"));
        log.flush();
        log.close();
        AuditException e = assertThrows(AuditException.class, () -> log.record(at(2, "alice", "policy.changed")));
        assertEquals("This audit sink is closed", e.getMessage());
        assertThrows(AuditException.class, log::flush);
        log.close();
        assertEquals(1, log.events().size());
        assertEquals(1, log.query(AuditQuery.builder().build()).size());
    }

    @Test
    void refusesNullsAndABlankName() {
        MemoryAuditLog log = MemoryAuditLog.create();
        assertThrows(NullPointerException.class, () -> log.record(null));
        assertThrows(NullPointerException.class, () -> log.query(null));
        assertThrows(IllegalArgumentException.class, () -> MemoryAuditLog.create(" ", Redactor.defaults()));
        assertThrows(NullPointerException.class, () -> MemoryAuditLog.create("x", null));
    }

    @Test
    void hasMetricsAndNoHealthCheck() {
        MemoryAuditLog log = MemoryAuditLog.create();
        assertTrue(log.healthCheck().isEmpty(), "it cannot fail, so it reports nothing");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        log.metrics().orElseThrow().bindTo(registry);
        log.record(at(1, "alice", "policy.changed"));
        assertEquals(1.0, registry.get(AuditMetricNames.DEFAULT_EVENTS).tag("sink", "memory").tag("outcome", "written")
                .functionCounter().count());
        registry.getMeters().forEach(m -> assertNotNull(m.getId().getDescription(),
                m.getId().getName() + " has no description (Prometheus HELP; promtool wants one)"));
    }

    /** Writers racing with readers and clear(): every event gets its own number, snapshots stay consistent. */
    @Test
    void concurrentWritersAndReadersSeeConsistentSnapshots() throws Exception {
        MemoryAuditLog log = MemoryAuditLog.create();
        int writers = 4;
        int each = 2000;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String actor = "w" + w;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        log.record(at(i % 60, actor, "policy.changed"));
                    }
                    return null;
                }));
            }
            Future<?> reader = pool.submit(() -> {
                start.await();
                for (int i = 0; i < 200; i++) {
                    List<AuditEvent> events = log.events();
                    List<AuditRecord> records = log.records();
                    for (int r = 1; r < records.size(); r++) {
                        assertTrue(records.get(r - 1).sequence() < records.get(r).sequence(), "records in order");
                    }
                    assertTrue(log.query(AuditQuery.builder().limit(50).build()).size() <= 50);
                    assertTrue(events.size() <= writers * each);
                }
                return null;
            });
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            reader.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        List<AuditRecord> records = log.records();
        List<AuditEvent> events = log.events();
        assertEquals(writers * each, records.size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(i + 1L, records.get(i).sequence(), "gap-free, one number per event");
            assertEquals(events.get(i).actor().id(), records.get(i).actorId(), "events and records line up");
        }
        assertEquals(writers * each, log.stats().written());
    }
}
