package dev.infrakit.redis.internal;

import dev.infrakit.core.Config;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.RateLimitStoreProvider;
import dev.infrakit.ratelimit.internal.RemoteStoreGuard;
import dev.infrakit.redis.RedisRateLimitStore;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code redis}: keys under {@code infrakit.ratelimit.redis}: {@code uri} (required:
 * {@code redis://host:port}, {@code rediss://} for TLS, {@code redis-sentinel://…#primary} for a
 * Sentinel-managed primary, or {@code redis-cluster://host1:port1,host2:port2} for a Redis Cluster's
 * seed nodes; a password in the URI is never shown), {@code on-failure} (required:
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
        String text = redis.getString("uri");
        List<RedisURI> uris = parse(text, redis.fullKey("uri"));
        RemoteStoreGuard.Settings failure = RemoteStoreGuard.Settings.read(redis, "command-timeout");
        RedisRateLimitStore.Builder builder = text.contains("-cluster://") ? cluster(uris) : standalone(uris.get(0));
        builder.failurePolicy(failure.onFailure()).fallbackFraction(failure.fallbackFraction())
                .commandTimeout(failure.timeout()).retryInterval(failure.retryInterval());
        String prefix = redis.getString("key-prefix", RedisRateLimitStore.DEFAULT_PREFIX);
        try {
            builder.keyPrefix(prefix);
        } catch (IllegalArgumentException e) {
            builder.build().close();
            throw redis.invalid("key-prefix", e.getMessage());
        }
        return builder.build();
    }

    /** A standalone (or Sentinel-managed) server's store builder, closing its client with the store. */
    private static RedisRateLimitStore.Builder standalone(RedisURI uri) {
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        return owning(client, client::connect, RedisRateLimitStore::builder);
    }

    /** A Redis Cluster's store builder from its seed nodes, closing its client with the store. */
    private static RedisRateLimitStore.Builder cluster(List<RedisURI> seeds) {
        RedisClusterClient client = RedisClusterClient.create(seeds);
        // Lettuce refreshes on MOVED / ASK / reconnects by itself; a periodic refresh as well.
        client.setOptions(ClusterClientOptions.builder().topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(Duration.ofSeconds(30)).build()).build());
        return owning(client, client::connect, RedisRateLimitStore::builder);
    }

    /** A builder over {@code client}'s connection that closes both with the store; the client shut down if it cannot connect. */
    private static <C extends StatefulConnection<String, String>> RedisRateLimitStore.Builder owning(
            AbstractRedisClient client, Supplier<C> connect, Function<C, RedisRateLimitStore.Builder> builder) {
        try {
            C connection = connect.get();
            return builder.apply(connection).closeOnClose(() -> {
                connection.close();
                client.shutdown();
            });
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    /**
     * The URIs of {@code text}: one for {@code redis://}, {@code rediss://} and
     * {@code redis-sentinel://}; the seed nodes of {@code redis-cluster://[user:password@]h1:p1,h2:p2}
     * (or {@code rediss-cluster://}, TLS), the credentials applying to each.
     */
    static List<RedisURI> parse(String text, String key) {
        try {
            int scheme = text.indexOf("-cluster://");
            if (scheme < 0) {
                return List.of(RedisURI.create(text));
            }
            String base = text.substring(0, scheme); // redis or rediss
            if (!base.equals("redis") && !base.equals("rediss")) {
                throw new IllegalArgumentException("scheme");
            }
            String rest = text.substring(scheme + "-cluster://".length());
            int at = rest.lastIndexOf('@');
            String userInfo = at >= 0 ? rest.substring(0, at + 1) : "";
            List<RedisURI> seeds = new ArrayList<>();
            for (String node : rest.substring(at + 1).split(",")) {
                if (node.isBlank()) {
                    throw new IllegalArgumentException("empty node");
                }
                seeds.add(RedisURI.create(base + "://" + userInfo + node.strip()));
            }
            return List.copyOf(seeds);
        } catch (RuntimeException e) {
            // Not config.invalid(): that shows the value, and a Redis URI may hold a password.
            throw new IllegalArgumentException("Invalid config value for '" + key + "' (not shown: a Redis URI may hold "
                    + "a password); expected redis://host:port, rediss://host:port, redis-sentinel://host:port#primary "
                    + "or redis-cluster://host1:port1,host2:port2");
        }
    }
}
