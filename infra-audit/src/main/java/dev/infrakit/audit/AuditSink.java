package dev.infrakit.audit;

/**
 * Where audit events go: files, a database, a logger. Implementations state their durability:
 * when {@link #record} returns, the event is either durable (DURABLE mode), or queued (ASYNC
 * mode), or the call threw. An event is never dropped silently.
 *
 * <p>Thread-safe; {@link #close()} drains what was accepted.
 */
public interface AuditSink extends AutoCloseable {

    /**
     * Records one event.
     *
     * @throws AuditException if it cannot be recorded (I/O error, disk full, queue full in
     *     reject mode, sink closed); the message names the cause, never an event value
     */
    void record(AuditEvent event);

    /** Returns once every event accepted before the call is durable. */
    void flush();

    /** A short name, e.g. {@code jsonl:/var/log/app}. */
    String name();

    /** Drains accepted events and releases resources. Idempotent. */
    @Override
    void close();
}
