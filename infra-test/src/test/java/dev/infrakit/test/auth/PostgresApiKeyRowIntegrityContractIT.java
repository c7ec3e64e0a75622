package dev.infrakit.test.auth;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.auth.ApiKeyStore;
import dev.infrakit.auth.PostgresApiKeyStore;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.test.contract.ApiKeyStoreContract;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/** The PostgreSQL API key store with authenticated rows (a key ring) against the contract, on a real server. */
class PostgresApiKeyRowIntegrityContractIT extends ApiKeyStoreContract {
    private static final KeyRing RING = KeyRing.of(MasterKey.generate());
    private static TestDatabase db;
    private static HikariDataSource pool;

    @BeforeAll
    static void createDatabase() {
        db = EphemeralPostgres.shared().createDatabase("apikeyrows_contract");
        pool = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "8", "connection-timeout", "5s",
                "validation-timeout", "500ms")));
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

    @Override
    protected ApiKeyStore createStore() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE infrakit_api_key");
        }
        return PostgresApiKeyStore.create(pool, RING);
    }
}
