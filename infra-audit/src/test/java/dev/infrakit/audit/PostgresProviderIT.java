package dev.infrakit.audit;

import dev.infrakit.audit.internal.BuiltInAuditSinks;
import dev.infrakit.core.Config;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code postgres} provider (the provider contract runs in infra-test), on a real server: each sink it
 * creates has its own pool (closed with the sink) and writer id, and creates the schema if missing.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PostgresProviderIT {
    private static TestDatabase db;

    @BeforeAll
    static void database(TestDatabase database) {
        db = database;
    }

    private AuditSinkProvider provider() {
        return new BuiltInAuditSinks.Postgres();
    }

    private Config workingConfig() {
        return Config.of(Map.of("infrakit.audit.postgres.url", db.jdbcUrl(), "infrakit.audit.postgres.username",
                db.username(), "infrakit.audit.postgres.password", db.password(), "infrakit.audit.postgres.pool-size",
                "2", "infrakit.audit.key", Base64.getEncoder().encodeToString(AuditFixtures.KEY)));
    }

    /** What the provider creates is queryable and offers its health check and metrics, whatever wraps it. */
    @Test
    void createsAnAuditLogWithItsCapabilities() {
        try (AuditSink sink = provider().create(workingConfig())) {
            AuditLog log = (AuditLog) sink;
            log.record(AuditFixtures.event(1, AuditEvent.Severity.INFO));
            log.flush();
            assertEquals(1, log.query(AuditQuery.builder().build()).size());
            assertEquals(1, log.stats().written());
            assertTrue(log.healthCheck().isPresent());
            assertTrue(log.metrics().isPresent());
        }
    }
}
