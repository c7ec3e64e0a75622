package dev.infrakit.core.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.Optional;

/**
 * Publishes a {@link HealthRegistry}'s results to Micrometer: a status gauge per check (1 UP,
 * 0.5 DEGRADED, 0 DOWN, NaN before its first run) and a timer of each run tagged with the check
 * and its status. Checks registered later are picked up.
 *
 * <pre>{@code
 * new HealthMetrics(healthRegistry).bindTo(meterRegistry);
 * }</pre>
 */
public final class HealthMetrics implements MeterBinder {
    private final HealthRegistry health;
    private final HealthMetricNames names;

    /** Metrics with the default names. */
    public HealthMetrics(HealthRegistry health) {
        this(health, HealthMetricNames.DEFAULT);
    }

    /** Metrics with custom names. */
    public HealthMetrics(HealthRegistry health, HealthMetricNames names) {
        this.health = Objects.requireNonNull(health, "health");
        this.names = Objects.requireNonNull(names, "names");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        health.addListener(new HealthRegistry.HealthListener() {
            @Override
            public void onRegistered(String check) {
                gauge(registry, check);
            }

            @Override
            public void onResult(String check, HealthResult result) {
                result.duration().ifPresent(d -> Timer.builder(names.duration())
                        .description("Time a health check took")
                        .tag("check", check)
                        .tag("status", result.status().name())
                        .register(registry)
                        .record(d));
            }
        });
        health.names().forEach(check -> gauge(registry, check));
    }

    private void gauge(MeterRegistry registry, String check) {
        Gauge.builder(names.status(), health, h -> value(h.lastResult(check)))
                .description("Health check status: 1 UP, 0.5 DEGRADED, 0 DOWN")
                .tag("check", check)
                .strongReference(true)
                .register(registry);
    }

    private static double value(Optional<HealthResult> result) {
        if (result.isEmpty()) {
            return Double.NaN;
        }
        switch (result.get().status()) {
            case UP:
                return 1.0;
            case DEGRADED:
                return 0.5;
            default:
                return 0.0;
        }
    }
}
