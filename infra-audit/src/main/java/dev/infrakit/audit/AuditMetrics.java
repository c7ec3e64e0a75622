package dev.infrakit.audit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Publishes an {@link AuditLog}'s {@link AuditLog#stats() figures}: {@code infrakit.audit.events}
 * (tag {@code outcome}: written, rejected), the {@code infrakit.audit.queue} depth, and the
 * {@code infrakit.audit.sync} timer (count and total time of the syncs or commits that make
 * batches durable); every meter is tagged {@code sink} with the sink's name, and with nothing
 * else (no actor, event type, writer id or path), so cardinality stays bounded. The built-in sinks
 * return one from {@link AuditSink#metrics()}. Names from {@link AuditMetricNames}.
 */
public final class AuditMetrics implements MeterBinder {
    private final AuditLog log;
    private final AuditMetricNames names;

    /** Metrics for {@code log} under the default names. */
    public AuditMetrics(AuditLog log) {
        this(log, AuditMetricNames.DEFAULT);
    }

    /** Metrics for {@code log} under {@code names}. */
    public AuditMetrics(AuditLog log, AuditMetricNames names) {
        this.log = Objects.requireNonNull(log, "log");
        this.names = Objects.requireNonNull(names, "names");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String sink = log.name();
        FunctionCounter.builder(names.events(), log, l -> l.stats().written())
                .description("Audit events by outcome").tag("sink", sink).tag("outcome", "written").register(registry);
        FunctionCounter.builder(names.events(), log, l -> l.stats().rejected())
                .description("Audit events by outcome").tag("sink", sink).tag("outcome", "rejected").register(registry);
        Gauge.builder(names.queue(), log, l -> l.stats().queued()).description("Audit events waiting")
                .tag("sink", sink).register(registry);
        FunctionTimer.builder(names.sync(), log, l -> l.stats().syncs(), l -> l.stats().syncNanos(),
                TimeUnit.NANOSECONDS).description("Syncs making audit batches durable").tag("sink", sink)
                .register(registry);
    }
}
