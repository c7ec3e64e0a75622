package dev.infrakit.redis;

import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.test.contract.RateLimitStoreContract;
import dev.infrakit.testkit.EphemeralRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Redis store against the rate-limit store contract, unchanged, on a real server. Time is
 * "advanced" by moving every stored base (and expiry) back, which is what the passing of time
 * means to GCRA.
 */
class RedisRateLimitStoreContractIT extends RateLimitStoreContract {
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private String prefix;

    @BeforeAll
    static void connect() {
        client = TestRedis.client(EphemeralRedis.shared());
        connection = client.connect();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        client.shutdown();
    }

    @Override
    protected RateLimitStore createStore() {
        prefix = TestRedis.uniquePrefix();
        return RedisRateLimitStore.builder(connection).failurePolicy(FailurePolicy.FAIL_CLOSED).keyPrefix(prefix)
                .commandTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    protected void advance(Duration amount) {
        TestRedis.advance(connection, prefix, amount);
    }
}
