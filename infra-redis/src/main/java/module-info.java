/**
 * Infrakit on Redis: {@link dev.infrakit.redis.RedisRateLimitStore}, a shared rate-limit store
 * deciding in one Lua script per request on the Redis server's clock. Lettuce is the client; the
 * application brings it.
 */
module dev.infrakit.redis {
    requires transitive dev.infrakit.ratelimit;
    requires transitive lettuce.core;
    requires org.slf4j;
    // Optional: the store's meters.
    requires static micrometer.core;

    exports dev.infrakit.redis;

    provides dev.infrakit.ratelimit.RateLimitStoreProvider with dev.infrakit.redis.internal.RedisRateLimitStoreProvider;
}
