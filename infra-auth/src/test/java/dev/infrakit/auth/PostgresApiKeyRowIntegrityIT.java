package dev.infrakit.auth;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.core.ManualClock;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
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
 * {@link PostgresApiKeyStore} with authenticated rows: someone with SQL write access to the table
 * but not the master key raising a key's roles, clearing its revocation, moving its expiry, forging
 * a row or moving one to another key id: each row is refused, the key does not authenticate, and
 * listing and revoking go on. The store contract over it runs in infra-test's
 * PostgresApiKeyRowIntegrityContractIT.
 */
class PostgresApiKeyRowIntegrityIT {
    private static TestDatabase db;
    private static HikariDataSource pool;
    private static final KeyRing RING = KeyRing.of(MasterKey.generate());

    @BeforeAll
    static void createDatabase() {
        db = EphemeralPostgres.shared().createDatabase("apikeyrows");
        pool = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "4")));
        PostgresApiKeyStore.createSchema(pool);
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
        sql("TRUNCATE infrakit_api_key");
        return PostgresApiKeyStore.create(pool, RING);
    }

    private static int sql(String statement, Object... args) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            return s.executeUpdate();
        }
    }

    private NewApiKey issue(String subject) {
        return apiKeys.create(subject, Set.of("reader"), "integrity", Duration.ofDays(1));
    }

    private PostgresApiKeyStore authenticated() {
        return PostgresApiKeyStore.create(pool, RING);
    }

    @Test
    void rolesRaisedInSqlAreRefusedAndTheKeyDoesNotAuthenticate() throws SQLException {
        NewApiKey key = issue("mallory");
        assertTrue(apiKeys.verify(key.key()).ok());
        assertEquals(1, sql("UPDATE infrakit_api_key SET roles = '{admin}' WHERE key_id = ?", key.keyId()));

        CredentialIntegrityException refused = assertThrows(CredentialIntegrityException.class,
                () -> authenticated().find(key.keyId()));
        assertTrue(refused.getMessage().contains(key.keyId()) && refused.getMessage().contains("fails its MAC"),
                refused.getMessage());
        AuthResult result = apiKeys.verify(key.key());
        assertFalse(result.ok(), "a key whose row was edited does not authenticate: " + result);
        assertEquals(0, authenticated().list("mallory").size(), "left out of the list");
    }

    @Test
    void aRevocationClearedOrAnExpiryMovedInSqlIsRefused() throws SQLException {
        NewApiKey revoked = issue("trent");
        assertTrue(authenticated().revoke(revoked.keyId(), clock.instant()));
        assertFalse(apiKeys.verify(revoked.key()).ok());
        assertEquals(1, sql("UPDATE infrakit_api_key SET revoked_at = NULL WHERE key_id = ?", revoked.keyId()));
        assertFalse(apiKeys.verify(revoked.key()).ok(), "un-revoked in SQL: still refused");
        assertThrows(CredentialIntegrityException.class, () -> authenticated().find(revoked.keyId()));

        NewApiKey expiring = issue("trent");
        assertEquals(1, sql("UPDATE infrakit_api_key SET expires_at = expires_at + interval '10 years' WHERE key_id = ?",
                expiring.keyId()));
        assertThrows(CredentialIntegrityException.class, () -> authenticated().find(expiring.keyId()));
    }

    @Test
    void forgedMovedAndUnsignedRowsAreRefused() throws SQLException {
        NewApiKey original = issue("victor");
        NewApiKey other = issue("victor");
        // A row moved to another key id (its MAC was made for the first).
        sql("DELETE FROM infrakit_api_key WHERE key_id = ?", other.keyId());
        sql("INSERT INTO infrakit_api_key (key_id, secret_hash, subject, roles, name, created_at, expires_at, mac) "
                + "SELECT ?, secret_hash, subject, roles, name, created_at, expires_at, mac FROM infrakit_api_key "
                + "WHERE key_id = ?", other.keyId(), original.keyId());
        assertThrows(CredentialIntegrityException.class, () -> authenticated().find(other.keyId()));
        // A row written by a store without the key ring (or forged without the key): no MAC.
        PostgresApiKeyStore plain = PostgresApiKeyStore.create(pool);
        NewApiKey unsigned = ApiKeys.builder(plain).clock(clock).build().create("victor", Set.of("admin"), "forged",
                Duration.ofDays(1));
        CredentialIntegrityException noMac = assertThrows(CredentialIntegrityException.class,
                () -> authenticated().find(unsigned.keyId()));
        assertTrue(noMac.getMessage().contains("carries no MAC"), noMac.getMessage());
        assertFalse(apiKeys.verify(unsigned.key()).ok());
        assertTrue(apiKeys.verify(original.key()).ok(), "the untouched row still works");
        assertEquals(1, authenticated().list("victor").size(), "only the trusted row is listed");
    }

    @Test
    void revokingAnUntrustedRowDeletesItAndRowsMadeUnderAnOlderMasterKeyStillVerify() throws SQLException {
        NewApiKey key = issue("wendy");
        sql("UPDATE infrakit_api_key SET name = 'edited' WHERE key_id = ?", key.keyId());
        assertTrue(authenticated().revoke(key.keyId(), clock.instant()));
        assertTrue(authenticated().find(key.keyId()).isEmpty(), "the untrusted row is gone");

        NewApiKey older = issue("wendy");
        MasterKey next = MasterKey.generate();
        PostgresApiKeyStore rotated = PostgresApiKeyStore.create(pool, RING.withPrimary(next));
        assertTrue(rotated.find(older.keyId()).isPresent(), "made under the old primary, still in the ring");
        assertTrue(rotated.revoke(older.keyId(), clock.instant()));
        assertTrue(rotated.find(older.keyId()).orElseThrow().isRevoked());
        assertThrows(CredentialIntegrityException.class, () -> authenticated().find(older.keyId()),
                "re-signed under a key the old ring does not hold");
    }

    @Test
    void theRowShowsNoSecretInItsMac() throws SQLException {
        NewApiKey key = issue("xena");
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT mac FROM infrakit_api_key")) {
            assertTrue(rs.next());
            String mac = rs.getString(1);
            assertTrue(mac.startsWith(RING.primary().id() + "."), mac);
            assertFalse(mac.contains(key.key()));
        }
    }
}
