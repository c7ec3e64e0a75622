package dev.infrakit.ratelimit;

/**
 * What a shared store does while its database is unreachable or too slow. There is no default:
 * the choice is a trade between availability and protection that only the application can make.
 */
public enum FailurePolicy {
    /** Admit every request: the service stays up, the limit is not enforced. */
    FAIL_OPEN,
    /** Reject every request (429 with a short Retry-After): the limit holds, the service does not. */
    FAIL_CLOSED,
    /**
     * Decide in process with a fraction of each limit (for N instances, 1/N keeps the total near
     * the limit): both stay roughly right, at the cost of per-instance rather than global counts.
     */
    LOCAL_FALLBACK
}
