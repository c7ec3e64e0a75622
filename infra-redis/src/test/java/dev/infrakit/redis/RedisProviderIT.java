package dev.infrakit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import dev.infrakit.core.ProviderException;
import dev.infrakit.core.Providers;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.RateLimitStoreProvider;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.redis.internal.RedisRateLimitStoreProvider;
import dev.infrakit.test.contract.ProviderContract;
import dev.infrakit.testkit.EphemeralRedis;
import dev.infrakit.testkit.EphemeralRedisCluster;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The {@code redis} store through {@code Providers}: from configuration alone, bad settings named. */
class RedisProviderIT {

    private static Map<String, String> working() {
        Map<String, String> values = new HashMap<>();
        values.put("infrakit.ratelimit.store", "redis");
        values.put("infrakit.ratelimit.redis.uri", EphemeralRedis.shared().uri());
        values.put("infrakit.ratelimit.redis.on-failure", "fail-closed");
        values.put("infrakit.ratelimit.redis.key-prefix", TestRedis.uniquePrefix());
        return values;
    }

    @Nested
    class Contract extends ProviderContract<RateLimitStoreProvider> {
        @Override
        protected Class<RateLimitStoreProvider> spi() {
            return RateLimitStoreProvider.class;
        }

        @Override
        protected RateLimitStoreProvider provider() {
            return new RedisRateLimitStoreProvider();
        }

        @Override
        protected Config workingConfig() {
            return Config.of(working());
        }

        @Override
        protected void release(Object created) {
            ((RateLimitStore) created).close();
        }
    }

    @Test
    void aLimiterFromConfigurationDecidesInRedis() {
        Map<String, String> values = working();
        values.put("infrakit.ratelimit.tiers", "user");
        values.put("infrakit.ratelimit.tier.user.limits", "2/1h");
        try (RateLimitStore store = Providers.load(RateLimitStoreProvider.class, Config.of(values))) {
            assertEquals("redis", store.name());
            RateLimitPolicy policy = RateLimitPolicy.parse("user", "2/1h");
            assertTrue(store.tryAcquire(policy, "alice", 1));
            assertTrue(store.tryAcquire(policy, "alice", 1));
            assertFalse(store.tryAcquire(policy, "alice", 1));
            assertInstanceOf(RedisRateLimitStore.class, store);
            assertEquals(3, ((RedisRateLimitStore) store).roundTrips());
        }
        try (RateLimiter limiter = RateLimiter.fromConfig(Config.of(values))) {
            assertEquals("redis", limiter.store().name());
        }
    }

    @Test
    void aRedisClusterUriGivesAStoreOnTheCluster() {
        EphemeralRedisCluster cluster = EphemeralRedisCluster.shared();
        Map<String, String> values = working();
        values.put("infrakit.ratelimit.redis.uri", "redis-cluster://" + String.join(",", cluster.uris().stream()
                .map(uri -> uri.substring("redis://".length())).toList()));
        try (RateLimitStore store = Providers.load(RateLimitStoreProvider.class, Config.of(values))) {
            RateLimitPolicy policy = RateLimitPolicy.parse("user", "2/1h");
            for (int key = 0; key < 20; key++) { // keys on every primary
                assertTrue(store.tryAcquire(policy, "user-" + key, 1));
                assertTrue(store.tryAcquire(policy, "user-" + key, 1));
                assertFalse(store.tryAcquire(policy, "user-" + key, 1), "user-" + key);
            }
        }
        for (String bad : List.of("redis-cluster://", "redis-cluster://127.0.0.1:1,,127.0.0.1:2",
                "http-cluster://:hunter2-secret@127.0.0.1:1", "redis-cluster://:hunter2-secret@")) {
            Map<String, String> badCluster = working();
            badCluster.put("infrakit.ratelimit.redis.uri", bad);
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> Providers.load(RateLimitStoreProvider.class, Config.of(badCluster)), bad);
            assertTrue(e.getMessage().contains("infrakit.ratelimit.redis.uri"), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        }
    }

    @Test
    void badSettingsFailNamingTheKeyAndAUriPasswordIsNeverShown() {
        Map<String, String> values = working();
        values.remove("infrakit.ratelimit.redis.on-failure");
        ConfigException missing = assertThrows(ConfigException.class,
                () -> Providers.load(RateLimitStoreProvider.class, Config.of(values)));
        assertTrue(missing.getMessage().contains("infrakit.ratelimit.redis.on-failure"), missing.getMessage());

        Map<String, String> badUri = working();
        badUri.put("infrakit.ratelimit.redis.uri", "redis://:hunter2-secret@[not-a-host");
        RuntimeException uri = assertThrows(RuntimeException.class,
                () -> Providers.load(RateLimitStoreProvider.class, Config.of(badUri)));
        assertTrue(uri.getMessage().contains("infrakit.ratelimit.redis.uri"), uri.getMessage());
        assertFalse(uri.getMessage().contains("hunter2"), uri.getMessage());

        Map<String, String> badPrefix = working();
        badPrefix.put("infrakit.ratelimit.redis.key-prefix", "has space");
        ConfigException prefix = assertThrows(ConfigException.class,
                () -> Providers.load(RateLimitStoreProvider.class, Config.of(badPrefix)));
        assertTrue(prefix.getMessage().contains("infrakit.ratelimit.redis.key-prefix"), prefix.getMessage());

        Map<String, String> badFraction = working();
        badFraction.put("infrakit.ratelimit.redis.fallback-fraction", "1.5");
        assertThrows(ConfigException.class, () -> Providers.load(RateLimitStoreProvider.class, Config.of(badFraction)));

        Map<String, String> unreachable = working();
        unreachable.put("infrakit.ratelimit.redis.uri", "redis://:hunter2-secret@127.0.0.1:1");
        ProviderException down = assertThrows(ProviderException.class,
                () -> Providers.load(RateLimitStoreProvider.class, Config.of(unreachable)));
        assertTrue(down.getMessage().contains("'redis'"), down.getMessage());
        for (Throwable t = down; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains("hunter2"), "never shown: " + t.getMessage());
        }
    }
}
