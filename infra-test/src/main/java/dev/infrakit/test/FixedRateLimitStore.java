package dev.infrakit.test;

import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.RateLimitException;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimitStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link RateLimitStore} whose answers a test chooses instead of counting tokens: always admit,
 * always reject with a given retry-after, always fail as an unreachable store would, or a script of
 * answers given in order. Put it under a {@link dev.infrakit.ratelimit.RateLimiter} to test how the
 * code behind the limiter handles a rejection, without sending a burst of requests first:
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.builder()
 *         .tier(RateLimitPolicy.parse("api", "100/1m"))
 *         .store(FixedRateLimitStore.denying(Duration.ofSeconds(30)))
 *         .build();
 * assertEquals(429, new QuoteHandler(limiter).handle("alice").status());
 * }</pre>
 *
 * <p>It keeps the parts of the SPI's contract a fixed answer allows: {@code permits} must be from 1
 * to the policy's {@link RateLimitPolicy#maxPermits()} ({@link IllegalArgumentException}), the
 * policy, key and {@code maxWait} must not be null ({@link NullPointerException}), and an admitted
 * request is never delayed, so it is within any {@code maxWait}. It does not count: to test real
 * limits, use infra-ratelimit's in-memory {@link dev.infrakit.ratelimit.LocalRateLimitStore} with a
 * {@code ManualClock} as its ticker. Every request and reset is recorded ({@link #requests()},
 * {@link #resets()}). Thread-safe.
 */
public final class FixedRateLimitStore implements RateLimitStore {

    /** One answer of the store: admit, reject with a retry-after, or fail. Immutable. */
    public static final class Answer {
        private final boolean allowed;
        private final long retryAfterNanos;
        private final String failure;

        private Answer(boolean allowed, long retryAfterNanos, String failure) {
            this.allowed = allowed;
            this.retryAfterNanos = retryAfterNanos;
            this.failure = failure;
        }

        /** Admits the request at once; {@code remaining} is the first limit's capacity minus the permits. */
        public static Answer allow() {
            return new Answer(true, 0, null);
        }

        /**
         * Rejects the request, telling the caller to retry after {@code retryAfter} (also its
         * {@code resetAfter}); the first limit of the policy is the one that rejected it.
         *
         * @throws IllegalArgumentException if {@code retryAfter} is not positive
         */
        public static Answer deny(Duration retryAfter) {
            Objects.requireNonNull(retryAfter, "retryAfter");
            if (retryAfter.isNegative() || retryAfter.isZero()) {
                throw new IllegalArgumentException("retryAfter must be positive, got " + retryAfter);
            }
            return new Answer(false, retryAfter.toNanos(), null);
        }

        /**
         * Throws a {@link RateLimitException} with {@code message}, as a store that cannot decide
         * (an unreachable database) does.
         */
        public static Answer fail(String message) {
            return new Answer(false, 0, Objects.requireNonNull(message, "message"));
        }

        Decision decide(RateLimitPolicy policy, long permits) {
            if (failure != null) {
                throw new RateLimitException(failure);
            }
            if (allowed) {
                long capacity = policy.limits().get(0).capacity();
                return Decision.admitted(policy, 0, capacity - permits, 0, 0);
            }
            return Decision.rejected(policy, 0, 0, retryAfterNanos, retryAfterNanos);
        }

        /** {@code allow}, {@code deny(PT30S)} or {@code fail}; never the failure's message. */
        @Override
        public String toString() {
            return failure != null ? "fail" : allowed ? "allow" : "deny(" + Duration.ofNanos(retryAfterNanos) + ")";
        }
    }

    /**
     * One call of {@link #acquire} (or {@link #tryAcquire}) as the store saw it.
     *
     * @param policy the name of the policy (tier) applied
     * @param key the subject
     * @param permits the tokens the request asked for
     */
    public record Request(String policy, String key, long permits) {
    }

    private final Queue<Answer> script = new ConcurrentLinkedQueue<>();
    private final Answer otherwise;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> resets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private FixedRateLimitStore(Answer otherwise, List<Answer> script) {
        this.otherwise = otherwise;
        this.script.addAll(script);
    }

    /** A store that admits every request. */
    public static FixedRateLimitStore allowing() {
        return new FixedRateLimitStore(Answer.allow(), List.of());
    }

    /**
     * A store that rejects every request with {@code retryAfter}.
     *
     * @throws IllegalArgumentException if {@code retryAfter} is not positive
     */
    public static FixedRateLimitStore denying(Duration retryAfter) {
        return new FixedRateLimitStore(Answer.deny(retryAfter), List.of());
    }

    /** A store whose every decision fails with a {@link RateLimitException} carrying {@code message}. */
    public static FixedRateLimitStore failing(String message) {
        return new FixedRateLimitStore(Answer.fail(message), List.of());
    }

    /**
     * A store that gives {@code answers} in order, one per request; a request after the last one
     * fails with an {@link IllegalStateException}, so a test notices a request it did not expect.
     * {@link #then(Answer...)} adds answers.
     */
    public static FixedRateLimitStore scripted(Answer... answers) {
        return new FixedRateLimitStore(null, List.of(answers));
    }

    /**
     * Adds answers to give, in order, before the store's fixed answer (or, for a scripted store, at
     * the end of the script).
     *
     * @return this store
     */
    public FixedRateLimitStore then(Answer... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    /**
     * Answers with the next scripted answer, or the fixed one.
     *
     * @throws IllegalArgumentException if {@code permits} is not from 1 to the policy's maximum
     * @throws RateLimitException for a {@link Answer#fail} answer
     * @throws IllegalStateException if the store is scripted and the script is used up
     */
    @Override
    public Decision acquire(RateLimitPolicy policy, String key, long permits, Duration maxWait) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(maxWait, "maxWait");
        if (permits < 1 || permits > policy.maxPermits()) {
            throw new IllegalArgumentException("permits must be between 1 and " + policy.maxPermits()
                    + " for policy '" + policy.name() + "', got " + permits);
        }
        requests.add(new Request(policy.name(), key, permits));
        Answer answer = script.poll();
        if (answer == null) {
            answer = otherwise;
        }
        if (answer == null) {
            throw new IllegalStateException("FixedRateLimitStore's script is used up: request " + requests.size()
                    + " (policy '" + policy.name() + "') has no answer; add one with then(...)");
        }
        return answer.decide(policy, permits);
    }

    /** Records the reset; there is no state to forget. */
    @Override
    public void reset(RateLimitPolicy policy, String key) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(key, "key");
        resets.add(policy.name() + ":" + key);
    }

    /** The requests decided so far, in order; a snapshot. */
    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    /** The resets so far as {@code policy:key}, in order; a snapshot. */
    public List<String> resets() {
        return new ArrayList<>(resets);
    }

    /** Whether {@link #close()} was called: lets a test check that the store's owner closes it. */
    public boolean isClosed() {
        return closed;
    }

    /** {@code fixed}. */
    @Override
    public String name() {
        return "fixed";
    }

    /** Marks the store closed; it still answers. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "FixedRateLimitStore[" + (otherwise == null ? "scripted" : otherwise) + ", " + script.size()
                + " scripted answers left, " + requests.size() + " requests]";
    }
}
