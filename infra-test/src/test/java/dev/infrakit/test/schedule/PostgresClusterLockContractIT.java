package dev.infrakit.test.schedule;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.PostgresClusterLock;
import dev.infrakit.test.contract.ClusterLockContract;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

/**
 * The PostgreSQL advisory lock against the cluster-lock contract, on a real server: each handle is
 * a lock over a pool of its own on the one database, as two instances of a service would have.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PostgresClusterLockContractIT extends ClusterLockContract {
    private static TestDatabase database;

    @BeforeAll
    static void database(TestDatabase db) {
        database = db;
    }

    @Override
    protected ClusterLock createLock() {
        HikariDataSource pool = DataSources.create(Config.of(Map.of("url", database.jdbcUrl(),
                "username", database.username(), "password", database.password(), "pool-size", "5")));
        return PostgresClusterLock.builder(pool).namespace("contract").closeOnClose(pool).build();
    }
}
