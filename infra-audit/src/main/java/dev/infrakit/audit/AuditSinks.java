package dev.infrakit.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** Combinations of sinks. */
public final class AuditSinks {
    private AuditSinks() {
    }

    /**
     * A sink that records every event in each of {@code sinks}, in order. If some fail, the
     * others still get the event, and then an {@link AuditException} names the sinks that failed:
     * an event is never lost silently, though it may be in some sinks and not others.
     */
    public static AuditSink fanOut(AuditSink... sinks) {
        List<AuditSink> all = List.of(sinks);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("fanOut needs at least one sink");
        }
        return new FanOut(all);
    }

    /** {@code sink}, also closing {@code resource} (such as its connection pool) when closed. */
    public static AuditSink closing(AuditSink sink, AutoCloseable resource) {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(resource, "resource");
        return new AuditSink() {
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
        };
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
