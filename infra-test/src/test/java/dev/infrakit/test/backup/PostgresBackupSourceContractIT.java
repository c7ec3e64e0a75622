package dev.infrakit.test.backup;

import dev.infrakit.backup.*;

import dev.infrakit.test.contract.BackupSourceContract;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

/** {@link PostgresBackupSource} against the source contract, on a real server. */
class PostgresBackupSourceContractIT extends BackupSourceContract {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() throws Exception {
        db = EphemeralPostgres.shared().createDatabase("PostgresBackupSourceContractIT");
        try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL)");
            st.execute("INSERT INTO customers (name) SELECT 'customer ' || i FROM generate_series(1, 50) i");
        }
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Override
    protected BackupSource createSource() {
        return PostgresBackupSource.builder().host(db.server().host()).port(db.server().port())
                .database(db.name()).user(db.username()).password(db.password()).build();
    }

    /** A database that does not exist on the server: connecting fails at once. */
    @Override
    protected BackupSource createFailingSource() {
        return PostgresBackupSource.builder().host(db.server().host()).port(db.server().port())
                .database("no_such_database").user(db.username()).password(db.password())
                .timeout(Duration.ofSeconds(10)).build();
    }
}
