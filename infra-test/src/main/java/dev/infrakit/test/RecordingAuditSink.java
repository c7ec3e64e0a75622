package dev.infrakit.test;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * An {@link AuditSink} for tests: keeps every event it accepts, in order, and can be made to refuse
 * events (all of them, or those a predicate picks) with an {@link AuditException}, as a full disk
 * would, so a test can check what the code under test does when auditing fails.
 *
 * <pre>{@code
 * RecordingAuditSink audit = new RecordingAuditSink();
 * new TransferService(audit).transfer("alice", 100);
 * assertEquals(List.of("transfer:SUCCESS"), audit.outcomes());
 * }</pre>
 *
 * <p>For a sink that writes real files or rows, use infra-audit's {@code JsonLinesAuditSink} or
 * {@code PostgresAuditSink}. Thread-safe: events may be recorded from many threads.
 */
public final class RecordingAuditSink implements AuditSink {
    /** The message of the exception a refused event gets. */
    public static final String REFUSAL_MESSAGE = "audit sink refused the event (RecordingAuditSink)";

    private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean refuseAll;
    private volatile Predicate<AuditEvent> refuseWhen = event -> false;

    /** An empty sink that accepts every event. */
    public RecordingAuditSink() {
    }

    /**
     * Records {@code event}, or refuses it when {@link #refuseAll(boolean)} is on or the
     * {@link #refuseWhen(Predicate)} predicate matches it.
     *
     * @throws AuditException with {@link #REFUSAL_MESSAGE} when the event is refused; it is then not kept
     * @throws NullPointerException if {@code event} is null
     */
    @Override
    public void record(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        if (refuseAll || refuseWhen.test(event)) {
            refused.incrementAndGet();
            throw new AuditException(REFUSAL_MESSAGE);
        }
        events.add(event);
    }

    /** Nothing to flush: events are kept as they are recorded. */
    @Override
    public void flush() {
    }

    /** {@code recording}. */
    @Override
    public String name() {
        return "recording";
    }

    /** Does nothing: the recorded events stay readable after the sink is closed. */
    @Override
    public void close() {
    }

    /**
     * Makes the sink refuse every event ({@code true}) or accept them again ({@code false}).
     *
     * @return this sink
     */
    public RecordingAuditSink refuseAll(boolean refuse) {
        this.refuseAll = refuse;
        return this;
    }

    /**
     * Makes the sink refuse the events {@code predicate} matches (replacing any earlier predicate);
     * {@code event -> false} accepts every event again.
     *
     * @return this sink
     */
    public RecordingAuditSink refuseWhen(Predicate<AuditEvent> predicate) {
        this.refuseWhen = Objects.requireNonNull(predicate, "predicate");
        return this;
    }

    /** How many events were refused since the sink was created or last {@link #clear() cleared}. */
    public int refused() {
        return refused.get();
    }

    /** The events recorded, in order; a snapshot. */
    public List<AuditEvent> events() {
        return List.copyOf(events);
    }

    /** The recorded events' types, in order. */
    public List<String> types() {
        return events.stream().map(AuditEvent::type).collect(Collectors.toList());
    }

    /** The recorded events as {@code type:OUTCOME}, in order, e.g. {@code credential.read:SUCCESS}. */
    public List<String> typesAndOutcomes() {
        return events.stream().map(e -> e.type() + ":" + e.outcome()).collect(Collectors.toList());
    }

    /**
     * Like {@link #typesAndOutcomes()} without the {@link AuditEvent.Outcome#PENDING PENDING} events
     * (the "about to" records of write-ahead auditing), in order: what finally happened.
     */
    public List<String> outcomes() {
        return events.stream().filter(e -> e.outcome() != AuditEvent.Outcome.PENDING)
                .map(e -> e.type() + ":" + e.outcome()).collect(Collectors.toList());
    }

    /** Forgets the recorded events and the refused count; the refusal settings stay. */
    public void clear() {
        events.clear();
        refused.set(0);
    }

    /** The number of events kept; never their contents. */
    @Override
    public String toString() {
        return "RecordingAuditSink[" + events.size() + " events, " + refused.get() + " refused]";
    }
}
