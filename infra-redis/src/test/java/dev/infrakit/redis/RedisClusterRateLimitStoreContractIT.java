package dev.infrakit.redis;

import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.test.contract.RateLimitStoreContract;
import dev.infrakit.testkit.EphemeralRedisCluster;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Redis store on a Redis Cluster (three primaries, three replicas) against the store contract, unchanged. */
class RedisClusterRateLimitStoreContractIT extends RateLimitStoreContract {
    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<String, String> connection;
    private String prefix;

    @BeforeAll
    static void connect() {
        client = TestRedis.clusterClient(EphemeralRedisCluster.shared());
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
        TestRedis.advance(EphemeralRedisCluster.shared(), prefix, amount);
    }
}
