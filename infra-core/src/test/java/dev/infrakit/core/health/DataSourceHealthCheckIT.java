package dev.infrakit.core.health;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSourceHealthCheckIT {

    @Test
    void upThenDownWhileTheServerIsStoppedThenUpAgain() throws Exception {
        try (EphemeralPostgres server = EphemeralPostgres.builder().start();
             HealthRegistry registry = HealthRegistry.builder().defaultTimeout(Duration.ofSeconds(5)).build()) {
            TestDatabase db = server.createDatabase("health");
            registry.register(DataSourceHealthCheck.builder(db.dataSource()).build());

            HealthReport up = registry.check(HealthCheck.READINESS);
            assertEquals(HealthStatus.UP, up.status());
            assertEquals("ms", up.checks().get("database").observedUnit().orElseThrow());

            server.stop();
            HealthResult down = registry.check().checks().get("database");
            assertEquals(HealthStatus.DOWN, down.status());
            assertTrue(down.output().orElseThrow().startsWith("PSQLException: Connection to 127.0.0.1:" + server.port()
                    + " refused"), down.toString());

            server.start();
            assertEquals(HealthStatus.UP, registry.check().status());
        }
    }

    @Test
    void aQueryThatReturnsNothingIsDown() throws Exception {
        try (TestDatabase db = EphemeralPostgres.shared().createDatabase("health-query")) {
            HealthResult result = DataSourceHealthCheck.builder(db.dataSource()).query("SELECT 1 WHERE false").build().check();
            assertEquals(HealthStatus.DOWN, result.status());
            assertEquals("validation query returned no row: SELECT 1 WHERE false", result.output().orElseThrow());
        }
    }
}
