package dev.infrakit.auth;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.core.ManualClock;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What only the PostgreSQL API key store does, against a real PostgreSQL (table truncated before
 * each test): its schema, what a row holds, and its error messages. The store contract runs in
 * infra-test's PostgresApiKeyStoreContractIT.
 */
class PostgresApiKeyStoreIT {
    private static TestDatabase db;
    private static HikariDataSource pool;

    @BeforeAll
    static void createDatabase() {
        db = EphemeralPostgres.shared().createDatabase("apikeys");
        pool = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "8", "connection-timeout", "5s",
                "validation-timeout", "500ms")));
        PostgresApiKeyStore.createSchema(pool);
        PostgresApiKeyStore.createSchema(pool); // idempotent
    }

    @AfterAll
    static void dropDatabase() {
        if (pool != null) {
            pool.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    /** A fresh store for each test (the contract kit's run is in infra-test). */
    private ApiKeyStore store;
    /** The service over {@link #store}, on {@link #clock}. */
    private ApiKeys apiKeys;

    @BeforeEach
    void openStore() throws Exception {
        store = createStore();
        apiKeys = ApiKeys.builder(store).clock(clock).build();
    }

    private ApiKeyStore createStore() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE infrakit_api_key");
        }
        return PostgresApiKeyStore.create(pool);
    }

    @Test
    void theRowHoldsTheHashOfTheSecretAndNeverTheKey() throws SQLException {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader", "partner"), "row check", Duration.ofDays(1));
        String secret = issued.key().substring(issued.key().length() - 43);
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT t::text FROM infrakit_api_key t WHERE key_id = ?")) {
            s.setString(1, issued.keyId());
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next());
                String row = rs.getString(1);
                assertFalse(row.contains(secret), "the secret is not in the row");
                assertFalse(row.contains(issued.key()), "the key is not in the row");
                assertTrue(row.contains("{partner,reader}") || row.contains("{reader,partner}"), row);
            }
        }
        assertTrue(PostgresApiKeyStore.schemaSql().contains("CREATE TABLE IF NOT EXISTS infrakit_api_key"));
    }

    @Test
    void anInvalidRowIsReportedByKeyIdWithoutItsHash() throws SQLException {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE infrakit_api_key SET key_id = 'NOT-A-KEY-ID' WHERE key_id = '" + issued.keyId() + "'");
        }
        CredentialException e = assertThrows(CredentialException.class, () -> store.find("NOT-A-KEY-ID"));
        assertTrue(e.getMessage().contains("'NOT-A-KEY-ID'") && e.getMessage().contains("invalid"), e.getMessage());
    }

    @Test
    void aMissingTableIsReportedWithTheFix() throws SQLException {
        TestDatabase empty = EphemeralPostgres.shared().createDatabase("apikeys_empty");
        try (HikariDataSource emptyPool = DataSources.create(Config.of(Map.of("url", empty.jdbcUrl(),
                "username", empty.username(), "password", empty.password(), "pool-size", "1")))) {
            CredentialException e = assertThrows(CredentialException.class, () -> PostgresApiKeyStore.create(emptyPool));
            assertTrue(e.getMessage().contains("PostgresApiKeyStore.createSchema"), e.getMessage());
        } finally {
            empty.close();
        }
    }

    @Test
    void theSchemaRefusesAHashOfTheWrongLength() throws SQLException {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
                "UPDATE infrakit_api_key SET secret_hash = ? WHERE key_id = ?")) {
            s.setBytes(1, "short".getBytes(StandardCharsets.UTF_8));
            s.setString(2, issued.keyId());
            SQLException e = assertThrows(SQLException.class, s::executeUpdate);
            assertTrue(e.getMessage().contains("infrakit_api_key_hash_length"), e.getMessage());
        }
        assertTrue(apiKeys.verify(issued.key()).ok());
        assertEquals(1, apiKeys.list("svc").size());
    }
}
