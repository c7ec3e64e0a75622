package dev.infrakit.test.credentials;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.PostgresCredentialStore;
import dev.infrakit.test.contract.CredentialStoreContract;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/** The PostgreSQL store against the credential store contract, on a real server (tables truncated before each test). */
class PostgresCredentialStoreContractIT extends CredentialStoreContract {
    private static final KeyRing KEYS = KeyRing.of(MasterKey.generate());

    private static TestDatabase db;
    private static HikariDataSource pool;

    @BeforeAll
    static void createDatabase() {
        db = EphemeralPostgres.shared().createDatabase("credentials_contract");
        pool = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "4", "connection-timeout", "2s", "validation-timeout", "500ms")));
        PostgresCredentialStore.createSchema(pool);
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
    protected CredentialStore createStore(ManualClock clock) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE infrakit_credential CASCADE");
        }
        return PostgresCredentialStore.builder(pool, KEYS).clock(clock).build();
    }
}
