package dev.infrakit.audit;

import java.util.List;

/**
 * An {@link AuditSink} that can also read its trail back and report figures about itself: the
 * JSON-lines files ({@link JsonLinesAuditSink}), the PostgreSQL table ({@link PostgresAuditSink})
 * and the in-memory log for tests and development ({@link MemoryAuditLog}).
 *
 * <pre>{@code
 * AuditLog log = JsonLinesAuditSink.builder(dir, chainKey).build();
 * log.record(event);
 * List<AuditRecord> trail = log.query(AuditQuery.builder().actor("alice").limit(50).build());
 * long written = log.stats().written();
 * }</pre>
 *
 * <p>Thread-safe, as every sink.
 */
public interface AuditLog extends AuditSink {

    /**
     * Reads recorded events back, newest first, at most {@code query.limit()} of them. An event
     * whose {@link #record} returned (DURABLE) or that a {@link #flush()} covered is found. Meant
     * for an admin page or a test, not for analytics: a sink may scan its storage.
     *
     * @throws AuditException if the trail cannot be read
     * @throws NullPointerException if {@code query} is null
     */
    List<AuditRecord> query(AuditQuery query);

    /** A snapshot of the sink's figures since it opened; each call takes a new one. */
    Stats stats();

    /**
     * Figures a sink keeps about itself (what {@link AuditMetrics} publishes), taken at one moment.
     * Counters only grow while the sink is open.
     *
     * @param written events made durable (or handed to the operating system, in ASYNC mode), or
     *     kept (in memory), since the sink opened
     * @param rejected ASYNC events refused because the queue was full
     * @param queued events accepted and not yet written
     * @param syncs syncs (fsync or commit) that made batches durable
     * @param syncNanos total time spent in those syncs, in nanoseconds
     */
    record Stats(long written, long rejected, int queued, long syncs, long syncNanos) {
        /** Refuses negative figures. */
        public Stats {
            if (written < 0 || rejected < 0 || queued < 0 || syncs < 0 || syncNanos < 0) {
                throw new IllegalArgumentException("audit figures are never negative, got written=" + written
                        + " rejected=" + rejected + " queued=" + queued + " syncs=" + syncs + " syncNanos=" + syncNanos);
            }
        }

        /** Figures of a sink that has done nothing yet. */
        public static Stats empty() {
            return new Stats(0, 0, 0, 0, 0);
        }
    }
}
