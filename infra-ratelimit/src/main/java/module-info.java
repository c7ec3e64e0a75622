/**
 * Infrakit rate limiting: {@link dev.infrakit.ratelimit.RateLimiter} over a
 * {@link dev.infrakit.ratelimit.RateLimitStore} (in memory by default), with
 * {@link dev.infrakit.ratelimit.TokenBucket} for a single key.
 */
@SuppressWarnings("module") // the qualified export names infra-redis, which is built after this module
module dev.infrakit.ratelimit {
    requires transitive dev.infrakit.core;
    // Optional: RateLimitMetrics and PostgresRateLimitStore's meters (Micrometer), the postgres
    // provider's own pool (HikariCP). No HTTP server API: the HTTP filters are in infra-web.
    requires static micrometer.core;
    requires static com.zaxxer.hikari;

    exports dev.infrakit.ratelimit;
    // The shared stores' failure policy and meters, for Infrakit's Redis store only.
    exports dev.infrakit.ratelimit.internal to dev.infrakit.redis;

    provides dev.infrakit.ratelimit.RateLimitStoreProvider with
            dev.infrakit.ratelimit.internal.BuiltInRateLimitStores.Memory,
            dev.infrakit.ratelimit.internal.BuiltInRateLimitStores.Postgres;
}
