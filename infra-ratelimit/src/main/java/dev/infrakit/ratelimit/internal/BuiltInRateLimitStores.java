package dev.infrakit.ratelimit.internal;

import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.ratelimit.LocalRateLimitStore;
import dev.infrakit.ratelimit.PostgresRateLimitStore;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.RateLimitStoreProvider;

import java.time.Duration;

/** The {@link RateLimitStoreProvider}s infra-ratelimit registers with ServiceLoader. */
public final class BuiltInRateLimitStores {
    private BuiltInRateLimitStores() {
    }

    /** {@code memory}: a {@link LocalRateLimitStore}; {@code infrakit.ratelimit.memory.max-keys} (default 1,000,000). */
    public static final class Memory implements RateLimitStoreProvider {
        @Override
        public String name() {
            return "memory";
        }

        @Override
        public String description() {
            return "In-process token buckets (lock-free GCRA), bounded key table";
        }

        @Override
        public RateLimitStore create(Config config) {
            Config memory = config.section("infrakit.ratelimit.memory");
            long maxKeys = memory.getLong("max-keys", 1_000_000);
            if (maxKeys < 1) {
                throw memory.invalid("max-keys", "expected at least 1");
            }
            return LocalRateLimitStore.builder().maxKeys(maxKeys).build();
        }
    }

    /**
     * {@code postgres}: keys under {@code infrakit.ratelimit.postgres}: the pool ({@code url},
     * {@code username}, {@code password}, {@code pool-size}, … as {@link DataSources} reads them),
     * {@code on-failure} (required: fail-open, fail-closed, local-fallback), {@code fallback-fraction},
     * {@code statement-timeout}, {@code retry-interval}, {@code forget-after}, {@code create-schema}
     * (default true), {@code unlogged} (default false). Closing the store closes its pool.
     */
    public static final class Postgres implements RateLimitStoreProvider {
        @Override
        public String name() {
            return "postgres";
        }

        @Override
        public String description() {
            return "Shared token buckets in PostgreSQL, one statement per decision";
        }

        @Override
        public RateLimitStore create(Config config) {
            Config pg = config.section("infrakit.ratelimit.postgres");
            RemoteStoreGuard.Settings failure = RemoteStoreGuard.Settings.read(pg, "statement-timeout");
            return DataSources.withPool(pg, pool -> {
                PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(failure.onFailure())
                        .fallbackFraction(failure.fallbackFraction()).statementTimeout(failure.timeout())
                        .retryInterval(failure.retryInterval())
                        .forgetAfter(pg.getDuration("forget-after", Duration.ofSeconds(10))).closeOnClose(pool).build();
                if (pg.getBoolean("create-schema", true)) {
                    PostgresRateLimitStore.createSchema(pool, pg.getBoolean("unlogged", false));
                }
                return store;
            });
        }
    }
}
