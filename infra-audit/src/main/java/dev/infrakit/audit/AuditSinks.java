package dev.infrakit.audit;

import dev.infrakit.core.health.HealthCheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Combinations of sinks. Each keeps the optional capabilities ({@link AuditSink#healthCheck()},
 * {@link AuditSink#metrics()}) where they have one meaning: {@link #closing} forwards those of the
 * sink it wraps; {@link #fanOut} has none of its own (register those of each sink).
 */
public final class AuditSinks {
    private AuditSinks() {
    }

    /**
     * A sink that records every event in each of {@code sinks}, in order. If some fail, the
     * others still get the event, and then an {@link AuditException} names the sinks that failed:
     * an event is never lost silently, though it may be in some sinks and not others. It has no
     * health check or metrics of its own: register those of each sink.
     *
     * @throws IllegalArgumentException if no sink is given
     */
    public static AuditSink fanOut(AuditSink... sinks) {
        List<AuditSink> all = List.of(sinks);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("fanOut needs at least one sink");
        }
        return new FanOut(all);
    }

    /**
     * {@code sink}, also closing {@code resource} (such as its connection pool) when closed; its
     * health check and metrics are {@code sink}'s.
     */
    public static AuditSink closing(AuditSink sink, AutoCloseable resource) {
        return new Closing<>(Objects.requireNonNull(sink, "sink"), Objects.requireNonNull(resource, "resource"));
    }

    /**
     * {@code log}, also closing {@code resource} (such as its connection pool) when closed; its
     * queries, figures, health check and metrics are {@code log}'s.
     */
    public static AuditLog closing(AuditLog log, AutoCloseable resource) {
        return new ClosingLog(Objects.requireNonNull(log, "log"), Objects.requireNonNull(resource, "resource"));
    }

    /** A sink that closes a resource after itself. */
    private static class Closing<S extends AuditSink> implements AuditSink {
        final S sink;
        private final AutoCloseable resource;

        Closing(S sink, AutoCloseable resource) {
            this.sink = sink;
            this.resource = resource;
        }

        @Override
        public void record(AuditEvent event) {
            sink.record(event);
        }

        @Override
        public void flush() {
            sink.flush();
        }

        @Override
        public String name() {
            return sink.name();
        }

        @Override
        public Optional<HealthCheck> healthCheck() {
            return sink.healthCheck();
        }

        @Override
        public Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
            return sink.metrics();
        }

        @Override
        public void close() {
            try {
                sink.close();
            } finally {
                try {
                    resource.close();
                } catch (Exception e) {
                    throw new AuditException("Could not close " + resource + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** A queryable sink that closes a resource after itself. */
    private static final class ClosingLog extends Closing<AuditLog> implements AuditLog {
        ClosingLog(AuditLog log, AutoCloseable resource) {
            super(log, resource);
        }

        @Override
        public List<AuditRecord> query(AuditQuery query) {
            return sink.query(query);
        }

        @Override
        public Stats stats() {
            return sink.stats();
        }
    }

    private static final class FanOut implements AuditSink {
        private final List<AuditSink> sinks;

        FanOut(List<AuditSink> sinks) {
            this.sinks = sinks;
        }

        private void each(String what, java.util.function.Consumer<AuditSink> action) {
            List<AuditException> failures = new ArrayList<>();
            for (AuditSink sink : sinks) {
                try {
                    action.accept(sink);
                } catch (RuntimeException e) {
                    failures.add(e instanceof AuditException ? (AuditException) e
                            : new AuditException(sink.name() + ": " + e, e));
                }
            }
            if (!failures.isEmpty()) {
                AuditException failure = new AuditException(what + " failed in " + failures.size() + " of " + sinks.size()
                        + " sinks: " + failures.stream().map(Throwable::getMessage).collect(Collectors.joining("; ")),
                        failures.get(0));
                failures.stream().skip(1).forEach(failure::addSuppressed);
                throw failure;
            }
        }

        @Override
        public void record(AuditEvent event) {
            Objects.requireNonNull(event, "event");
            each("Recording an audit event", sink -> sink.record(event));
        }

        @Override
        public void flush() {
            each("Flushing audit sinks", AuditSink::flush);
        }

        @Override
        public String name() {
            return sinks.stream().map(AuditSink::name).collect(Collectors.joining(", ", "fan-out(", ")"));
        }

        @Override
        public void close() {
            each("Closing audit sinks", AuditSink::close);
        }
    }
}
