package dev.infrakit.ratelimit;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.Config;
import dev.infrakit.core.Providers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rate limits per subject (a user id, an API key's owner, a client IP) under named tiers.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.builder()
 *         .tier(RateLimitPolicy.parse("anonymous", "20/15m"))
 *         .tier(RateLimitPolicy.parse("user", "100/15m"))
 *         .tier(RateLimitPolicy.parse("admin", "200/15m"))
 *         .build();
 * Decision d = limiter.decide("user", userId, 1);
 * }</pre>
 *
 * <p>A key is tier + subject: the same user keeps the tokens it spent whichever session or token
 * it presents, and its tokens in one tier are separate from another tier's. Ways to ask:
 * <ul>
 *   <li>{@link #tryAcquire(String, String, long)}: yes or no, now; allocates nothing.</li>
 *   <li>{@link #decide(String, String, long)}: the full {@link Decision}; with a slow-down policy the
 *       request may be admitted with a {@link Decision#delay()} (up to the slow-down's maximum),
 *       which an HTTP server applies on a scheduler instead of blocking a worker thread.</li>
 *   <li>{@link #reserve(String, String, long, Duration)}: admits with any delay up to
 *       {@code maxWait}, taking tokens that have not refilled yet; the caller waits the delay.</li>
 *   <li>{@link #acquire(String, String, long, Duration)}: blocks for the delay; returns
 *       {@code false} at once, without taking anything, when the wait would exceed the timeout.</li>
 * </ul>
 *
 * <p>Policies can be replaced at run time with {@link #updatePolicy(RateLimitPolicy)}; tokens
 * already spent stay spent. Thread-safe.
 *
 * <p>In a test, no mock is needed: build a limiter over a {@link LocalRateLimitStore} whose
 * {@link LocalRateLimitStore.Builder#ticker ticker} is a {@code ManualClock} (time moves only when
 * the test advances it), or over a {@link RateLimitStore} of the test's own that answers as the
 * test needs.
 */
public final class RateLimiter implements AutoCloseable {
    private final String name;
    private final RateLimitStore store;
    private final boolean ownsStore;
    private final String defaultTier;
    private final Sleeper sleeper;
    private volatile Map<String, RateLimitPolicy> tiers;
    /** {@link #tiers}' values, for the lookup by identity of a tier's own name. */
    private volatile RateLimitPolicy[] policies;
    final LongAdder allowed = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder delayed = new LongAdder();

    /** Waits for a delay; a seam for tests, which pass one that advances a {@code ManualClock}. */
    @FunctionalInterface
    public interface Sleeper {
        /** Sleeps for {@code duration}. */
        void sleep(Duration duration) throws InterruptedException;
    }

    private RateLimiter(Builder b) {
        this.name = b.name != null ? b.name : "default";
        this.store = b.store != null ? b.store : LocalRateLimitStore.create();
        this.ownsStore = b.store == null || b.ownsStore;
        this.tiers = Collections.unmodifiableMap(new LinkedHashMap<>(b.tiers));
        this.policies = tiers.values().toArray(new RateLimitPolicy[0]);
        this.defaultTier = b.defaultTier != null ? b.defaultTier : b.tiers.keySet().iterator().next();
        this.sleeper = b.sleeper != null ? b.sleeper : d -> Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
        if (!tiers.containsKey(defaultTier)) {
            throw new IllegalArgumentException("Default tier '" + defaultTier + "' is not one of " + tiers.keySet());
        }
    }

    /** A limiter with one tier, {@code policy}, on a new in-memory store. */
    public static RateLimiter of(RateLimitPolicy policy) {
        return builder().tier(policy).build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A limiter from configuration: the store from {@code infrakit.ratelimit.store} (default
     * {@code memory}) and tiers from {@code infrakit.ratelimit.tiers} (a list of names) with
     * {@code infrakit.ratelimit.tier.<name>.limits} (e.g. {@code 100/15m} or {@code 10/1s, 1000/1h})
     * and optional {@code .slow-down.after}, {@code .step}, {@code .max}; the default tier from
     * {@code infrakit.ratelimit.default-tier} (default the first). Without tiers configured:
     * {@code anonymous} 20/15m, {@code user} 100/15m and {@code admin} 200/15m.
     *
     * @throws dev.infrakit.core.ConfigException naming the key that is missing or malformed
     */
    public static RateLimiter fromConfig(Config config) {
        Config section = config.section("infrakit.ratelimit");
        Builder builder = builder().name(section.getString("name", "default"));
        for (RateLimitPolicy policy : RateLimitConfig.tiers(section)) {
            builder.tier(policy);
        }
        section.find("default-tier").ifPresent(builder::defaultTier);
        Config withDefaultStore = config.has("infrakit.ratelimit.store") ? config
                : config.withOverrides(Map.of("infrakit.ratelimit.store", "memory"));
        RateLimitStore store = Providers.load(RateLimitStoreProvider.class, withDefaultStore);
        return builder.store(store, true).build();
    }

    private RateLimitPolicy tier(String tier) {
        // A tier is usually named by the very String its policy holds (a constant, or the name
        // a resolver took from the limiter): found without hashing. Any other String takes the map.
        for (RateLimitPolicy policy : policies) {
            if (policy.name() == tier) {
                return policy;
            }
        }
        RateLimitPolicy policy = tiers.get(Objects.requireNonNull(tier, "tier"));
        if (policy == null) {
            throw new IllegalArgumentException("Unknown rate-limit tier '" + tier + "'; tiers: " + tiers.keySet());
        }
        return policy;
    }

    private static String subject(String subject) {
        return Objects.requireNonNull(subject, "subject");
    }

    /** One permit for {@code subject} in the default tier, now: yes or no. */
    public boolean tryAcquire(String subject) {
        return tryAcquire(defaultTier, subject, 1);
    }

    /**
     * {@code permits} for {@code subject} in {@code tier}, now: yes or no. With a slow-down
     * policy, a request that would be delayed is refused here (nothing is taken); use
     * {@link #decide} to learn the delay.
     *
     * @throws IllegalArgumentException for an unknown tier, a null subject or bad permits
     */
    public boolean tryAcquire(String tier, String subject, long permits) {
        boolean ok = store.tryAcquire(tier(tier), subject(subject), permits);
        (ok ? allowed : rejected).increment();
        return ok;
    }

    /** {@link #decide(String, String, long)} for one permit in the default tier. */
    public Decision decide(String subject) {
        return decide(defaultTier, subject, 1);
    }

    /**
     * The full decision for a request; with slow-down the request may be admitted with a delay
     * up to the slow-down's maximum, otherwise only at once.
     *
     * @throws IllegalArgumentException for an unknown tier, a null subject or bad permits
     * @throws RateLimitException if the store cannot decide
     */
    public Decision decide(String tier, String subject, long permits) {
        RateLimitPolicy policy = tier(tier);
        Duration maxWait = policy.hasSlowDown() ? policy.slowDownOrNull().max() : Duration.ZERO;
        return count(store.acquire(policy, subject(subject), permits, maxWait));
    }

    /**
     * Admits the request with a delay of up to {@code maxWait} (tokens not yet refilled are
     * reserved); the caller holds the request for {@link Decision#delay()}.
     */
    public Decision reserve(String tier, String subject, long permits, Duration maxWait) {
        return count(store.acquire(tier(tier), subject(subject), permits, maxWait));
    }

    /**
     * Waits until the request may proceed, up to {@code timeout}; returns {@code false} at once,
     * taking nothing, when the wait would be longer.
     *
     * @throws InterruptedException if interrupted while waiting (the tokens stay taken)
     */
    public boolean acquire(String tier, String subject, long permits, Duration timeout) throws InterruptedException {
        Decision decision = reserve(tier, subject, permits, timeout);
        if (!decision.allowed()) {
            return false;
        }
        if (decision.delayNanos() > 0) {
            sleeper.sleep(decision.delay());
        }
        return true;
    }

    /** {@link #acquire(String, String, long, Duration)} for one permit in the default tier. */
    public boolean acquire(String subject, Duration timeout) throws InterruptedException {
        return acquire(defaultTier, subject, 1, timeout);
    }

    private Decision count(Decision decision) {
        if (!decision.allowed()) {
            rejected.increment();
        } else if (decision.delayNanos() > 0) {
            delayed.increment();
        } else {
            allowed.increment();
        }
        return decision;
    }

    /**
     * Replaces the tier named {@code policy.name()}; keys keep the tokens they spent.
     *
     * @throws IllegalArgumentException if there is no such tier
     */
    public synchronized void updatePolicy(RateLimitPolicy policy) {
        RateLimitPolicy previous = tier(policy.name());
        Map<String, RateLimitPolicy> next = new LinkedHashMap<>(tiers);
        next.put(policy.name(), policy);
        store.policyChanged(previous, policy);
        policies = next.values().toArray(new RateLimitPolicy[0]);
        tiers = Collections.unmodifiableMap(next);
    }

    /** The policy of {@code tier}. */
    public RateLimitPolicy policy(String tier) {
        return tier(tier);
    }

    /** The tier names, in the order added. */
    public Set<String> tiers() {
        return tiers.keySet();
    }

    /** The tier used when none is named. */
    public String defaultTier() {
        return defaultTier;
    }

    /** The limiter's name, a metrics tag. */
    public String name() {
        return name;
    }

    /** The store. */
    public RateLimitStore store() {
        return store;
    }

    /** Closes the store if this limiter created it (or was given it to own). */
    @Override
    public void close() {
        if (ownsStore) {
            store.close();
        }
    }

    @Override
    public String toString() {
        return "RateLimiter[" + name + ", " + new ArrayList<>(tiers.values()) + ", store=" + store.name() + "]";
    }

    /**
     * Builds a {@link RateLimiter}. Tiers are added one by one; every other setting may be given
     * once: a second call throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private String name;
        private RateLimitStore store;
        private boolean ownsStore;
        private final Map<String, RateLimitPolicy> tiers = new LinkedHashMap<>();
        private String defaultTier;
        private Sleeper sleeper;

        private Builder() {
        }

        /**
         * The limiter's name, used as a metrics tag (default {@code default}).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder name(String name) {
            Arguments.setOnce(this.name, "name");
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Adds a tier.
         *
         * @throws IllegalArgumentException if a tier of that name was added already
         */
        public Builder tier(RateLimitPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            if (tiers.putIfAbsent(policy.name(), policy) != null) {
                throw new IllegalArgumentException("Tier '" + policy.name() + "' was already added");
            }
            return this;
        }

        /**
         * The tier used when none is named (default: the first added).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder defaultTier(String tier) {
            Arguments.setOnce(defaultTier, "defaultTier");
            this.defaultTier = Objects.requireNonNull(tier, "tier");
            return this;
        }

        /**
         * The store (default: a new {@link LocalRateLimitStore}, closed with the limiter); not closed by the limiter.
         *
         * @throws IllegalStateException if a store was already set
         */
        public Builder store(RateLimitStore store) {
            return store(store, false);
        }

        /**
         * The store, and whether {@link RateLimiter#close()} closes it.
         *
         * @throws IllegalStateException if a store was already set
         */
        public Builder store(RateLimitStore store, boolean owned) {
            Arguments.setOnce(this.store, "store");
            this.store = Objects.requireNonNull(store, "store");
            this.ownsStore = owned;
            return this;
        }

        /**
         * How {@link RateLimiter#acquire} waits (default {@link Thread#sleep}).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder sleeper(Sleeper sleeper) {
            Arguments.setOnce(this.sleeper, "sleeper");
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /**
         * The limiter.
         *
         * @throws IllegalStateException without a tier
         */
        public RateLimiter build() {
            if (tiers.isEmpty()) {
                throw new IllegalStateException("A rate limiter needs at least one tier: call tier(policy)");
            }
            return new RateLimiter(this);
        }
    }

    /** The tiers of a limiter, for {@link RateLimitMetrics}. */
    List<RateLimitPolicy> policies() {
        return List.copyOf(tiers.values());
    }
}
