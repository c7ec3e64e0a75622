package dev.infrakit.test.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.PostgresRateLimitStore;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.test.contract.SharedLoginThrottleContract;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The login throttle on the PostgreSQL store: "instances" on two pools of one database share every
 * budget (the contract), and an attempt costs one statement per decision.
 */
class PostgresLoginThrottleContractIT extends SharedLoginThrottleContract {
    private static TestDatabase db;
    private static HikariDataSource[] pools;
    private int instances;

    @BeforeAll
    static void createDatabase() {
        db = EphemeralPostgres.shared().createDatabase("login_throttle");
        pools = new HikariDataSource[] {pool(), pool()};
        PostgresRateLimitStore.createSchema(pools[0]);
    }

    private static HikariDataSource pool() {
        return DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "4")));
    }

    @AfterAll
    static void dropDatabase() {
        for (HikariDataSource pool : pools) {
            pool.close();
        }
        db.close();
    }

    @BeforeEach
    void emptyTable() throws Exception {
        try (Connection c = pools[0].getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE infrakit_rate_limit");
        }
    }

    /** Instances take turns over the two pools: each its own connections, one database. */
    @Override
    protected RateLimitStore instanceStore() {
        return PostgresRateLimitStore.builder(pools[instances++ % 2]).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
    }

    @Test
    void anAttemptCostsThreeDecisionsOneRoundTripEach() {
        ClientAddress attacker = ClientAddress.parse("203.0.113.7");
        try (PostgresRateLimitStore store = (PostgresRateLimitStore) instanceStore()) {
            LoginThrottle a = LoginThrottle.builder().store(store).build();
            long before = store.roundTrips();
            a.attempt("dana", attacker, () -> AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong"));
            assertEquals(3, store.roundTrips() - before, "network, lockout and user budget: one statement each");
            before = store.roundTrips();
            AuthResult locked = null;
            for (int i = 0; i < 5; i++) {
                locked = a.attempt("dana", attacker, () -> AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong"));
            }
            assertEquals(AuthResult.Failure.LOCKED, locked.failure().orElseThrow());
            assertEquals(4 * 3 + 2, store.roundTrips() - before, "a locked attempt stops after two decisions");
        }
    }
}
