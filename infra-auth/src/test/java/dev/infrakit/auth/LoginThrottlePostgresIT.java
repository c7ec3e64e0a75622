package dev.infrakit.auth;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.PostgresRateLimitStore;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two "instances" — two throttles, each on its own pool and its own {@link PostgresRateLimitStore},
 * on one database — share every budget: N instances give an attacker no more guesses than one.
 */
class LoginThrottlePostgresIT {
    private static final String PASSWORD = "correct-horse-battery";
    private static final ClientAddress ATTACKER = ClientAddress.parse("203.0.113.7");
    private static TestDatabase db;
    private static HikariDataSource poolA;
    private static HikariDataSource poolB;
    private PostgresRateLimitStore storeA;
    private PostgresRateLimitStore storeB;
    private LoginThrottle a;
    private LoginThrottle b;

    @BeforeAll
    static void createDatabase() {
        db = EphemeralPostgres.shared().createDatabase("login_throttle");
        poolA = pool();
        poolB = pool();
    }

    private static HikariDataSource pool() {
        return DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "4")));
    }

    @AfterAll
    static void dropDatabase() {
        poolA.close();
        poolB.close();
        db.close();
    }

    @BeforeEach
    void instances() throws Exception {
        PostgresRateLimitStore.createSchema(poolA);
        storeA = PostgresRateLimitStore.builder(poolA).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
        try (Connection c = poolA.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE infrakit_rate_limit");
        }
        storeB = PostgresRateLimitStore.builder(poolB).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
        a = LoginThrottle.builder().store(storeA).perNetwork(8, Duration.ofHours(1)).build();
        b = LoginThrottle.builder().store(storeB).perNetwork(8, Duration.ofHours(1)).build();
    }

    @AfterEach
    void close() {
        storeA.close();
        storeB.close();
    }

    private static Supplier<AuthResult> check(String user, String password) {
        return () -> PASSWORD.equals(password)
                ? AuthResult.success(new Principal(user, Set.of("user"), Principal.Method.PASSWORD, null, null, Map.of()))
                : AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong user name or password");
    }

    @Test
    void twoInstancesShareTheLockout() {
        for (int i = 0; i < 3; i++) {
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, a.attempt("admin", ATTACKER, check("admin", "a" + i))
                    .failure().orElseThrow());
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, b.attempt("admin", ATTACKER, check("admin", "b" + i))
                    .failure().orElseThrow());
        }
        AuthResult onA = a.attempt("admin", ATTACKER, check("admin", PASSWORD));
        AuthResult onB = b.attempt("admin", ATTACKER, check("admin", PASSWORD));
        assertEquals(AuthResult.Failure.LOCKED, onA.failure().orElseThrow(), "5 guesses in all, not 5 per instance");
        assertEquals(AuthResult.Failure.LOCKED, onB.failure().orElseThrow());
        assertTrue(onA.retryAfter().orElseThrow().compareTo(Duration.ofMinutes(14)) > 0, onA.retryAfter().toString());
        assertTrue(b.attempt("admin", ClientAddress.parse("198.51.100.9"), check("admin", PASSWORD)).ok(),
                "the real user from another network is not locked out");
    }

    @Test
    void twoInstancesShareTheNetworkBudget() {
        for (int i = 0; i < 8; i++) {
            LoginThrottle instance = i % 2 == 0 ? a : b;
            instance.attempt("user" + i, ATTACKER, check("user" + i, "guess"));
        }
        assertEquals(AuthResult.Failure.THROTTLED, a.attempt("user9", ATTACKER, check("user9", PASSWORD))
                .failure().orElseThrow());
        assertEquals(AuthResult.Failure.THROTTLED, b.attempt("user9", ATTACKER, check("user9", PASSWORD))
                .failure().orElseThrow());
    }

    @Test
    void aSuccessOnOneInstanceResetsTheCountersOfAll() {
        for (int i = 0; i < 3; i++) {
            a.attempt("alice", ATTACKER, check("alice", "guess" + i));
        }
        assertTrue(b.attempt("alice", ATTACKER, check("alice", PASSWORD)).ok());
        for (int i = 0; i < 3; i++) {
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, a.attempt("alice", ATTACKER, check("alice", "again" + i))
                    .failure().orElseThrow(), "the three earlier failures (3 + 3 > 5) were reset by the success on the other instance");
        }
    }

    @Test
    void anAttemptCostsThreeDecisionsOneRoundTripEach() {
        long before = storeA.roundTrips();
        a.attempt("dana", ATTACKER, check("dana", "guess"));
        assertEquals(3, storeA.roundTrips() - before, "network, lockout and user budget: one statement each");
        before = storeA.roundTrips();
        AuthResult locked = null;
        for (int i = 0; i < 5; i++) {
            locked = a.attempt("dana", ATTACKER, check("dana", "guess" + i));
        }
        assertEquals(AuthResult.Failure.LOCKED, locked.failure().orElseThrow());
        assertEquals(4 * 3 + 2, storeA.roundTrips() - before, "a locked attempt stops after two decisions");
    }

    @Test
    void anUnlockOnOneInstanceLiftsTheLockForAll() {
        for (int i = 0; i < 5; i++) {
            a.attempt("alice", ATTACKER, check("alice", "guess" + i));
        }
        assertEquals(AuthResult.Failure.LOCKED, b.attempt("alice", ATTACKER, check("alice", PASSWORD))
                .failure().orElseThrow());
        b.unlock("alice", ATTACKER);
        assertTrue(a.attempt("alice", ATTACKER, check("alice", PASSWORD)).ok());
    }
}
