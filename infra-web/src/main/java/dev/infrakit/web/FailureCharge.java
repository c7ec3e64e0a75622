package dev.infrakit.web;

import dev.infrakit.ratelimit.RateLimiter;

import java.util.Objects;

/**
 * The charge of a refused credential to the first rate-limit stage: {@link #charge(String)} takes
 * {@code permits} from the client's bucket in one tier of a {@link RateLimiter} (as much of it as
 * the bucket still holds), so a client that keeps failing empties the bucket a per-address
 * rate-limit filter checks <em>before</em> authentication and is refused there with 429, cheaply.
 * {@link Authenticator.Builder#chargeFailures} uses it; an adapter for another security framework
 * (infra-spring-boot's entry point) charges its refusals with the same rule through it.
 *
 * <p>Immutable and thread-safe (as the limiter is).
 */
public final class FailureCharge {
    private final RateLimiter limiter;
    private final String tier;
    private final long permits;

    private FailureCharge(RateLimiter limiter, String tier, long permits) {
        this.limiter = limiter;
        this.tier = tier;
        this.permits = permits;
    }

    /**
     * A charge of {@code permits} to {@code tier} of {@code limiter}.
     *
     * @throws IllegalArgumentException if the tier is unknown to the limiter or permits is not positive
     * @throws NullPointerException if {@code limiter} or {@code tier} is null
     */
    public static FailureCharge of(RateLimiter limiter, String tier, long permits) {
        Objects.requireNonNull(limiter, "limiter");
        Objects.requireNonNull(tier, "tier");
        if (!limiter.tiers().contains(tier)) {
            throw new IllegalArgumentException("chargeFailures: the limiter has no tier '" + tier + "'; tiers: "
                    + limiter.tiers());
        }
        if (permits < 1) {
            throw new IllegalArgumentException("chargeFailures: permits must be at least 1, got " + permits);
        }
        return new FailureCharge(limiter, tier, permits);
    }

    /**
     * Takes the failure's cost from the bucket of {@code budgetKey} ({@code unknown} when null), as
     * much of it as the bucket still holds: an emptied bucket is what refuses the client at the
     * first stage.
     */
    public void charge(String budgetKey) {
        String subject = budgetKey == null ? "unknown" : budgetKey;
        if (limiter.tryAcquire(tier, subject, permits)) {
            return;
        }
        for (long i = 1; i < permits && limiter.tryAcquire(tier, subject, 1); i++) {
            // one permit at a time until the bucket is empty
        }
    }

    /** The tier charged. */
    public String tier() {
        return tier;
    }

    /** The permits one refused credential costs. */
    public long permits() {
        return permits;
    }

    @Override
    public String toString() {
        return "FailureCharge[" + tier + "x" + permits + "]";
    }
}
