package dev.infrakit.redis;

import dev.infrakit.testkit.EphemeralRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Connections to a test server as an application should open them, and the contract's clock shift. */
final class TestRedis {
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    /** Moves every key under a prefix back in time: its base and its expiry, as the passing of time would. */
    private static final String ADVANCE = """
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

    /** Moves time forward by {@code amount} for every key under {@code prefix}. */
    static void advance(StatefulRedisConnection<String, String> connection, String prefix, Duration amount) {
        connection.sync().eval(ADVANCE, ScriptOutputType.INTEGER, new String[0], prefix,
                Long.toString(amount.toNanos() / 1000), Long.toString(amount.toMillis()));
    }
}
