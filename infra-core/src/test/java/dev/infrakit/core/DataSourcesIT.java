package dev.infrakit.core;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(EphemeralPostgresExtension.class)
class DataSourcesIT {

    private static Config config(TestDatabase db, String password) {
        return Config.of(Map.of(
                "infrakit.datasource.url", db.jdbcUrl(),
                "infrakit.datasource.username", db.username(),
                "infrakit.datasource.password", password,
                "infrakit.datasource.pool-size", "3",
                "infrakit.datasource.connection-timeout", "5s",
                "infrakit.datasource.validation-timeout", "1s",
                "infrakit.datasource.pool-name", "core-it")).section("infrakit.datasource");
    }

    @Test
    void poolConnectsAndReportsMetrics(TestDatabase db) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (HikariDataSource pool = DataSources.create(config(db, db.password()), registry)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_database(), current_user")) {
                assertTrue(rs.next());
                assertEquals(db.name(), rs.getString(1));
                assertEquals(db.username(), rs.getString(2));
            }
            assertEquals(3, pool.getMaximumPoolSize());
            assertNotNull(registry.find("hikaricp.connections.max").tag("pool", "core-it").gauge());
            assertEquals(3.0, registry.get("hikaricp.connections.max").tag("pool", "core-it").gauge().value());
            assertEquals(1L, registry.get("hikaricp.connections.acquire").tag("pool", "core-it").timer().count(),
                    "one acquisition timed");
        }
    }

    @Test
    void wrongPasswordIsAClearErrorWithoutThePassword(TestDatabase db) {
        DataSourceException e = assertThrows(DataSourceException.class,
                () -> DataSources.create(config(db, "Wr0ng-Pa55word")));
        String m = e.getMessage();
        assertTrue(m.startsWith("Could not open connection pool 'core-it' to " + db.jdbcUrl() + " as user '"
                + db.username() + "': "), m);
        assertTrue(m.contains("password authentication failed for user \"" + db.username() + "\""), m);
        assertFalse(m.contains("Wr0ng-Pa55word"), m);
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains("Wr0ng-Pa55word"), "cause leaks the password: " + t);
        }
    }

    @Test
    void unreachableServerIsAClearError() {
        Config unreachable = Config.of(Map.of("url", "jdbc:postgresql://127.0.0.1:1/nothing?password=leak-me",
                "connection-timeout", "1s", "validation-timeout", "500ms"));
        DataSourceException e = assertThrows(DataSourceException.class, () -> DataSources.create(unreachable));
        assertTrue(e.getMessage().startsWith("Could not open connection pool 'infrakit' to "
                + "jdbc:postgresql://127.0.0.1:1/nothing?password=******: "), e.getMessage());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertFalse(e.getMessage().contains("leak-me"), e.getMessage());
    }

    @Test
    void schemaScriptsRunByInstancesStartingAtOnceDoNotRace(TestDatabase db) throws Exception {
        int instances = 8;
        try (HikariDataSource pool = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", String.valueOf(instances))))) {
            for (int round = 0; round < 5; round++) {
                String script = "CREATE TABLE IF NOT EXISTS race_" + round + " (id bigint PRIMARY KEY, note text);\n"
                        + "CREATE INDEX IF NOT EXISTS race_" + round + "_note ON race_" + round + " (note);\n"
                        + "CREATE OR REPLACE FUNCTION race_" + round + "_f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n";
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(instances);
                java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(instances);
                try {
                    java.util.List<java.util.concurrent.Future<Object>> runs = new java.util.ArrayList<>();
                    for (int i = 0; i < instances; i++) {
                        runs.add(threads.submit(() -> {
                            start.await(10, java.util.concurrent.TimeUnit.SECONDS);
                            DataSources.runScript(pool, script);
                            return null;
                        }));
                    }
                    for (java.util.concurrent.Future<Object> run : runs) {
                        run.get(30, java.util.concurrent.TimeUnit.SECONDS); // a race would fail one with 23505 or XX000
                    }
                } finally {
                    threads.shutdownNow();
                }
            }
        }
    }

    /** A provider that fails half-way (a missing schema, a bad setting) leaves no pool behind. */
    @Test
    void withPoolClosesThePoolWhenTheBuildFailsAndHandsItOverWhenItSucceeds(TestDatabase db) {
        HikariDataSource[] seen = new HikariDataSource[1];
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> DataSources.withPool(
                config(db, db.password()), pool -> {
                    seen[0] = pool;
                    throw new IllegalStateException("the schema is missing");
                }));
        assertEquals("the schema is missing", failed.getMessage());
        assertTrue(seen[0].isClosed(), "the pool was closed");

        HikariDataSource kept = DataSources.withPool(config(db, db.password()), pool -> pool);
        try {
            assertFalse(kept.isClosed(), "a successful build owns the pool");
        } finally {
            kept.close();
        }
    }
}
