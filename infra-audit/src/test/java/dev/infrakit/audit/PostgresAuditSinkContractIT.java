package dev.infrakit.audit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.contract.AuditSinkContract;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static dev.infrakit.audit.AuditFixtures.KEY;

/**
 * The PostgreSQL sink against the audit sink contract, on a real server; the table is emptied
 * before each test, since a query reads every writer's rows.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PostgresAuditSinkContractIT extends AuditSinkContract {
    private static HikariDataSource pool;

    @BeforeAll
    static void pool(TestDatabase db) {
        pool = PostgresFixtures.pool(db.jdbcUrl(), db.username(), db.password());
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
