package dev.infrakit.audit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.crypto.Mac;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.PostgresFixtures.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hundreds of random mutations of a real two-writer table with signed checkpoints, each applied to
 * a fresh copy of the data (a transaction rolled back after the check): the verifier reports every
 * one, with the expected problem, at the first bad sequence number of the writer touched.
 */
class PostgresMutationIT {
    @RegisterExtension
    static final EphemeralPostgresExtension POSTGRES = EphemeralPostgresExtension.perMethod();

    private static final List<String> WRITERS = List.of("writer-a", "writer-b");
    private static final int SESSIONS = 3;
    private static final int PER_SESSION = 50;
    private static final int LAST = SESSIONS * PER_SESSION;
    private static final List<String> COLUMNS = List.of("time", "category", "type", "severity", "actor_id", "action",
            "resource_type", "resource_id", "outcome", "event_id");

    enum Kind {
        BODY_BYTE, MAC, COLUMN, DELETE_MIDDLE, SWAP, DUPLICATE, TRUNCATE_NEWEST, DELETE_WRITER, FORGED_CHAIN,
        FOREIGN_CHECKPOINT
    }

    private record Row(String body, byte[] mac) {
    }

    private static AuditEvent event(int n, Instant t0) {
        AuditEvent.Category category = AuditEvent.Category.values()[n % 3];
        AuditEvent.Builder b = AuditEvent.builder(category, n % 2 == 0 ? "data.read" : "login.failed")
                .timestamp(t0.plusMillis(n * 37L).plusNanos(n * 1_234_567L % 1_000_000))
                .actor(Actor.user("user-" + (n % 7))).action(n % 2 == 0 ? "read" : "login")
                .severity(AuditEvent.Severity.values()[n % 4]).outcome(AuditEvent.Outcome.values()[n % 3])
                .detail("n", n);
        if (n % 5 != 0) {
            b.resource(Resource.of("credential", "app-" + n));
        }
        return b.build();
    }

    @Test
    void everyMutationIsReportedAtTheFirstBadSequenceNumber(TestDatabase db) throws Exception {
        KeyPair keys = PostgresFixtures.p256();
        ECPublicKey pub = (ECPublicKey) keys.getPublic();
        ECPrivateKey other = (ECPrivateKey) PostgresFixtures.p256().getPrivate();
        Instant t0 = Instant.parse("2026-12-01T08:00:00Z");
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                int n = 0;
                for (int session = 0; session < SESSIONS; session++) {
                    // Each close signs a checkpoint: at sequences 50, 100 and 150 of each writer.
                    List<PostgresAuditSink> sinks = new ArrayList<>();
                    for (String writer : WRITERS) {
                        sinks.add(PostgresAuditSink.builder(pool, KEY).writerId(writer)
                                .checkpoints((ECPrivateKey) keys.getPrivate(), Duration.ofHours(1)).build());
                    }
                    List<Future<?>> futures = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        PostgresAuditSink sink = sinks.get(t % 2);
                        int from = n + t * (PER_SESSION / 2);
                        futures.add(threads.submit(() -> {
                            for (int i = from; i < from + PER_SESSION / 2; i++) {
                                sink.record(event(i, t0));
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : futures) {
                        f.get();
                    }
                    n += 2 * PER_SESSION;
                    for (PostgresAuditSink sink : sinks) {
                        sink.close();
                    }
                }
            } finally {
                threads.shutdownNow();
            }
            AuditVerifier.Result pristine = AuditVerifier.verifyTable(pool, KEY, pub);
            assertTrue(pristine.ok(), pristine.toString());
            assertEquals(2 * LAST, pristine.recordsChecked());

            Map<String, List<Row>> rows = new HashMap<>();
            Map<String, TreeSet<Long>> checkpoints = new HashMap<>();
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT writer_id, body, mac FROM infrakit_audit ORDER BY writer_id, seq")) {
                    while (rs.next()) {
                        rows.computeIfAbsent(rs.getString(1), w -> new ArrayList<>()).add(new Row(rs.getString(2), rs.getBytes(3)));
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT writer_id, seq FROM infrakit_audit_checkpoint")) {
                    while (rs.next()) {
                        checkpoints.computeIfAbsent(rs.getString(1), w -> new TreeSet<>()).add(rs.getLong(2));
                    }
                }
            }
            for (String writer : WRITERS) {
                assertEquals(LAST, rows.get(writer).size());
                assertEquals(Set.of(50L, 100L, 150L), checkpoints.get(writer), "checkpoints of " + writer);
            }

            Random random = new Random(20261206);
            Mac hmac = Chain.hmac(KEY);
            Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
            Map<String, Integer> columnCounts = new HashMap<>();
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                for (int round = 0; round < 500; round++) {
                    Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
                    String writer = WRITERS.get(random.nextInt(WRITERS.size()));
                    List<Row> chain = rows.get(writer);
                    int k = 1 + random.nextInt(LAST);
                    AuditVerifier.Problem expected = AuditVerifier.Problem.MODIFIED;
                    long expectedSeq = k;
                    String expectedDetail = "writer " + writer;
                    String label = kind.name();
                    switch (kind) {
                        case BODY_BYTE -> {
                            String body = chain.get(k - 1).body();
                            int at = random.nextInt(body.length());
                            char replacement;
                            do {
                                replacement = (char) (32 + random.nextInt(95));
                            } while (replacement == body.charAt(at));
                            update(c, "UPDATE infrakit_audit SET body = ? WHERE writer_id = ? AND seq = ?",
                                    body.substring(0, at) + replacement + body.substring(at + 1), writer, k);
                        }
                        case MAC -> {
                            byte[] mac = chain.get(k - 1).mac().clone();
                            mac[random.nextInt(mac.length)] ^= (byte) (1 << random.nextInt(8));
                            update(c, "UPDATE infrakit_audit SET mac = ? WHERE writer_id = ? AND seq = ?", mac, writer, k);
                        }
                        case COLUMN -> {
                            String column = COLUMNS.get(random.nextInt(COLUMNS.size()));
                            label += " " + column;
                            columnCounts.merge(column, 1, Integer::sum);
                            update(c, "UPDATE infrakit_audit SET " + column + " = " + changed(column, random)
                                    + " WHERE writer_id = ? AND seq = ?", writer, k);
                            expectedDetail = "writer " + writer + " sequence " + k + ": column " + column;
                        }
                        case DELETE_MIDDLE -> {
                            k = 1 + random.nextInt(LAST - 1);
                            expectedSeq = k;
                            update(c, "DELETE FROM infrakit_audit WHERE writer_id = ? AND seq = ?", writer, k);
                            expected = AuditVerifier.Problem.MISSING;
                        }
                        case SWAP -> {
                            k = 1 + random.nextInt(LAST - 1);
                            expectedSeq = k;
                            int j = k + 1 + random.nextInt(LAST - k);
                            update(c, "UPDATE infrakit_audit SET seq = -1 WHERE writer_id = ? AND seq = ?", writer, k);
                            update(c, "UPDATE infrakit_audit SET seq = ? WHERE writer_id = ? AND seq = ?", k, writer, j);
                            update(c, "UPDATE infrakit_audit SET seq = ? WHERE writer_id = ? AND seq = -1", j, writer);
                        }
                        case DUPLICATE -> {
                            update(c, "INSERT INTO infrakit_audit (writer_id, seq, time, category, type, severity, "
                                    + "actor_id, action, resource_type, resource_id, outcome, body, mac) "
                                    + "SELECT writer_id, ?, time, category, type, severity, actor_id, action, "
                                    + "resource_type, resource_id, outcome, body, mac FROM infrakit_audit "
                                    + "WHERE writer_id = ? AND seq = ?", LAST + 1, writer, k);
                            expectedSeq = LAST + 1;
                        }
                        case TRUNCATE_NEWEST -> {
                            k = random.nextInt(LAST);
                            update(c, "DELETE FROM infrakit_audit WHERE writer_id = ? AND seq > ?", writer, k);
                            expected = AuditVerifier.Problem.TRUNCATED;
                            expectedSeq = k + 1;
                        }
                        case DELETE_WRITER -> {
                            update(c, "DELETE FROM infrakit_audit WHERE writer_id = ?", writer);
                            expected = AuditVerifier.Problem.TRUNCATED;
                            expectedSeq = 1;
                        }
                        case FORGED_CHAIN -> {
                            // Whoever has the chain key changes row k and re-MACs the rows after it:
                            // the chain verifies, the first signed checkpoint at or after k does not.
                            long checkpoint = checkpoints.get(writer).ceiling((long) k);
                            byte[] previous = k == 1 ? Chain.GENESIS : chain.get(k - 2).mac();
                            String body = chain.get(k - 1).body();
                            String forged = body.replaceFirst("\"n\":(\\d+)", "\"n\":9$1");
                            assertFalse(forged.equals(body), body);
                            try (PreparedStatement s = c.prepareStatement(
                                    "UPDATE infrakit_audit SET body = ?, mac = ? WHERE writer_id = ? AND seq = ?")) {
                                for (int seq = k; seq <= checkpoint; seq++) {
                                    String b = seq == k ? forged : chain.get(seq - 1).body();
                                    previous = Chain.mac(hmac, previous, b);
                                    s.setString(1, b);
                                    s.setBytes(2, previous);
                                    s.setString(3, writer);
                                    s.setLong(4, seq);
                                    s.addBatch();
                                }
                                s.executeBatch();
                            }
                            expectedSeq = checkpoint;
                            expectedDetail = "writer " + writer + " sequence " + checkpoint
                                    + " differs from its signed checkpoint";
                        }
                        case FOREIGN_CHECKPOINT -> {
                            String jws = Checkpoints.signWriter(other, writer, k, chain.get(k - 1).mac(), Instant.now());
                            if (random.nextBoolean() && checkpoints.get(writer).contains((long) k)) {
                                update(c, "UPDATE infrakit_audit_checkpoint SET jws = ? WHERE writer_id = ? AND seq = ?",
                                        jws, writer, k);
                            } else {
                                update(c, "INSERT INTO infrakit_audit_checkpoint (writer_id, seq, time, jws) "
                                        + "VALUES (?, ?, now(), ?) ON CONFLICT (writer_id, seq) DO UPDATE SET jws = "
                                        + "excluded.jws", writer, k, jws);
                            }
                            expected = AuditVerifier.Problem.BAD_SIGNATURE;
                            expectedDetail = "the checkpoint of writer " + writer + " at sequence " + k;
                        }
                        default -> throw new AssertionError(kind);
                    }
                    counts.merge(kind, 1, Integer::sum);
                    AuditVerifier.Result result = TableVerifier.verify(c, KEY, pub);
                    c.rollback();
                    String what = "round " + round + " " + label + " of " + writer + " at " + k + ": " + result;
                    assertFalse(result.ok(), what);
                    if (kind == Kind.SWAP) {
                        assertTrue(result.problem() == AuditVerifier.Problem.MODIFIED
                                || result.problem() == AuditVerifier.Problem.REORDERED, what);
                    } else {
                        assertEquals(expected, result.problem(), what);
                    }
                    assertEquals(expectedSeq, result.firstBadSequence().orElseThrow(), what);
                    assertTrue(result.detail().contains(expectedDetail), what);
                }
            }
            for (Kind kind : Kind.values()) {
                assertTrue(counts.getOrDefault(kind, 0) >= 30, "cases of " + kind + ": " + counts);
            }
            for (String column : COLUMNS) {
                assertTrue(columnCounts.getOrDefault(column, 0) >= 2, "cases of column " + column + ": " + columnCounts);
            }
            assertTrue(AuditVerifier.verifyTable(pool, KEY, pub).ok(), "every mutation was rolled back");
        }
    }

    /** An SQL expression for a value of {@code column} that differs from the current one. */
    private static String changed(String column, Random random) {
        return switch (column) {
            case "time" -> "time + interval '1 microsecond' * " + (1 + random.nextInt(1_000_000_000));
            case "category" -> "CASE category WHEN 'ADMIN' THEN 'SECURITY' ELSE 'ADMIN' END";
            case "type" -> "CASE type WHEN 'data.read' THEN 'data.write' ELSE 'data.read' END";
            case "severity" -> "CASE severity WHEN 'INFO' THEN 'WARN' ELSE 'INFO' END";
            case "actor_id" -> "CASE actor_id WHEN 'system' THEN 'user-0' ELSE 'system' END";
            case "action" -> "action || '.'";
            case "outcome" -> "CASE outcome WHEN 'SUCCESS' THEN 'DENIED' ELSE 'SUCCESS' END";
            case "event_id" -> "gen_random_uuid()";
            case "resource_type", "resource_id" -> random.nextBoolean()
                    ? "CASE WHEN " + column + " IS NULL THEN 'credential' ELSE NULL END"
                    : "coalesce(" + column + " || 'x', 'x')";
            default -> throw new AssertionError(column);
        };
    }

    private static void update(Connection c, String sql, Object... params) throws Exception {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            assertTrue(s.executeUpdate() >= 1, sql);
        }
    }
}
