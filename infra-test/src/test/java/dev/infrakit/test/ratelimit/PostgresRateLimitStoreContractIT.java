package dev.infrakit.test.ratelimit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.PostgresRateLimitStore;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.test.contract.RateLimitStoreContract;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;

/**
 * The PostgreSQL store against the store contract, on a real server. Time is "advanced" by moving
 * every stored arrival time back, which is what the passing of time means to GCRA.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PostgresRateLimitStoreContractIT extends RateLimitStoreContract {
    private static HikariDataSource pool;

    @BeforeAll
    static void pool(TestDatabase db) {
        pool = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "8")));
        PostgresRateLimitStore.createSchema(pool);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    @Override
    protected RateLimitStore createStore() {
        return PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                .statementTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    protected void advance(Duration amount) throws Exception {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
                "UPDATE infrakit_rate_limit SET tats = (SELECT array_agg(t - ? ORDER BY i) FROM unnest(tats) "
                        + "WITH ORDINALITY AS u(t, i)), full_at = full_at - ?")) {
            s.setLong(1, amount.toNanos());
            s.setLong(2, amount.toNanos());
            s.executeUpdate();
        }
    }
}
