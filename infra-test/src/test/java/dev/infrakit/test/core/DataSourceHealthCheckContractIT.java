package dev.infrakit.test.core;

import dev.infrakit.core.health.*;

import dev.infrakit.test.contract.HealthCheckContract;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link DataSourceHealthCheck} against the health check contract, on a real server. */
class DataSourceHealthCheckContractIT extends HealthCheckContract {
    private static TestDatabase db;

    @BeforeAll
    static void database() {
        db = EphemeralPostgres.shared().createDatabase("health-contract");
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @Override
    protected HealthCheck createHealthyCheck() {
        return DataSourceHealthCheck.builder(db.dataSource()).build();
    }

    /** A validation query that returns no row. */
    @Override
    protected HealthCheck createUnhealthyCheck() {
        return DataSourceHealthCheck.builder(db.dataSource()).name("database-broken").query("SELECT 1 WHERE false")
                .build();
    }
}
