package dev.infrakit.audit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static dev.infrakit.audit.PostgresFixtures.await;
import static dev.infrakit.audit.PostgresFixtures.inOneBatch;
import static dev.infrakit.audit.PostgresFixtures.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row the database refuses (a constraint, a value it cannot hold) fails that event alone: the
 * other events of its batch commit, the chain stays gap-free, a DURABLE caller learns the SQL state
 * (never the values), and an ASYNC event is replaced by a record of its refusal. Errors of the
 * connection, server or schema keep failing (DURABLE) or retrying (ASYNC) the whole batch.
 */
class PostgresAuditRefusalIT {
    @RegisterExtension
    static final EphemeralPostgresExtension POSTGRES = EphemeralPostgresExtension.perMethod();

    private static final String SECRET_VALUE = "value-that-must-not-leak";

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private ExecutorService threads;

    @BeforeEach
    void capture() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(PostgresAuditSink.class)).addAppender(logs);
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void release() {
        ((Logger) LoggerFactory.getLogger(PostgresAuditSink.class)).detachAppender(logs);
        threads.shutdownNow();
    }

    private static AuditEvent refuseMe() {
        return AuditEvent.builder(AuditEvent.Category.SECURITY, "login.failed").actor(Actor.user("refuse-me"))
                .action("login").resource(Resource.of("account", SECRET_VALUE)).reason(SECRET_VALUE)
                .detail("note", SECRET_VALUE).build();
    }

    private static void refuse(HikariDataSource pool) throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE infrakit_audit ADD CONSTRAINT test_refuse CHECK (actor_id <> 'refuse-me')");
        }
    }

    private static List<Callable<?>> tenAndOneRefused(PostgresAuditSink sink, AuditEvent refused) {
        List<Callable<?>> calls = new ArrayList<>();
        for (int n = 0; n < 10; n++) {
            int number = n;
            calls.add(() -> {
                sink.record(event(number, AuditEvent.Severity.INFO));
                return null;
            });
            if (n == 4) {
                calls.add(() -> {
                    sink.record(refused);
                    return null;
                });
            }
        }
        return calls;
    }

    private static long count(HikariDataSource pool, String where) throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM infrakit_audit WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void assertGapFreeAndVerified(HikariDataSource pool, long rows) throws Exception {
        assertEquals(rows, count(pool, "true"));
        assertEquals(rows, count(pool, "seq <= " + rows), "sequence numbers 1.." + rows + " without gaps");
        AuditVerifier.Result result = AuditVerifier.verifyTable(pool, KEY);
        assertTrue(result.ok(), result.toString());
        assertEquals(rows, result.lastSequence());
    }

    private void assertNoValueLogged() {
        for (ILoggingEvent line : logs.list) {
            assertFalse(line.getFormattedMessage().contains(SECRET_VALUE) || line.getFormattedMessage().contains("refuse-me"),
                    line.getFormattedMessage());
        }
    }

    @Test
    void aRefusedDurableEventFailsAloneWithItsSqlStateAndTakesNoSequenceNumber(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            refuse(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("durable").build()) {
                List<Future<?>> futures = inOneBatch(pool, sink, threads, tenAndOneRefused(sink, refuseMe()));
                int failed = 0;
                for (Future<?> f : futures) {
                    try {
                        f.get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        failed++;
                        AuditException refused = assertInstanceOf(AuditException.class, e.getCause());
                        assertTrue(refused.getMessage().contains("SQL state 23514"), refused.getMessage());
                        for (Throwable t = refused; t != null; t = t.getCause()) {
                            assertFalse(String.valueOf(t.getMessage()).contains(SECRET_VALUE)
                                    || String.valueOf(t.getMessage()).contains("refuse-me"), t.toString());
                        }
                    }
                }
                assertEquals(1, failed, "only the refused event failed");
                assertEquals(2, sink.stats().syncs(), "the blocker's batch, then one batch with all eleven");
                assertEquals(1, sink.refusedEvents());
                assertEquals(11, sink.stats().written());
                sink.record(event(99, AuditEvent.Severity.INFO));
            }
            assertGapFreeAndVerified(pool, 12);
            assertEquals(0, count(pool, "type = '" + PostgresAuditSink.REFUSED_TYPE + "'"));
            assertNoValueLogged();
        }
    }

    @Test
    void aRefusedAsyncEventIsReplacedByARecordOfItsRefusal(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            refuse(pool);
            AuditEvent refused = refuseMe();
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("async")
                    .durability(Durability.ASYNC).build()) {
                List<Callable<?>> inOrder = List.of(() -> {
                    for (Callable<?> call : tenAndOneRefused(sink, refused)) {
                        call.call();
                    }
                    return null;
                });
                inOneBatch(pool, sink, threads, inOrder, 11);
                // Counted before flush(): its marker may come as a batch of its own once the eleven are in.
                // The writer counts a batch's events before its sync: wait for both counters.
                await(() -> sink.stats().written() == 12 && sink.stats().syncs() >= 2,
                        "the blocker, ten events and the record of the refusal are written and synced");
                assertEquals(2, sink.stats().syncs(), "the blocker's batch, then one batch with all eleven");
                sink.flush();
                assertEquals(1, sink.refusedEvents());
                assertEquals(12, sink.stats().written(), "the blocker, ten events and the record of the refusal");
                List<AuditRecord> records = sink.query(AuditQuery.builder().type(PostgresAuditSink.REFUSED_TYPE).build());
                assertEquals(1, records.size());
                AuditRecord r = records.get(0);
                assertEquals("system", r.actorId());
                assertEquals("ERROR", r.severity());
                assertEquals(7, r.sequence(), "in the refused event's place: after the blocker and five events");
                JsonNode details = new ObjectMapper().readTree(r.json()).path("details");
                assertEquals(refused.id().toString(), details.path("event_id").asText());
                assertEquals("login.failed", details.path("event_type").asText());
                assertEquals("23514", details.path("sql_state").asText());
                assertFalse(r.json().contains(SECRET_VALUE) || r.json().contains("refuse-me"), r.json());
            }
            assertGapFreeAndVerified(pool, 12);
            assertEquals(0, count(pool, "actor_id = 'refuse-me'"));
            assertNoValueLogged();
        }
    }

    @Test
    void anEventTimeTheColumnCannotHoldIsRefusedAlone(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("times").build()) {
                List<Callable<?>> calls = new ArrayList<>();
                for (java.time.Instant time : List.of(java.time.Instant.MAX, java.time.Instant.parse("+300000-01-01T00:00:00Z"),
                        java.time.Instant.parse("1000-01-01T00:00:00.0000005Z"))) {
                    calls.add(() -> {
                        sink.record(AuditEvent.builder(AuditEvent.Category.ADMIN, "clock.test").timestamp(time)
                                .actor(Actor.system()).action("tick").build());
                        return null;
                    });
                }
                calls.add(() -> {
                    sink.record(event(1, AuditEvent.Severity.INFO));
                    return null;
                });
                List<String> errors = new ArrayList<>();
                for (Future<?> f : inOneBatch(pool, sink, threads, calls)) {
                    try {
                        f.get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        errors.add(e.getCause().getMessage());
                    }
                }
                assertEquals(2, errors.size(), errors.toString());
                assertTrue(errors.stream().allMatch(m -> m.contains("SQL state 22008")), errors.toString());
                assertEquals(2, sink.refusedEvents());
            }
            assertGapFreeAndVerified(pool, 3);
        }
    }

    @Test
    void aConnectionLostDuringTheInsertLogsNoValueAnywhere(TestDatabase db) throws Exception {
        // Pools log the driver's exception when a connection breaks; a JDBC batch's exception quotes
        // every row. Captured at the root, so the pool's log lines are checked too.
        ListAppender<ILoggingEvent> all = new ListAppender<>();
        all.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(all);
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("cut")
                    .durability(Durability.ASYNC).build();
                 Connection lock = pool.getConnection(); Statement s = lock.createStatement()) {
                lock.setAutoCommit(false);
                s.execute("LOCK TABLE infrakit_audit IN EXCLUSIVE MODE");
                sink.record(refuseMe());
                sink.record(event(1, AuditEvent.Severity.INFO));
                await(() -> {
                    try (Connection c = pool.getConnection(); Statement q = c.createStatement(); ResultSet rs = q.executeQuery(
                            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE NOT granted "
                                    + "AND relation = 'infrakit_audit'::regclass")) {
                        return rs.next();
                    } catch (java.sql.SQLException e) {
                        throw new AssertionError(e);
                    }
                }, "the insert waiting for the lock was cut off");
                lock.commit();
                await(() -> sink.failedBatches() == 1 && sink.stats().written() == 2, "the batch is retried and committed");
            }
            assertGapFreeAndVerified(pool, 2);
        } finally {
            root.detachAppender(all);
        }
        assertTrue(all.list.stream().anyMatch(e -> e.getFormattedMessage().contains("not committed")), "the failure was logged");
        for (ILoggingEvent line : all.list) {
            StringBuilder text = new StringBuilder(line.getFormattedMessage());
            for (ch.qos.logback.classic.spi.IThrowableProxy t = line.getThrowableProxy(); t != null; t = t.getCause()) {
                text.append(" | ").append(t.getMessage());
            }
            assertFalse(text.toString().contains(SECRET_VALUE) || text.toString().contains("refuse-me")
                    || text.toString().contains("app-1"), text.toString());
        }
    }

    @Test
    void whenEvenTheRecordOfARefusalIsRefusedAsyncEventsWaitInsteadOfBeingDropped(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("async")
                    .durability(Durability.ASYNC).build()) {
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE infrakit_audit ADD CONSTRAINT test_refuse_all CHECK (seq < 0)");
                }
                for (int n = 0; n < 5; n++) {
                    sink.record(event(n, AuditEvent.Severity.INFO));
                }
                await(() -> sink.failedBatches() >= 1, "a batch fails");
                assertEquals(0, sink.stats().written());
                assertEquals(dev.infrakit.core.health.HealthStatus.DOWN, sink.healthCheck().orElseThrow().check().status());
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE infrakit_audit DROP CONSTRAINT test_refuse_all");
                }
                await(() -> sink.stats().written() == 5, "the retried batch commits");
                assertEquals(0, sink.refusedEvents());
            }
            assertGapFreeAndVerified(pool, 5);
        }
    }

    @Test
    void anErrorOfTheSchemaFailsTheBatchAndAsyncEventsAreRetried(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink durable = PostgresAuditSink.builder(pool, KEY).writerId("durable").build();
                 PostgresAuditSink async = PostgresAuditSink.builder(pool, KEY).writerId("async")
                         .durability(Durability.ASYNC).build()) {
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE infrakit_audit RENAME TO infrakit_audit_away");
                }
                AuditException e = org.junit.jupiter.api.Assertions.assertThrows(AuditException.class,
                        () -> durable.record(event(1, AuditEvent.Severity.INFO)));
                assertTrue(e.getMessage().startsWith("Audit insert failed: SQL state 42P01"), e.getMessage());
                for (int n = 0; n < 5; n++) {
                    async.record(event(n, AuditEvent.Severity.INFO));
                }
                await(() -> async.failedBatches() >= 1, "a batch fails");
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE infrakit_audit_away RENAME TO infrakit_audit");
                }
                await(() -> async.stats().written() == 5, "the retried batch commits");
                assertEquals(0, durable.refusedEvents() + async.refusedEvents());
            }
            assertEquals(5, count(pool, "true"));
            assertTrue(AuditVerifier.verifyTable(pool, KEY).ok());
        }
    }

    /** A table refusing every event (an operator's constraint) refuses callers, so readiness is DOWN until it accepts again. */
    @Test
    void aTableRefusingEveryEventTurnsHealthDownUntilItAcceptsAgain(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).build()) {
                sink.record(event(1, AuditEvent.Severity.INFO));
                assertEquals(dev.infrakit.core.health.HealthStatus.UP, sink.healthCheck().orElseThrow().check().status());
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE infrakit_audit ADD CONSTRAINT test_refuse_all CHECK (false) NOT VALID");
                }
                AuditException refused = org.junit.jupiter.api.Assertions.assertThrows(AuditException.class,
                        () -> sink.record(event(2, AuditEvent.Severity.INFO)));
                assertTrue(refused.getMessage().contains("23514"), refused.getMessage());
                dev.infrakit.core.health.HealthResult down = sink.healthCheck().orElseThrow().check();
                assertEquals(dev.infrakit.core.health.HealthStatus.DOWN, down.status(), down.toString());
                assertTrue(down.output().orElseThrow().contains("refuses every audit event"), down.toString());
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE infrakit_audit DROP CONSTRAINT test_refuse_all");
                }
                sink.record(event(3, AuditEvent.Severity.INFO));
                assertEquals(dev.infrakit.core.health.HealthStatus.UP, sink.healthCheck().orElseThrow().check().status());
            }
            assertTrue(AuditVerifier.verifyTable(pool, KEY).ok());
        }
    }
}
