package dev.infrakit.redis;

import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.test.contract.SharedLoginThrottleContract;
import dev.infrakit.testkit.EphemeralRedisCluster;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The login throttle on a Redis Cluster: instances, each a store on its own cluster connection,
 * share every budget, whichever primaries their keys land on (the contract).
 */
class RedisClusterLoginThrottleContractIT extends SharedLoginThrottleContract {
    private static RedisClusterClient client;
    private String prefix;

    @BeforeAll
    static void connect() {
        client = TestRedis.clusterClient(EphemeralRedisCluster.shared());
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
        StatefulRedisClusterConnection<String, String> connection = client.connect();
        return RedisRateLimitStore.builder(connection).keyPrefix(prefix).failurePolicy(FailurePolicy.FAIL_CLOSED)
                .commandTimeout(Duration.ofSeconds(2)).closeOnClose(connection).build();
    }
}
