package dev.infrakit.credentials;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** An audit sink for tests: keeps every event, and can be made to refuse them. */
public final class RecordingAuditSink implements AuditSink {
    /** The events recorded, in order. */
    public final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    /** When set, {@link #record} throws as a full disk would. */
    public volatile boolean refuse;

    /** An empty sink. */
    public RecordingAuditSink() {
    }

    @Override
    public void record(AuditEvent event) {
        if (refuse) {
            throw new AuditException("audit disk full");
        }
        events.add(event);
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
}
