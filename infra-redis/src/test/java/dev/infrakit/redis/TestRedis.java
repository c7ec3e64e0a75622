package dev.infrakit.redis;

import dev.infrakit.testkit.EphemeralRedis;
import dev.infrakit.testkit.EphemeralRedisCluster;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Connections to a test server as an application should open them, and the contract's clock shift. */
final class TestRedis {
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    /** Moves every key under a prefix back in time: its base and its expiry, as the passing of time would. */
    private static final String ADVANCE = """
            #!lua flags=allow-cross-slot-keys
            local cursor = '0'
            repeat
              local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1] .. '*', 'COUNT', 1000)
              cursor = page[1]
              for _, key in ipairs(page[2]) do
                local value = redis.call('GET', key)
                local ttl = redis.call('PTTL', key)
                local base, rest = string.match(value, '^(%d+);(.*)$')
                local left = ttl - tonumber(ARGV[3])
                if left <= 0 then
                  redis.call('DEL', key)
                else
                  redis.call('SET', key, string.format('%.0f', tonumber(base) - tonumber(ARGV[2])) .. ';' .. rest, 'PX', left)
                end
              end
            until cursor == '0'
            return 1
            """;

    private TestRedis() {
    }

    /** A client of {@code redis} that rejects commands while disconnected, as the store's Javadoc asks. */
    static RedisClient client(EphemeralRedis redis) {
        RedisClient client = RedisClient.create(RedisURI.create(redis.uri()));
        client.setOptions(ClientOptions.builder().disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(2))).build());
        return client;
    }

    /** A key prefix no other store of this JVM uses. */
    static String uniquePrefix() {
        return "test" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet() + ":";
    }

    /** A cluster client over {@code cluster}'s nodes, refreshing its topology on redirections and failovers. */
    static RedisClusterClient clusterClient(EphemeralRedisCluster cluster) {
        RedisClusterClient client = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
        // Not REJECT_COMMANDS: the cluster client connects to each node on its first command, which
        // that setting would refuse. The store cancels a command it stopped waiting for.
        client.setOptions(ClusterClientOptions.builder()
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(2)))
                // Lettuce 7 refreshes on MOVED / ASK / reconnects by default (adaptive triggers); add a periodic refresh.
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofSeconds(1)).build())
                .build());
        return client;
    }

    /** Moves time forward by {@code amount} for every key under {@code prefix} on each of the cluster's primaries. */
    static void advance(EphemeralRedisCluster cluster, String prefix, Duration amount) {
        for (EphemeralRedis primary : cluster.primaries()) {
            primary.command("EVAL", ADVANCE, "0", prefix, Long.toString(amount.toNanos() / 1000),
                    Long.toString(amount.toMillis()));
        }
    }

    /** Moves time forward by {@code amount} for every key under {@code prefix}. */
    static void advance(StatefulRedisConnection<String, String> connection, String prefix, Duration amount) {
        connection.sync().eval(ADVANCE, ScriptOutputType.INTEGER, new String[0], prefix,
                Long.toString(amount.toNanos() / 1000), Long.toString(amount.toMillis()));
    }
}
