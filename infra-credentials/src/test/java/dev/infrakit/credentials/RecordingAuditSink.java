package dev.infrakit.credentials;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * An audit sink for tests: keeps every event, and can be made to refuse them (all of them, or those
 * a predicate picks) as a full disk would. A real implementation of the {@link AuditSink} SPI.
 */
public final class RecordingAuditSink implements AuditSink {
    /** The events recorded, in order. */
    public final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    /** When set, {@link #record} throws as a full disk would. */
    public volatile boolean refuse;
    /** When set, {@link #record} throws for the events it accepts. */
    public volatile Predicate<AuditEvent> refuseWhen;
    private final AtomicInteger refused = new AtomicInteger();

    /** An empty sink. */
    public RecordingAuditSink() {
    }

    @Override
    public void record(AuditEvent event) {
        Predicate<AuditEvent> when = refuseWhen;
        if (refuse || (when != null && when.test(event))) {
            refused.incrementAndGet();
            throw new AuditException("audit disk full");
        }
        events.add(event);
    }

    /** How many events were refused. */
    public int refused() {
        return refused.get();
    }

    @Override
    public void flush() {
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public void close() {
    }

    /** The events' types, in order. */
    public List<String> types() {
        return events.stream().map(AuditEvent::type).collect(Collectors.toList());
    }

    /** The events' {@code type:OUTCOME}, in order. */
    public List<String> typesAndOutcomes() {
        return events.stream().map(e -> e.type() + ":" + e.outcome()).collect(Collectors.toList());
    }

    /** The events' {@code type:OUTCOME} without the PENDING ones, in order. */
    public List<String> outcomes() {
        return events.stream().filter(e -> e.outcome() != AuditEvent.Outcome.PENDING)
                .map(e -> e.type() + ":" + e.outcome()).collect(Collectors.toList());
    }
}
