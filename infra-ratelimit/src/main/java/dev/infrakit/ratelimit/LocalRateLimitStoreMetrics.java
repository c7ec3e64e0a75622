package dev.infrakit.ratelimit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The meter of a {@link LocalRateLimitStore}: requests refused because its key table was full,
 * read from the store's own count when scraped.
 */
final class LocalRateLimitStoreMetrics implements MeterBinder {
    private final LocalRateLimitStore store;
    private final RateLimitMetricNames names;

    LocalRateLimitStoreMetrics(LocalRateLimitStore store, RateLimitMetricNames names) {
        this.store = store;
        this.names = names;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(names.storeOverflow(), store, LocalRateLimitStore::overflowRejections)
                .description("Requests refused because the rate-limit key table was full")
                .tag("store", store.name()).register(registry);
    }
}
