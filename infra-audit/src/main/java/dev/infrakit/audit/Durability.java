package dev.infrakit.audit;

/** When {@link AuditSink#record} returns, relative to the event reaching the disk or the database. */
public enum Durability {
    /**
     * {@code record} returns once the event is queued; a writer thread writes batches and syncs
     * them at the sync interval. A crash loses what was queued or not yet synced. When the queue is
     * full, {@link QueueFull} decides: wait, or refuse with an exception (counted).
     */
    ASYNC,
    /**
     * {@code record} returns only after the batch holding the event was written and synced
     * (fsync / commit). Concurrent callers share one sync per batch (group commit).
     */
    DURABLE;

    /** What ASYNC does when its queue is full. */
    public enum QueueFull {
        /** Wait for room: the caller slows down, nothing is lost. */
        BLOCK,
        /** Throw {@link AuditException} at once and count it: the caller decides. */
        REJECT
    }
}
