package dev.infrakit.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * The answer to one request: admitted or not, and the numbers a client needs to pace itself.
 *
 * <ul>
 *   <li>{@link #allowed()}: whether the request may proceed (after {@link #delay()}).</li>
 *   <li>{@link #limit()} and {@link #remaining()}: the capacity of the most restrictive limit and the
 *       requests it still admits without waiting.</li>
 *   <li>{@link #resetAfter()}: when every bucket of the key is full again.</li>
 *   <li>{@link #retryAfter()}: for a rejected request, how long until the same request would be
 *       admitted; zero when allowed.</li>
 *   <li>{@link #delay()}: for an admitted request, how long to hold it first (slow-down, or a
 *       reservation of tokens not yet refilled); zero otherwise.</li>
 * </ul>
 *
 * <p>{@link RateLimitHeaders} renders it as HTTP headers and a problem body. Immutable.
 */
public final class Decision {
    private final boolean allowed;
    private final RateLimitPolicy policy;
    private final int limitIndex;
    private final long remaining;
    private final long resetAfterNanos;
    private final long retryAfterNanos;
    private final long delayNanos;

    private Decision(boolean allowed, RateLimitPolicy policy, int limitIndex, long remaining, long resetAfterNanos,
                     long retryAfterNanos, long delayNanos) {
        this.allowed = allowed;
        this.policy = policy;
        this.limitIndex = limitIndex;
        this.remaining = remaining;
        this.resetAfterNanos = resetAfterNanos;
        this.retryAfterNanos = retryAfterNanos;
        this.delayNanos = delayNanos;
    }

    /**
     * An admitted request. For {@link RateLimitStore} implementations.
     *
     * @param policy the policy applied
     * @param limitIndex the index of the most restrictive limit in the policy
     * @param remaining requests that limit still admits without waiting (at least 0)
     * @param resetAfterNanos nanoseconds until every bucket of the key is full again
     * @param delayNanos nanoseconds to hold the request first (0 for none)
     */
    public static Decision admitted(RateLimitPolicy policy, int limitIndex, long remaining, long resetAfterNanos,
                                    long delayNanos) {
        return new Decision(true, check(policy, limitIndex), limitIndex, Math.max(0, remaining),
                Math.max(0, resetAfterNanos), 0, Math.max(0, delayNanos));
    }

    /**
     * A rejected request. For {@link RateLimitStore} implementations.
     *
     * @param policy the policy applied
     * @param limitIndex the index of the limit that rejected it
     * @param remaining requests that limit still admits (usually 0)
     * @param resetAfterNanos nanoseconds until every bucket of the key is full again
     * @param retryAfterNanos nanoseconds until the same request would be admitted (positive)
     */
    public static Decision rejected(RateLimitPolicy policy, int limitIndex, long remaining, long resetAfterNanos,
                                    long retryAfterNanos) {
        return new Decision(false, check(policy, limitIndex), limitIndex, Math.max(0, remaining),
                Math.max(0, resetAfterNanos), Math.max(1, retryAfterNanos), 0);
    }

    private static RateLimitPolicy check(RateLimitPolicy policy, int limitIndex) {
        Objects.requireNonNull(policy, "policy");
        if (limitIndex < 0 || limitIndex >= policy.size()) {
            throw new IllegalArgumentException("Limit index " + limitIndex + " outside policy " + policy);
        }
        return policy;
    }

    /** Whether the request may proceed, after {@link #delay()}. */
    public boolean allowed() {
        return allowed;
    }

    /** The policy (tier) applied. */
    public RateLimitPolicy policy() {
        return policy;
    }

    /** The most restrictive limit: the one with the fewest requests left, or the one that rejected. */
    public Limit bindingLimit() {
        return policy.limit(limitIndex);
    }

    /** The index of {@link #bindingLimit()} in the policy's limits. */
    public int bindingLimitIndex() {
        return limitIndex;
    }

    /** The capacity of the binding limit. */
    public long limit() {
        return policy.limit(limitIndex).capacity();
    }

    /** Requests the binding limit still admits without waiting. */
    public long remaining() {
        return remaining;
    }

    /** Time until every bucket of this key is full again. */
    public Duration resetAfter() {
        return Duration.ofNanos(resetAfterNanos);
    }

    /** {@link #resetAfter()} in nanoseconds. */
    public long resetAfterNanos() {
        return resetAfterNanos;
    }

    /** For a rejected request, time until the same request would be admitted; zero when allowed. */
    public Duration retryAfter() {
        return Duration.ofNanos(retryAfterNanos);
    }

    /** {@link #retryAfter()} in nanoseconds. */
    public long retryAfterNanos() {
        return retryAfterNanos;
    }

    /** {@link #retryAfter()} in whole seconds, rounded up (the {@code Retry-After} value); 0 when allowed. */
    public long retryAfterSeconds() {
        return ceilSeconds(retryAfterNanos);
    }

    /** For an admitted request, how long to hold it before proceeding; zero for none. */
    public Duration delay() {
        return Duration.ofNanos(delayNanos);
    }

    /** {@link #delay()} in nanoseconds. */
    public long delayNanos() {
        return delayNanos;
    }

    static long ceilSeconds(long nanos) {
        return nanos <= 0 ? 0 : (nanos - 1) / 1_000_000_000L + 1;
    }

    @Override
    public String toString() {
        return (allowed ? "allowed" : "rejected") + "[" + policy.name() + " " + policy.limit(limitIndex)
                + ", remaining=" + remaining + ", resetAfter=" + resetAfter()
                + (allowed ? (delayNanos > 0 ? ", delay=" + delay() : "") : ", retryAfter=" + retryAfter()) + "]";
    }
}
