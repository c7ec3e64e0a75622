package dev.infrakit.audit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresAuditSinkIT {
    @RegisterExtension
    static final EphemeralPostgresExtension POSTGRES = EphemeralPostgresExtension.perMethod();

    private static HikariDataSource pool(TestDatabase db) {
        return DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "4", "connection-timeout", "1s", "validation-timeout", "500ms")));
    }

    @Test
    void twoWritersBatchConcurrentlyAndEveryChainVerifies(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db)) {
            PostgresAuditSink.createSchema(pool);
            ExecutorService threads = Executors.newFixedThreadPool(8);
            try (PostgresAuditSink a = PostgresAuditSink.builder(pool, KEY).writerId("instance-a").build();
                 PostgresAuditSink b = PostgresAuditSink.builder(pool, KEY).writerId("instance-b").build()) {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    PostgresAuditSink sink = t % 2 == 0 ? a : b;
                    int base = t * 100;
                    futures.add(threads.submit(() -> {
                        for (int n = base; n < base + 100; n++) {
                            sink.record(event(n, AuditEvent.Severity.INFO));
                        }
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
                assertEquals(400, a.stats().written());
                assertEquals(400, b.stats().written());
            } finally {
                threads.shutdownNow();
            }
            AuditVerifier.Result result = AuditVerifier.verifyTable(pool, KEY);
            assertTrue(result.ok(), result.toString());
            assertEquals(800, result.recordsChecked());
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT DISTINCT writer_id FROM infrakit_audit) w")) {
                rs.next();
                assertEquals(2, rs.getInt(1));
            }
        }
    }

    @Test
    void tamperingIsFoundPerWriter(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db)) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("w").build()) {
                for (int n = 0; n < 10; n++) {
                    sink.record(event(n, AuditEvent.Severity.INFO));
                }
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("UPDATE infrakit_audit SET body = replace(body, '\"n\":4', '\"n\":44') WHERE seq = 5");
            }
            AuditVerifier.Result modified = AuditVerifier.verifyTable(pool, KEY);
            assertEquals(AuditVerifier.Problem.MODIFIED, modified.problem());
            assertEquals(5, modified.firstBadSequence().orElseThrow());
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM infrakit_audit WHERE seq = 5");
            }
            AuditVerifier.Result missing = AuditVerifier.verifyTable(pool, KEY);
            assertEquals(AuditVerifier.Problem.MISSING, missing.problem());
            assertEquals(5, missing.firstBadSequence().orElseThrow());
        }
    }

    @Test
    void everyColumnCopiedFromTheBodyIsCheckedAgainstIt(TestDatabase db) throws Exception {
        Instant t0 = Instant.parse("2026-11-01T00:00:00.123456789Z");
        try (HikariDataSource pool = pool(db)) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("columns").build()) {
                for (int n = 0; n < 6; n++) {
                    AuditEvent.Builder b = AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, "data.read")
                            .timestamp(t0.plusSeconds(n)).actor(Actor.user("alice")).action("read")
                            .outcome(AuditEvent.Outcome.DENIED).severity(AuditEvent.Severity.WARN).detail("n", n);
                    sink.record((n == 4 ? b : b.resource(Resource.of("credential", "db-" + n))).build());
                }
                // Before 1582 the JDBC Timestamp (Julian calendar) and the body (proleptic Gregorian) disagree.
                sink.record(AuditEvent.builder(AuditEvent.Category.ADMIN, "old.event").timestamp(
                        Instant.parse("1500-03-01T12:00:00Z")).actor(Actor.system()).action("load").build());
            }
            assertTrue(AuditVerifier.verifyTable(pool, KEY).ok(), AuditVerifier.verifyTable(pool, KEY).toString());
            Map<String, String> changes = new java.util.LinkedHashMap<>();
            changes.put("time", "time = '2001-01-01T00:00:00Z'");
            changes.put("time ", "time = time + interval '1 microsecond'");
            changes.put("category", "category = 'ADMIN'");
            changes.put("type", "type = 'login.succeeded'");
            changes.put("severity", "severity = 'INFO'");
            changes.put("actor_id", "actor_id = 'system'");
            changes.put("action", "action = 'write'");
            changes.put("resource_type", "resource_type = 'rate-limit-tier'");
            changes.put("resource_id", "resource_id = 'db-0'");
            changes.put("resource_id ", "resource_id = NULL");
            changes.put("outcome", "outcome = 'SUCCESS'");
            for (Map.Entry<String, String> change : changes.entrySet()) {
                for (int seq : new int[] {3, 5}) {
                    String column = change.getKey().strip();
                    if (seq == 5 && column.startsWith("resource_")) {
                        continue;
                    }
                    AuditVerifier.Result result;
                    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                        c.setAutoCommit(false);
                        assertEquals(1, s.executeUpdate("UPDATE infrakit_audit SET " + change.getValue()
                                + " WHERE seq = " + seq));
                        result = TableVerifier.verify(c, KEY, null);
                        c.rollback();
                    }
                    String what = change.getValue() + " at " + seq + ": " + result;
                    assertEquals(AuditVerifier.Problem.MODIFIED, result.problem(), what);
                    assertEquals(seq, result.firstBadSequence().orElseThrow(), what);
                    assertTrue(result.detail().contains("writer columns") && result.detail().contains(column), what);
                    assertFalse(result.detail().contains("alice") || result.detail().contains("system")
                            || result.detail().contains("2001"), "no values in the detail: " + what);
                }
            }
            for (String set : List.of("resource_type = 'credential'", "resource_id = 'db-4'")) {
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    s.executeUpdate("UPDATE infrakit_audit SET " + set + " WHERE seq = 5");
                    AuditVerifier.Result result = TableVerifier.verify(c, KEY, null);
                    c.rollback();
                    assertEquals(AuditVerifier.Problem.MODIFIED, result.problem(), "no resource in the body, " + set);
                    assertEquals(5, result.firstBadSequence().orElseThrow());
                }
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("UPDATE infrakit_audit SET actor_id = 'system', time = '2001-01-01' WHERE seq = 2");
            }
            AuditVerifier.Result hidden = AuditVerifier.verifyTable(pool, KEY);
            assertEquals(AuditVerifier.Problem.MODIFIED, hidden.problem(), hidden.toString());
            assertEquals(2, hidden.firstBadSequence().orElseThrow());
        }
    }

    @Test
    void recordingAnEventAgainStoresItOnce(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db)) {
            PostgresAuditSink.createSchema(pool);
            AuditEvent once = event(1, AuditEvent.Severity.INFO);
            AuditEvent async = event(2, AuditEvent.Severity.INFO);
            try (PostgresAuditSink durable = PostgresAuditSink.builder(pool, KEY).writerId("durable").build();
                 PostgresAuditSink other = PostgresAuditSink.builder(pool, KEY).writerId("other")
                         .durability(Durability.ASYNC).build()) {
                durable.record(once);
                durable.record(once);
                durable.record(event(3, AuditEvent.Severity.INFO));
                durable.record(once);
                other.record(async);
                other.record(async);
                other.record(once);
                other.flush();
                assertEquals(2, durable.stats().written());
                assertEquals(1, other.stats().written());
                assertEquals(0, durable.refusedEvents() + other.refusedEvents());
                java.util.concurrent.ExecutorService threads = Executors.newCachedThreadPool();
                try {
                    AuditEvent twice = event(4, AuditEvent.Severity.INFO);
                    List<java.util.concurrent.Callable<?>> calls = new ArrayList<>();
                    for (AuditEvent e : List.of(twice, event(5, AuditEvent.Severity.INFO), twice, once)) {
                        calls.add(() -> {
                            durable.record(e);
                            return null;
                        });
                    }
                    for (Future<?> f : PostgresFixtures.inOneBatch(pool, durable, threads, calls)) {
                        f.get(30, TimeUnit.SECONDS);
                    }
                } finally {
                    threads.shutdownNow();
                }
                assertEquals(5, durable.stats().written(), "the blocker, event 4 once and event 5");
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT writer_id, count(*), max(seq), count(DISTINCT event_id) FROM infrakit_audit "
                            + "GROUP BY writer_id ORDER BY writer_id")) {
                assertTrue(rs.next());
                assertEquals("durable", rs.getString(1));
                assertEquals(5, rs.getLong(2));
                assertEquals(5, rs.getLong(3), "no sequence number taken by a repeated event");
                assertEquals(5, rs.getLong(4));
                assertTrue(rs.next());
                assertEquals("other", rs.getString(1));
                assertEquals(1, rs.getLong(2));
            }
            AuditVerifier.Result result = AuditVerifier.verifyTable(pool, KEY);
            assertTrue(result.ok(), result.toString());
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.executeUpdate("UPDATE infrakit_audit SET event_id = gen_random_uuid() WHERE writer_id = 'durable' AND seq = 2");
                AuditVerifier.Result changed = TableVerifier.verify(c, KEY, null);
                c.rollback();
                assertEquals(AuditVerifier.Problem.MODIFIED, changed.problem(), changed.toString());
                assertEquals(2, changed.firstBadSequence().orElseThrow());
                assertTrue(changed.detail().contains("event_id"), changed.detail());
            }
        }
    }

    @Test
    void createSchemaUpgradesATableWithoutEventIds(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db)) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("w").build()) {
                for (int n = 0; n < 3; n++) {
                    sink.record(event(n, AuditEvent.Severity.INFO));
                }
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE infrakit_audit DROP COLUMN event_id");
            }
            AuditVerifier.Result before = AuditVerifier.verifyTable(pool, KEY);
            assertTrue(before.ok() && before.recordsChecked() == 3, "a table of the earlier version verifies: " + before);
            AuditException old = assertThrows(AuditException.class, () -> PostgresAuditSink.builder(pool, KEY).build());
            assertTrue(old.getMessage().endsWith("run PostgresAuditSink.createSchema() to upgrade it"), old.getMessage());
            PostgresAuditSink.createSchema(pool);
            AuditEvent again = event(7, AuditEvent.Severity.INFO);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("w").build()) {
                sink.record(again);
                sink.record(again);
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT count(*), count(event_id), max(seq) FROM infrakit_audit")) {
                rs.next();
                assertEquals(4, rs.getLong(1));
                assertEquals(1, rs.getLong(2), "the rows of the old table keep NULL");
                assertEquals(4, rs.getLong(3));
            }
            AuditVerifier.Result result = AuditVerifier.verifyTable(pool, KEY);
            assertTrue(result.ok(), result.toString());
        }
    }

    @Test
    void queryAndAWriterContinuesItsChainAfterARestart(TestDatabase db) throws Exception {
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        try (HikariDataSource pool = pool(db)) {
            PostgresAuditSink.createSchema(pool);
            for (int run = 0; run < 2; run++) {
                try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("fixed").build()) {
                    for (int i = 0; i < 10; i++) {
                        int n = run * 10 + i;
                        sink.record(AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, "data.read")
                                .timestamp(t0.plusSeconds(n)).actor(Actor.user(n % 2 == 0 ? "alice" : "bob")).action("read")
                                .resource(Resource.of("credential", "db-" + n)).detail("n", n).build());
                    }
                }
            }
            AuditVerifier.Result result = AuditVerifier.verifyTable(pool, KEY);
            assertTrue(result.ok(), result.toString());
            assertEquals(20, result.lastSequence(), "one chain across both runs");
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("reader").build()) {
                List<AuditRecord> alice = sink.query(AuditQuery.builder().actor("alice").limit(3).build());
                assertEquals(List.of(t0.plusSeconds(18), t0.plusSeconds(16), t0.plusSeconds(14)),
                        alice.stream().map(AuditRecord::time).toList());
                assertTrue(alice.get(0).json().contains("\"db-18\""));
                assertEquals(1, sink.query(AuditQuery.builder().resource("credential", "db-3").build()).size());
            }
        }
    }

    @Test
    void aServerRestartLosesNoAcknowledgedEvent() throws Exception {
        try (EphemeralPostgres server = EphemeralPostgres.builder().start()) {
            TestDatabase db = server.createDatabase("audit-restart");
            try (HikariDataSource pool = pool(db)) {
                PostgresAuditSink.createSchema(pool);
                Set<Integer> acknowledged = new HashSet<>();
                try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("w").build()) {
                    for (int n = 0; n < 20; n++) {
                        sink.record(event(n, AuditEvent.Severity.INFO));
                        acknowledged.add(n);
                    }
                    io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
                    new AuditMetrics(sink).bindTo(meters);
                    assertEquals(20.0, meters.get("infrakit.audit.events").tag("outcome", "written").functionCounter().count());
                    assertTrue(meters.get("infrakit.audit.sync").functionTimer().count() >= 1);
                    assertEquals(dev.infrakit.core.health.HealthStatus.UP, sink.healthCheck().orElseThrow().check().status());
                    server.stop();
                    AuditException down = assertThrows(AuditException.class,
                            () -> sink.record(event(100, AuditEvent.Severity.INFO)));
                    assertTrue(down.getMessage().startsWith("Audit insert failed: "), down.getMessage());
                    assertEquals(dev.infrakit.core.health.HealthStatus.DOWN, sink.healthCheck().orElseThrow().check().status());
                    server.start();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    int n = 20;
                    while (n < 40 && System.nanoTime() < deadline) {
                        try {
                            sink.record(event(n, AuditEvent.Severity.INFO));
                            acknowledged.add(n);
                            n++;
                        } catch (AuditException e) {
                            // The pool is reconnecting; the caller was told and retries.
                        }
                    }
                    assertEquals(40, n, "recording works again without reopening the sink");
                    assertEquals(dev.infrakit.core.health.HealthStatus.UP, sink.healthCheck().orElseThrow().check().status());
                }
                Set<Integer> stored = new HashSet<>();
                try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT (body::jsonb -> 'event' -> 'details' ->> 'n')::int FROM infrakit_audit")) {
                    while (rs.next()) {
                        stored.add(rs.getInt(1));
                    }
                }
                assertTrue(stored.containsAll(acknowledged), "every acknowledged event was committed");
                assertFalse(stored.contains(100), "the failed event was reported, not silently kept or lost");
                assertTrue(AuditVerifier.verifyTable(pool, KEY).ok());
            }
        }
    }

    @Test
    void theProviderBuildsASinkFromConfig(TestDatabase db) {
        try (AuditSink sink = dev.infrakit.core.Providers.load(AuditSinkProvider.class, Config.of(Map.of(
                "infrakit.audit.sink", "postgres",
                "infrakit.audit.key", java.util.Base64.getEncoder().encodeToString(KEY),
                "infrakit.audit.postgres.url", db.jdbcUrl(),
                "infrakit.audit.postgres.username", db.username(),
                "infrakit.audit.postgres.password", db.password(),
                "infrakit.audit.postgres.writer-id", "from-config")))) {
            sink.record(event(1, AuditEvent.Severity.INFO));
            assertEquals("postgres:from-config", sink.name());
        }
        try (HikariDataSource pool = pool(db)) {
            assertTrue(AuditVerifier.verifyTable(pool, KEY).ok());
        }
    }

    @Test
    void signedCheckpointsRevealDeletedNewestRows(TestDatabase db) throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair keys = generator.generateKeyPair();
        java.security.interfaces.ECPublicKey pub = (java.security.interfaces.ECPublicKey) keys.getPublic();
        try (HikariDataSource pool = pool(db)) {
            PostgresAuditSink.createSchema(pool);
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("signed")
                    .checkpoints((java.security.interfaces.ECPrivateKey) keys.getPrivate(), java.time.Duration.ofMillis(1))
                    .build()) {
                for (int n = 0; n < 10; n++) {
                    sink.record(event(n, AuditEvent.Severity.INFO));
                }
            }
            assertTrue(AuditVerifier.verifyTable(pool, KEY, pub).ok());
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM infrakit_audit WHERE seq > 7");
            }
            assertTrue(AuditVerifier.verifyTable(pool, KEY).ok(), "the chain alone cannot see the cut");
            AuditVerifier.Result cut = AuditVerifier.verifyTable(pool, KEY, pub);
            assertEquals(AuditVerifier.Problem.TRUNCATED, cut.problem());
            assertEquals(8, cut.firstBadSequence().orElseThrow());
            java.security.KeyPair other = generator.generateKeyPair();
            AuditVerifier.Result forged = AuditVerifier.verifyTable(pool, KEY,
                    (java.security.interfaces.ECPublicKey) other.getPublic());
            assertEquals(AuditVerifier.Problem.BAD_SIGNATURE, forged.problem());
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("another").build()) {
                sink.record(event(99, AuditEvent.Severity.INFO));
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM infrakit_audit WHERE writer_id = 'signed'");
            }
            AuditVerifier.Result chainOnly = AuditVerifier.verifyTable(pool, KEY);
            assertTrue(chainOnly.ok() && chainOnly.chains() == 1, "the chain alone cannot see a writer vanish: " + chainOnly);
            AuditVerifier.Result gone = AuditVerifier.verifyTable(pool, KEY, pub);
            assertEquals(AuditVerifier.Problem.TRUNCATED, gone.problem(), gone.toString());
            assertEquals(1, gone.firstBadSequence().orElseThrow());
            assertTrue(gone.detail().contains("writer signed"), gone.detail());
        }
    }

    @Test
    void fileCheckpointsCopiedToPostgresRevealACutSecurityLog(TestDatabase db, @org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair keys = generator.generateKeyPair();
        java.security.interfaces.ECPublicKey pub = (java.security.interfaces.ECPublicKey) keys.getPublic();
        try (HikariDataSource pool = pool(db)) {
            PostgresAuditSink.createSchema(pool);
            try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY)
                    .checkpoints((java.security.interfaces.ECPrivateKey) keys.getPrivate(), java.time.Duration.ofMillis(1))
                    .checkpointMirror(pool).build()) {
                for (int n = 0; n < 12; n++) {
                    sink.record(event(n, AuditEvent.Severity.WARN));
                }
            }
            assertTrue(AuditVerifier.verifyFiles(dir, "security.log", KEY, pub, pool).ok());
            List<String> lines = java.nio.file.Files.readAllLines(dir.resolve("security.log"));
            java.nio.file.Files.write(dir.resolve("security.log"), lines.subList(0, lines.size() - 4));
            assertTrue(AuditVerifier.verifyFiles(dir, "security.log", KEY, pub).ok(),
                    "the cut took the local checkpoints with it");
            AuditVerifier.Result cut = AuditVerifier.verifyFiles(dir, "security.log", KEY, pub, pool);
            assertEquals(AuditVerifier.Problem.TRUNCATED, cut.problem(), cut.toString());
        }
    }

    @Test
    void aMissingSchemaIsAClearError(TestDatabase db) {
        try (HikariDataSource pool = pool(db)) {
            AuditException e = assertThrows(AuditException.class, () -> PostgresAuditSink.builder(pool, KEY).build());
            assertTrue(e.getMessage().endsWith("run PostgresAuditSink.createSchema()"), e.getMessage());
        }
    }
}
