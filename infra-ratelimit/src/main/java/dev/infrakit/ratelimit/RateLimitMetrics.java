package dev.infrakit.ratelimit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Publishes a {@link RateLimiter}'s decisions to Micrometer: {@code infrakit.ratelimit.decisions}
 * counters tagged {@code outcome} = allowed, rejected or delayed, and an
 * {@code infrakit.ratelimit.keys} gauge of the keys its store tracks (when the store can tell).
 * The counters are read from the limiter's own adders, so binding adds nothing to a decision.
 *
 * <pre>{@code
 * new RateLimitMetrics(limiter).bindTo(meterRegistry);
 * }</pre>
 */
public final class RateLimitMetrics implements MeterBinder {
    private final RateLimiter limiter;
    private final RateLimitMetricNames names;

    /** Metrics with the default names. */
    public RateLimitMetrics(RateLimiter limiter) {
        this(limiter, RateLimitMetricNames.DEFAULT);
    }

    /** Metrics with custom names. */
    public RateLimitMetrics(RateLimiter limiter, RateLimitMetricNames names) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.names = Objects.requireNonNull(names, "names");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "allowed", limiter.allowed);
        counter(registry, "rejected", limiter.rejected);
        counter(registry, "delayed", limiter.delayed);
        Gauge.builder(names.keys(), limiter, l -> {
            long keys = l.store().trackedKeys();
            return keys < 0 ? Double.NaN : keys;
        }).description("Keys holding rate-limit state").tag("limiter", limiter.name())
                .tag("store", limiter.store().name()).register(registry);
    }

    private void counter(MeterRegistry registry, String outcome, LongAdder adder) {
        FunctionCounter.builder(names.decisions(), adder, LongAdder::sum)
                .description("Rate-limit decisions by outcome")
                .tag("limiter", limiter.name())
                .tag("outcome", outcome)
                .register(registry);
    }
}
