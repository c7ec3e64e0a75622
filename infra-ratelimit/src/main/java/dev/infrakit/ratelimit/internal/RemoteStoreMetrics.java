package dev.infrakit.ratelimit.internal;

import dev.infrakit.ratelimit.RateLimitMetricNames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of a shared rate-limit store, read from its {@link RemoteStoreGuard}'s adders and its
 * own when scraped: binding adds nothing to a decision, and the store itself never loads a
 * Micrometer class. {@code storeDecisions} by outcome (allowed, rejected, failed-open,
 * failed-closed, fallback, and the store's own, e.g. batched), and the {@code storeStatements}
 * timer of its round trips. Internal.
 */
public final class RemoteStoreMetrics implements MeterBinder {
    private final RateLimitMetricNames names;
    private final String store;
    private final RemoteStoreGuard guard;
    private final Map<String, LongAdder> ownOutcomes;
    private final LongAdder calls;
    private final LongAdder callNanos;
    private final String callDescription;

    /**
     * The meters of one store.
     *
     * @param names the meter names
     * @param store the {@code store} tag ({@code postgres}, {@code redis})
     * @param guard the store's guard (the failure policy's outcomes)
     * @param ownOutcomes further outcomes the store counts itself, by tag value
     * @param calls the store's round trips
     * @param callNanos their total time
     * @param callDescription the timer's description
     */
    public RemoteStoreMetrics(RateLimitMetricNames names, String store, RemoteStoreGuard guard,
            Map<String, LongAdder> ownOutcomes, LongAdder calls, LongAdder callNanos, String callDescription) {
        this.names = names;
        this.store = store;
        this.guard = guard;
        this.ownOutcomes = Map.copyOf(ownOutcomes);
        this.calls = calls;
        this.callNanos = callNanos;
        this.callDescription = callDescription;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "allowed", guard.allowed);
        counter(registry, "rejected", guard.rejected);
        counter(registry, "failed-open", guard.failedOpen);
        counter(registry, "failed-closed", guard.failedClosed);
        counter(registry, "fallback", guard.fellBack);
        ownOutcomes.forEach((outcome, adder) -> counter(registry, outcome, adder));
        // Micrometer holds a function meter's state object weakly: the guard lives as long as the
        // store, where this binder may be dropped as soon as it has bound.
        LongAdder count = calls;
        LongAdder nanos = callNanos;
        FunctionTimer.builder(names.storeStatements(), guard, g -> count.sum(), g -> nanos.sum(), TimeUnit.NANOSECONDS)
                .description(callDescription).tag("store", store).register(registry);
    }

    private void counter(MeterRegistry registry, String outcome, LongAdder adder) {
        FunctionCounter.builder(names.storeDecisions(), adder, LongAdder::sum)
                .description("Decisions of the shared rate-limit store by outcome")
                .tag("store", store).tag("outcome", outcome).register(registry);
    }
}
