package dev.infrakit.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link AuditLog} that keeps every event in memory, for tests and development: record, then
 * read back with {@link #events()} (the events as given), {@link #records()} (as the other sinks
 * store them: redacted JSON, sequence numbers from 1) or {@link #query}, which filters and orders
 * exactly as the file and table sinks do.
 *
 * <pre>{@code
 * MemoryAuditLog audit = MemoryAuditLog.create();
 * service = new Service(audit);
 * service.rotate("billing-db");
 * assertEquals(List.of("credential.rotated"), audit.events().stream().map(AuditEvent::type).toList());
 * }</pre>
 *
 * <p><b>Unbounded</b>: nothing is ever dropped, so memory grows with every event until
 * {@link #clear()}; not for production traffic. Events are "durable" once {@link #record} returns
 * (there is nothing to sync: {@link #stats()} reports no syncs and an empty queue). No health check
 * (it cannot fail); {@link #metrics()} publishes its figures as the other sinks do. A closed log
 * refuses {@link #record} and {@link #flush()} and can still be read. Thread-safe: one lock orders
 * records, so concurrent callers each get their own sequence number.
 */
public final class MemoryAuditLog implements AuditLog {
    private final String name;
    private final AuditJson json;
    private final Object lock = new Object();
    /** Guarded by {@code lock}, as are the two lists (same index, same event). */
    private final List<AuditEvent> events = new ArrayList<>();
    private final List<AuditRecord> records = new ArrayList<>();
    private long sequence;
    private long written;
    private volatile boolean closed;

    private MemoryAuditLog(String name, Redactor redactor) {
        this.name = name;
        this.json = AuditJson.with(redactor);
    }

    /** A log named {@code memory}, redacting with {@link Redactor#defaults()}. */
    public static MemoryAuditLog create() {
        return create("memory", Redactor.defaults());
    }

    /**
     * A log named {@code name} (as {@link #name()} returns it, e.g. to tell two apart in a test),
     * redacting {@link #records()} and query results with {@code redactor}.
     *
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static MemoryAuditLog create(String name, Redactor redactor) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return new MemoryAuditLog(name, Objects.requireNonNull(redactor, "redactor"));
    }

    /**
     * Keeps {@code event}.
     *
     * @throws AuditException if the log is closed
     * @throws NullPointerException if {@code event} is null
     */
    @Override
    public void record(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        String encoded = json.toJson(event); // outside the lock: redaction and encoding are the costly part
        synchronized (lock) {
            checkOpen();
            sequence++;
            written++;
            events.add(event);
            records.add(record(sequence, event, encoded));
        }
    }

    private static AuditRecord record(long sequence, AuditEvent event, String encoded) {
        Resource resource = event.resource().orElse(null);
        return new AuditRecord(sequence, event.timestamp(), event.category().name(), event.type(),
                event.severity().name(), event.actor().id(), event.action(), resource == null ? null : resource.type(),
                resource == null ? null : resource.id(), event.outcome().name(), encoded);
    }

    private void checkOpen() {
        if (closed) {
            throw new AuditException("This audit sink is closed");
        }
    }

    /**
     * Returns at once: a recorded event is already kept.
     *
     * @throws AuditException if the log is closed
     */
    @Override
    public void flush() {
        checkOpen();
    }

    @Override
    public String name() {
        return name;
    }

    /** The events recorded (since the last {@link #clear()}), oldest first: a snapshot. */
    public List<AuditEvent> events() {
        synchronized (lock) {
            return List.copyOf(events);
        }
    }

    /** The events recorded (since the last {@link #clear()}) as stored, oldest first: a snapshot. */
    public List<AuditRecord> records() {
        synchronized (lock) {
            return List.copyOf(records);
        }
    }

    /**
     * Forgets the events recorded so far (sequence numbers and {@link #stats()} go on counting).
     * Works on a closed log too.
     */
    public void clear() {
        synchronized (lock) {
            events.clear();
            records.clear();
        }
    }

    /** Newest first, filtered as {@link AuditQuery} says; over the events since the last {@link #clear()}. */
    @Override
    public List<AuditRecord> query(AuditQuery query) {
        Objects.requireNonNull(query, "query");
        List<AuditRecord> found = new ArrayList<>();
        // Newest by time, then by sequence, as the table sink orders (the file sink reads in
        // recording order, which is the same while callers do not set older timestamps).
        List<AuditRecord> newestFirst = new ArrayList<>(records());
        newestFirst.sort((a, b) -> {
            int byTime = b.time().compareTo(a.time());
            return byTime != 0 ? byTime : Long.compare(b.sequence(), a.sequence());
        });
        for (AuditRecord r : newestFirst) {
            if (found.size() >= query.limit()) {
                break;
            }
            if (query.matches(r)) {
                found.add(r);
            }
        }
        return found;
    }

    /** Events kept since the log was created (not reset by {@link #clear()}); never rejected, queued or synced. */
    @Override
    public Stats stats() {
        synchronized (lock) {
            return new Stats(written, 0, 0, 0, 0);
        }
    }

    /** {@link AuditMetrics} of this log; built only when called. */
    @Override
    public Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
        return Optional.of(new AuditMetrics(this));
    }

    /** Refuses further events; what was recorded stays readable. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "MemoryAuditLog[" + name + "]";
    }
}
