package dev.infrakit.redis.internal;

import dev.infrakit.core.Config;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.RateLimitStoreProvider;
import dev.infrakit.ratelimit.internal.RemoteStoreGuard;
import dev.infrakit.redis.RedisRateLimitStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * {@code redis}: keys under {@code infrakit.ratelimit.redis}: {@code uri} (required:
 * {@code redis://host:port}, {@code rediss://} for TLS, or {@code redis-sentinel://…#primary} for a
 * Sentinel-managed primary; a password in the URI is never shown), {@code on-failure} (required:
 * fail-open, fail-closed, local-fallback), {@code fallback-fraction}, {@code command-timeout}
 * (default 500ms), {@code retry-interval} (default 1s), {@code key-prefix} (default
 * {@value RedisRateLimitStore#DEFAULT_PREFIX}). The provider opens its own client, which rejects
 * commands while disconnected; closing the store closes the connection and shuts the client down.
 */
public final class RedisRateLimitStoreProvider implements RateLimitStoreProvider {

    /** Created by ServiceLoader. */
    public RedisRateLimitStoreProvider() {
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String description() {
        return "Shared token buckets in Redis, one Lua script (EVALSHA) per decision on the server's clock";
    }

    @Override
    public RateLimitStore create(Config config) {
        Config redis = config.section("infrakit.ratelimit.redis");
        RedisURI uri;
        String text = redis.getString("uri");
        try {
            uri = RedisURI.create(text);
        } catch (RuntimeException e) {
            // Not redis.invalid(): that shows the value, and a Redis URI may hold a password.
            throw new IllegalArgumentException("Invalid config value for '" + redis.fullKey("uri") + "' (not shown: a Redis "
                    + "URI may hold a password); expected redis://host:port, rediss://host:port or "
                    + "redis-sentinel://host:port#primary");
        }
        RemoteStoreGuard.Settings failure = RemoteStoreGuard.Settings.read(redis, "command-timeout");
        RedisRateLimitStore.Builder builder;
        RedisClient client = RedisClient.create(uri);
        try {
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
            StatefulRedisConnection<String, String> connection = client.connect();
            builder = RedisRateLimitStore.builder(connection).failurePolicy(failure.onFailure())
                    .fallbackFraction(failure.fallbackFraction()).commandTimeout(failure.timeout())
                    .retryInterval(failure.retryInterval()).closeOnClose(() -> {
                        connection.close();
                        client.shutdown();
                    });
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
        String prefix = redis.getString("key-prefix", RedisRateLimitStore.DEFAULT_PREFIX);
        try {
            builder.keyPrefix(prefix);
        } catch (IllegalArgumentException e) {
            builder.build().close();
            throw redis.invalid("key-prefix", e.getMessage());
        }
        return builder.build();
    }
}
