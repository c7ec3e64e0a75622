/**
 * Infrakit rate limiting: {@link dev.infrakit.ratelimit.RateLimiter} over a
 * {@link dev.infrakit.ratelimit.RateLimitStore} (in memory by default), with
 * {@link dev.infrakit.ratelimit.TokenBucket} for a single key.
 */
module dev.infrakit.ratelimit {
    requires transitive dev.infrakit.core;
    // Optional: RateLimitMetrics and PostgresRateLimitStore's meters (Micrometer), the postgres
    // provider's own pool (HikariCP). No HTTP server API: the HTTP filters are in infra-web.
    requires static micrometer.core;
    requires static com.zaxxer.hikari;

    exports dev.infrakit.ratelimit;

    provides dev.infrakit.ratelimit.RateLimitStoreProvider with
            dev.infrakit.ratelimit.internal.BuiltInRateLimitStores.Memory,
            dev.infrakit.ratelimit.internal.BuiltInRateLimitStores.Postgres;
}
