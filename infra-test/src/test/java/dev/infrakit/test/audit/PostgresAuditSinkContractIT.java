package dev.infrakit.test.audit;

import dev.infrakit.audit.*;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.test.contract.AuditSinkContract;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;



/**
 * The PostgreSQL sink against the audit sink contract, on a real server; the table is emptied
 * before each test, since a query reads every writer's rows.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PostgresAuditSinkContractIT extends AuditSinkContract {
    private static final byte[] KEY = "an-hmac-key-of-at-least-32-bytes-for-tests"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private static HikariDataSource pool;

    @BeforeAll
    static void pool(TestDatabase db) {
        pool = dev.infrakit.core.DataSources.create(dev.infrakit.core.Config.of(java.util.Map.of("url", db.jdbcUrl(),
                "username", db.username(), "password", db.password(), "pool-size", "4", "connection-timeout", "1s",
                "validation-timeout", "500ms")));
        PostgresAuditSink.createSchema(pool);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    @Override
    protected AuditLog createLog() throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE infrakit_audit, infrakit_audit_checkpoint");
        }
        return PostgresAuditSink.builder(pool, KEY).build();
    }
}
