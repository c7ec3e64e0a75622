package dev.infrakit.audit;

/** Figures a sink keeps about itself, for {@link AuditMetrics}. Thread-safe reads. */
public interface AuditSinkStats {
    /** Events made durable (or handed to the OS, in ASYNC mode) since the sink opened. */
    long written();

    /** ASYNC events refused because the queue was full. */
    long rejected();

    /** Events accepted and not yet written. */
    int queued();

    /** Syncs (fsync or commit) that made batches durable. */
    long syncs();

    /** Total time spent in those syncs, in nanoseconds. */
    long syncNanos();

    /** The sink's name, a metrics tag. */
    String name();
}
