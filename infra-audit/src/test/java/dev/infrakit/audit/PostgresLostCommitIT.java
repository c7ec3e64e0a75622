package dev.infrakit.audit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
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
                assertEquals(6, sink.written(), "the event whose reply was lost is not counted");
            }
            assertGapFree(direct, 7);
        }
    }
}
