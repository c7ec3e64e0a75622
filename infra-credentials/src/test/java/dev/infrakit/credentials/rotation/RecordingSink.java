package dev.infrakit.credentials.rotation;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditSink;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every event. */
final class RecordingSink implements AuditSink {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void record(AuditEvent event) {
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

    List<String> types() {
        return events.stream().map(AuditEvent::type).toList();
    }
}
