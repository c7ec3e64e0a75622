package dev.infrakit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.test.contract.SharedLoginThrottleContract;
import dev.infrakit.testkit.EphemeralRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The login throttle on Redis: "instances", each a store on its own connection to one server,
 * share every budget (the contract: lockout, network budget, a success's reset, an unlock, exactly
 * five guesses from 16 threads on four instances), and an attempt is three round trips.
 */
class RedisLoginThrottleContractIT extends SharedLoginThrottleContract {
    private static RedisClient client;
    private String prefix;

    @BeforeAll
    static void connect() {
        client = TestRedis.client(EphemeralRedis.shared());
    }

    @AfterAll
    static void disconnect() {
        client.shutdown();
    }

    @BeforeEach
    void freshKeys() {
        prefix = TestRedis.uniquePrefix();
    }

    @Override
    protected RateLimitStore instanceStore() {
        StatefulRedisConnection<String, String> connection = client.connect();
        return RedisRateLimitStore.builder(connection).keyPrefix(prefix).failurePolicy(FailurePolicy.FAIL_CLOSED)
                .commandTimeout(Duration.ofSeconds(2)).closeOnClose(connection).build();
    }

    @Test
    void anAttemptCostsThreeRoundTripsOneEvalshaEach() {
        try (RedisRateLimitStore store = (RedisRateLimitStore) instanceStore()) {
            LoginThrottle throttle = LoginThrottle.builder().store(store).build();
            long before = store.roundTrips();
            throttle.attempt("dana", ClientAddress.parse("203.0.113.7"),
                    () -> AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong"));
            assertEquals(3, store.roundTrips() - before, "network, lockout and user budget: one round trip each");
        }
    }
}
