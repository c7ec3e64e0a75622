package dev.infrakit.ratelimit;

import dev.infrakit.core.health.HealthCheck;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.Optional;

/**
 * Where the buckets live: in memory ({@link LocalRateLimitStore}, the default) or shared between
 * processes (the PostgreSQL store). Keys are namespaced by the policy's name, so the same subject
 * in two tiers has two sets of buckets.
 *
 * <p>Contract, checked by {@code dev.infrakit.test.contract.RateLimitStoreContract} in infra-test:
 * <ul>
 *   <li>"N per period" token buckets as {@link Limit} defines them, every limit of the policy at
 *       once; a rejected request takes tokens from no limit;</li>
 *   <li>a request is admitted with a delay of at most {@code maxWait} (reservation of tokens not
 *       yet refilled, or slow-down); with {@code maxWait} zero only immediate admissions;</li>
 *   <li>{@code permits} from 1 to the policy's {@link RateLimitPolicy#maxPermits()}; keys are
 *       any non-null string;</li>
 *   <li>{@link #reset} makes a key's next request find full buckets, for that policy only;</li>
 *   <li>thread-safe; exact under concurrency (never more admitted than the policy allows).</li>
 * </ul>
 *
 * <p>Optional capabilities are {@code default} methods that report nothing unless a store has
 * something to say: {@link #healthCheck()} and {@link #metrics()}. Stores are created by a
 * {@link RateLimitStoreProvider} found by ServiceLoader, or by their own builders.
 */
public interface RateLimitStore extends AutoCloseable {

    /**
     * Decides one request.
     *
     * @param policy the policy (tier) to apply
     * @param key the subject, e.g. a user id
     * @param permits tokens the request costs
     * @param maxWait the longest delay the caller accepts
     * @return the decision; tokens are taken only when it is allowed
     * @throws RateLimitException if the store cannot decide (a remote store being unreachable)
     */
    Decision acquire(RateLimitPolicy policy, String key, long permits, Duration maxWait);

    /**
     * Decides one request that must proceed at once, without describing the outcome. Stores
     * override it with a path that allocates nothing.
     */
    default boolean tryAcquire(RateLimitPolicy policy, String key, long permits) {
        Decision decision = acquire(policy, key, permits, Duration.ZERO);
        return decision.allowed();
    }

    /**
     * Forgets what {@code key} spent under {@code policy}: its next request finds every bucket
     * full, as a key never seen. Other keys, and the same key under other policies, are untouched;
     * resetting a key without state does nothing. A request deciding concurrently with the reset
     * may be counted before it (and forgotten) or after it. Used, for example, to clear a user's
     * failed-login counters after a successful login or an administrator's unlock.
     *
     * @param policy the policy (tier) whose state to drop, matched by name
     * @param key the subject
     * @throws RateLimitException if the store cannot reset (a remote store being unreachable): the
     *     state may still be there
     */
    void reset(RateLimitPolicy policy, String key);

    /**
     * Tells the store that the policy named {@code current.name()} changed from {@code previous}
     * to {@code current}: tokens already spent stay spent under the new limits (a key that used 40
     * of 100 has used 40 of 200 after doubling).
     */
    default void policyChanged(RateLimitPolicy previous, RateLimitPolicy current) {
    }

    /** The number of keys holding state, or -1 when the store cannot tell cheaply. */
    default long trackedKeys() {
        return -1;
    }

    /** A short name for metrics and logs, e.g. {@code memory} or {@code postgres}. */
    String name();

    /**
     * A health check of what the store depends on (a shared store's database), for a
     * {@code HealthRegistry}; empty (the default) when the store has nothing that can fail.
     * Calling it creates a new check; registering it is the caller's choice.
     */
    default Optional<HealthCheck> healthCheck() {
        return Optional.empty();
    }

    /**
     * A Micrometer binder of the store's own counters, with the {@link RateLimitMetricNames#DEFAULT}
     * names; empty (the default) when the store counts nothing beyond what {@link RateLimitMetrics}
     * reports per limiter. The binder is created only by this call, so a store used without
     * Micrometer on the class path never loads a Micrometer class.
     */
    default Optional<MeterBinder> metrics() {
        return Optional.empty();
    }

    /** Releases the store's resources; the default holds none and does nothing. Idempotent. */
    @Override
    default void close() {
    }
}
