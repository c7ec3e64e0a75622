package dev.infrakit.audit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.List;
import java.util.UUID;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static dev.infrakit.audit.PostgresFixtures.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A commit whose reply is lost (the connection drops after COMMIT reached the server) leaves the
 * sink not knowing whether its batch was committed. It must read its chain's position again before
 * writing: before, its sequence number stayed behind and every later batch failed with a duplicate
 * key, for good.
 */
class PostgresLostCommitIT {
    @RegisterExtension
    static final EphemeralPostgresExtension POSTGRES = EphemeralPostgresExtension.perMethod();

    static HikariDataSource proxied(TestDatabase db, CuttingProxy proxy) {
        return pool("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + db.name(), db.username(), db.password());
    }

    /** Rows holding the event {@code id} in their body. */
    static int rowsOf(HikariDataSource pool, UUID id) throws Exception {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM infrakit_audit WHERE position(? in body) > 0")) {
            s.setString(1, "\"id\":\"" + id + "\"");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    static void assertGapFree(HikariDataSource pool, long rows) throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), max(seq) FROM infrakit_audit")) {
            rs.next();
            assertEquals(rows, rs.getLong(1));
            assertEquals(rows, rs.getLong(2));
        }
        AuditVerifier.Result result = AuditVerifier.verifyTable(pool, KEY);
        assertTrue(result.ok(), result.toString());
    }

    @Test
    void recordingResumesAfterTheReplyToACommitWasLost(TestDatabase db) throws Exception {
        try (CuttingProxy proxy = new CuttingProxy(db.server().port());
             HikariDataSource direct = pool(db.jdbcUrl(), db.username(), db.password());
             HikariDataSource pool = proxied(db, proxy)) {
            PostgresAuditSink.createSchema(direct);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("w").build()) {
                sink.record(event(1, AuditEvent.Severity.INFO));
                AuditEvent lost = event(2, AuditEvent.Severity.INFO);
                proxy.arm();
                AuditException e = assertThrows(AuditException.class, () -> sink.record(lost));
                assertTrue(proxy.awaitCut(10), "the proxy cut a connection after its commit");
                assertTrue(e.getMessage().contains("may have been committed"), e.getMessage());
                assertEquals(1, rowsOf(direct, lost.id()), "the server committed the event its caller was told failed");
                for (int n = 3; n <= 7; n++) {
                    sink.record(event(n, AuditEvent.Severity.INFO));
                }
                sink.record(lost);
                assertEquals(1, rowsOf(direct, lost.id()), "the caller's retry stored nothing more");
                assertEquals(6, sink.stats().written(), "neither the event whose reply was lost nor its retry is counted");
            }
            assertGapFree(direct, 7);
        }
    }

    @Test
    void anAsyncBatchWhoseCommitReplyWasLostIsStoredOnce(TestDatabase db) throws Exception {
        try (CuttingProxy proxy = new CuttingProxy(db.server().port());
             HikariDataSource direct = pool(db.jdbcUrl(), db.username(), db.password());
             HikariDataSource pool = proxied(db, proxy)) {
            PostgresAuditSink.createSchema(direct);
            List<AuditEvent> events = new ArrayList<>();
            for (int n = 0; n < 10; n++) {
                events.add(event(n, AuditEvent.Severity.INFO));
            }
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("w")
                    .durability(Durability.ASYNC).build()) {
                sink.record(events.get(0));
                sink.flush();
                proxy.arm();
                for (AuditEvent e : events.subList(1, 6)) {
                    sink.record(e);
                }
                assertTrue(proxy.awaitCut(10), "the proxy cut a connection after its commit");
                for (AuditEvent e : events.subList(6, 10)) {
                    sink.record(e);
                }
                PostgresFixtures.await(() -> {
                    try {
                        sink.flush();
                        return true;
                    } catch (AuditException e) {
                        return false;
                    }
                }, "a flush succeeds");
                assertEquals(1, sink.failedBatches());
            }
            for (AuditEvent e : events) {
                assertEquals(1, rowsOf(direct, e.id()), "stored exactly once");
            }
            assertGapFree(direct, 10);
        }
    }

    /**
     * Stops the server as {@code pg_ctl -m immediate} does (SIGQUIT to the postmaster: no checkpoint,
     * connections cut mid-statement, crash recovery at the next start) and waits until it is gone.
     */
    static void crash(EphemeralPostgres server) throws Exception {
        long pid = server.pid();
        Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).redirectErrorStream(true).start();
        assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        java.util.Optional<ProcessHandle> postmaster = ProcessHandle.of(pid);
        if (postmaster.isPresent()) {
            postmaster.get().onExit().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aServerCrashWhileWritersRunLosesNoAcknowledgedEventAndStoresNoneTwice() throws Exception {
        // synchronous_commit on: the ephemeral server's default (off) may lose acknowledged commits
        // in a crash by design, which is not what this test is about.
        try (EphemeralPostgres server = EphemeralPostgres.builder().setting("synchronous_commit", "on").start()) {
            TestDatabase db = server.createDatabase("audit-crash");
            try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
                PostgresAuditSink.createSchema(pool);
                Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
                List<UUID> accepted = new ArrayList<>();
                AtomicInteger errors = new AtomicInteger();
                ExecutorService threads = Executors.newFixedThreadPool(5);
                try (PostgresAuditSink durable = PostgresAuditSink.builder(pool, KEY).writerId("durable").build();
                     PostgresAuditSink async = PostgresAuditSink.builder(pool, KEY).writerId("async")
                             .durability(Durability.ASYNC).build()) {
                    List<Future<?>> writers = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        int base = t * 1000;
                        writers.add(threads.submit(() -> {
                            for (int n = base; n < base + 80; n++) {
                                AuditEvent e = event(n, AuditEvent.Severity.INFO);
                                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                                while (true) {
                                    try {
                                        durable.record(e);
                                        acknowledged.add(e.id());
                                        break;
                                    } catch (AuditException failed) {
                                        // The caller retries the same event: stored once whatever happened.
                                        errors.incrementAndGet();
                                        if (System.nanoTime() > deadline) {
                                            throw failed;
                                        }
                                    }
                                }
                            }
                            return null;
                        }));
                    }
                    writers.add(threads.submit(() -> {
                        for (int n = 10_000; n < 10_100; n++) {
                            AuditEvent e = event(n, AuditEvent.Severity.INFO);
                            async.record(e);
                            synchronized (accepted) {
                                accepted.add(e.id());
                            }
                            Thread.sleep(1);
                        }
                        return null;
                    }));
                    PostgresFixtures.await(() -> acknowledged.size() >= 60, "60 events are acknowledged");
                    crash(server);
                    server.start();
                    for (Future<?> writer : writers) {
                        writer.get(90, TimeUnit.SECONDS);
                    }
                    PostgresFixtures.await(() -> {
                        try {
                            async.flush();
                            return true;
                        } catch (AuditException e) {
                            return false;
                        }
                    }, "the ASYNC sink flushes");
                } finally {
                    threads.shutdownNow();
                }
                assertTrue(errors.get() > 0, "the writers felt the crash");
                assertEquals(320, acknowledged.size());
                Map<UUID, Integer> rows = new HashMap<>();
                try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT (body::jsonb -> 'event' ->> 'id')::uuid, count(*) FROM infrakit_audit GROUP BY 1")) {
                    while (rs.next()) {
                        rows.put(rs.getObject(1, UUID.class), rs.getInt(2));
                    }
                }
                for (UUID id : acknowledged) {
                    assertEquals(1, rows.getOrDefault(id, 0), "acknowledged event " + id);
                }
                for (UUID id : accepted) {
                    assertEquals(1, rows.getOrDefault(id, 0), "accepted ASYNC event " + id);
                }
                assertEquals(420, rows.size());
                AuditVerifier.Result result = AuditVerifier.verifyTable(pool, KEY);
                assertTrue(result.ok(), result.toString());
                assertEquals(420, result.recordsChecked());
            }
        }
    }
}
