package dev.infrakit.ratelimit;

import dev.infrakit.core.Ticker;

import java.time.Duration;
import java.util.Objects;

/**
 * A rate limit for a single key (a whole service, one outbound API): the {@link RateLimiter}
 * arithmetic without a key table. A decision is one clock read, one volatile read and one
 * compare-and-set per limit; {@link #tryAcquire()} allocates nothing.
 *
 * <pre>{@code
 * TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("github", "5000/1h, 50/1s"));
 * if (!bucket.tryAcquire()) { ...back off... }
 * }</pre>
 *
 * Thread-safe and lock-free.
 */
public final class TokenBucket {
    private final RateLimitPolicy policy;
    private final Ticker ticker;
    private final long origin;
    private final long[] state;

    private TokenBucket(RateLimitPolicy policy, Ticker ticker) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.origin = ticker.read();
        this.state = new long[policy.size()];
    }

    /** A full bucket for {@code policy} on the system ticker. */
    public static TokenBucket of(RateLimitPolicy policy) {
        return new TokenBucket(policy, Ticker.systemTicker());
    }

    /** A full bucket for {@code policy} on {@code ticker} (a {@code ManualClock} in tests). */
    public static TokenBucket of(RateLimitPolicy policy, Ticker ticker) {
        return new TokenBucket(policy, ticker);
    }

    /** The policy. */
    public RateLimitPolicy policy() {
        return policy;
    }

    /** Takes one token if every limit has one now (and slow-down would not delay it). */
    public boolean tryAcquire() {
        return Gcra.tryAcquire(state, policy, ticker.read() - origin, 1) == 1;
    }

    /**
     * Takes {@code permits} tokens if every limit has them now.
     *
     * @throws IllegalArgumentException unless 1 ≤ permits ≤ the smallest capacity
     */
    public boolean tryAcquire(long permits) {
        return Gcra.tryAcquire(state, policy, ticker.read() - origin, policy.checkPermits(permits)) == 1;
    }

    /**
     * Decides a request of {@code permits}, admitting it with a delay of up to {@code maxWait}
     * (reserving tokens not yet refilled, or slowing down); the caller must wait
     * {@link Decision#delay()} before proceeding.
     *
     * @throws IllegalArgumentException for bad permits or a negative wait
     */
    public Decision acquire(long permits, Duration maxWait) {
        return Gcra.acquire(state, policy, ticker.read() - origin, policy.checkPermits(permits), LocalRateLimitStore.toNanos(maxWait));
    }

    @Override
    public String toString() {
        return "TokenBucket[" + policy + "]";
    }
}
