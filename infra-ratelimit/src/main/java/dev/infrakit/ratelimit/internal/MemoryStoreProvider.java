package dev.infrakit.ratelimit.internal;

import dev.infrakit.core.Config;
import dev.infrakit.ratelimit.LocalRateLimitStore;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.RateLimitStoreProvider;

/** {@code memory}: a {@link LocalRateLimitStore}; {@code infrakit.ratelimit.memory.max-keys} (default 1,000,000). */
public final class MemoryStoreProvider implements RateLimitStoreProvider {
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
