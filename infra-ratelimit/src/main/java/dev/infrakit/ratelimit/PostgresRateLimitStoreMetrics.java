package dev.infrakit.ratelimit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of a {@link PostgresRateLimitStore}, read from the store's own adders when scraped:
 * binding adds nothing to a decision, and the store itself never loads a Micrometer class.
 */
final class PostgresRateLimitStoreMetrics implements MeterBinder {
    private final PostgresRateLimitStore store;
    private final RateLimitMetricNames names;

    PostgresRateLimitStoreMetrics(PostgresRateLimitStore store, RateLimitMetricNames names) {
        this.store = store;
        this.names = names;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "allowed", store.allowed);
        counter(registry, "rejected", store.rejected);
        counter(registry, "failed-open", store.failedOpen);
        counter(registry, "failed-closed", store.failedClosed);
        counter(registry, "fallback", store.fellBack);
        counter(registry, "batched", store.batched);
        FunctionTimer.builder(names.storeStatements(), store, s -> s.statements.sum(), s -> s.statementNanos.sum(),
                        TimeUnit.NANOSECONDS)
                .description("Rate-limit decision statements").tag("store", store.name()).register(registry);
    }

    private void counter(MeterRegistry registry, String outcome, LongAdder adder) {
        FunctionCounter.builder(names.storeDecisions(), adder, LongAdder::sum)
                .description("Decisions of the shared rate-limit store by outcome")
                .tag("store", store.name()).tag("outcome", outcome).register(registry);
    }
}
