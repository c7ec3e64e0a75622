/**
 * Test fixtures for Infrakit and its users: {@link dev.infrakit.testkit.EphemeralPostgres}, a
 * real throwaway PostgreSQL server, {@link dev.infrakit.testkit.EphemeralPostgresExtension}
 * for JUnit 5, and {@link dev.infrakit.testkit.EphemeralRedis}, a real throwaway Redis server.
 */
module dev.infrakit.testkit {
    requires transitive java.sql;
    requires transitive org.junit.jupiter.api;
    requires org.postgresql.jdbc;
    requires java.naming;

    exports dev.infrakit.testkit;
}
