/**
 * Infrakit rate limiting: {@link dev.infrakit.ratelimit.RateLimiter} over a
 * {@link dev.infrakit.ratelimit.RateLimitStore} (in memory by default), with
 * {@link dev.infrakit.ratelimit.TokenBucket} for a single key.
 */
module dev.infrakit.ratelimit {
    requires transitive dev.infrakit.core;
    requires com.fasterxml.jackson.databind;

    exports dev.infrakit.ratelimit;

    provides dev.infrakit.ratelimit.RateLimitStoreProvider with
            dev.infrakit.ratelimit.internal.BuiltInRateLimitStores.Memory,
            dev.infrakit.ratelimit.internal.BuiltInRateLimitStores.Postgres;
}
