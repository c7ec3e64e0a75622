package dev.infrakit.audit;

import dev.infrakit.core.health.HealthCheck;

import java.util.Optional;

/**
 * Where audit events go: files, a database, a logger. Implementations state their durability:
 * when {@link #record} returns, the event is either durable (DURABLE mode), or queued (ASYNC
 * mode), or the call threw. An event is never dropped silently. A sink that can also read its
 * trail back is an {@link AuditLog}.
 *
 * <p>Optional capabilities are methods with empty defaults, not methods of concrete classes: a
 * sink that can report its state offers a {@link #healthCheck()}, one that keeps figures offers
 * {@link #metrics()}. Wire them without knowing the sink's class:
 * <pre>{@code
 * sink.healthCheck().ifPresent(healthRegistry::register);
 * sink.metrics().ifPresent(binder -> binder.bindTo(meterRegistry));
 * }</pre>
 *
 * <p>Thread-safe; {@link #close()} drains what was accepted.
 */
public interface AuditSink extends AutoCloseable {

    /**
     * Records one event.
     *
     * @throws AuditException if it cannot be recorded (I/O error, disk full, queue full in
     *     reject mode, sink closed); the message names the cause, never an event value
     * @throws NullPointerException if {@code event} is null
     */
    void record(AuditEvent event);

    /**
     * Returns once every event accepted before the call is durable.
     *
     * @throws AuditException if they cannot be made durable, or the sink is closed
     */
    void flush();

    /** A short name, e.g. {@code jsonl:/var/log/app}; the same for the sink's whole life. */
    String name();

    /**
     * A check of whether the sink can record events (the writer is alive, the last write did not
     * fail, the queue is not nearly full), for a {@link dev.infrakit.core.health.HealthRegistry};
     * empty (the default) for a sink with nothing to report. Each call may build a new check of
     * the same sink.
     */
    default Optional<HealthCheck> healthCheck() {
        return Optional.empty();
    }

    /**
     * A Micrometer binder of the sink's figures (for the built-in sinks: {@link AuditMetrics},
     * names from {@link AuditMetricNames}); empty (the default) for a sink that keeps none.
     * Micrometer is an optional dependency: only calling this method (and binding) needs it on
     * the class or module path; recording never loads a Micrometer class.
     */
    default Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
        return Optional.empty();
    }

    /** Drains accepted events and releases resources. Idempotent. The default does nothing. */
    @Override
    default void close() {
    }
}
