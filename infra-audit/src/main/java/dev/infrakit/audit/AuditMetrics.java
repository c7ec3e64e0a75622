package dev.infrakit.audit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Publishes an audit sink's figures ({@link JsonLinesAuditSink}, {@link PostgresAuditSink}): {@code infrakit.audit.events} (tag
 * {@code outcome}: written, rejected), the {@code infrakit.audit.queue} depth, and the
 * {@code infrakit.audit.sync} timer (count and total time of the syncs or commits that make batches durable).
 */
public final class AuditMetrics implements MeterBinder {
    private final AuditSinkStats sink;

    /** Metrics for {@code sink}. */
    public AuditMetrics(AuditSinkStats sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("infrakit.audit.events", sink, AuditSinkStats::written)
                .description("Audit events by outcome").tag("sink", sink.name()).tag("outcome", "written").register(registry);
        FunctionCounter.builder("infrakit.audit.events", sink, AuditSinkStats::rejected)
                .description("Audit events by outcome").tag("sink", sink.name()).tag("outcome", "rejected").register(registry);
        Gauge.builder("infrakit.audit.queue", sink, AuditSinkStats::queued).description("Audit events waiting")
                .tag("sink", sink.name()).register(registry);
        FunctionTimer.builder("infrakit.audit.sync", sink, AuditSinkStats::syncs, AuditSinkStats::syncNanos,
                TimeUnit.NANOSECONDS).description("Syncs making audit batches durable").tag("sink", sink.name())
                .register(registry);
    }
}
