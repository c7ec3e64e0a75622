package dev.infrakit.ratelimit;

import dev.infrakit.core.Arguments;

import dev.infrakit.core.Ticker;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The in-memory {@link RateLimitStore}: one {@code long[]} of GCRA state per key (8 bytes per limit)
 * in a {@link ConcurrentHashMap} per policy. A decision on a known key is two hash lookups, one
 * volatile read and one compare-and-set per limit; no lock, and the yes/no path allocates nothing.
 *
 * <p>Memory is bounded two ways. A key whose buckets are all full again holds no information (a
 * new key starts full), so a sweep drops keys that have been full for {@link Builder#forgetAfter}
 * (10 s by default, so that keys that come back often are not created again and again); it runs on the sweep executor after every
 * {@code max(1024, keys / 4)} new keys, and on {@link #cleanUp()}. And the number of keys is capped
 * ({@link Builder#maxKeys(long)}, default 1,000,000): when a new key would exceed it, a sweep runs
 * at once, and if the table is still full the new key's request is rejected (counted in
 * {@link #overflowRejections()}) rather than forgetting a key that has spent tokens, which would
 * let it exceed its limit. Thread-safe.
 */
public final class LocalRateLimitStore implements RateLimitStore {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRateLimitStore.class);
    private static final long OVERFLOW_RETRY_NANOS = Duration.ofSeconds(1).toNanos();
    private static final int MAX_RECENT = 8;

    private final Ticker ticker;
    private final long origin;
    private final long maxKeys;
    private final long forgetAfterNanos;
    private final Executor sweepExecutor;
    private final ConcurrentHashMap<String, Namespace> namespaces = new ConcurrentHashMap<>();
    /** Namespaces looked up by policy identity before the map; at most {@link #MAX_RECENT}. */
    private volatile Namespace[] recent = new Namespace[0];
    private final AtomicLong keys = new AtomicLong();
    private final AtomicLong insertsSinceSweep = new AtomicLong();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final AtomicLong overflowRejections = new AtomicLong();

    /** The buckets of one policy. */
    private static final class Namespace {
        final RateLimitPolicy policy;
        final ConcurrentHashMap<String, long[]> buckets;
        final Function<String, long[]> newBucket;
        /** Set before a migration reads the buckets; a request that sees it starts again. */
        volatile boolean replaced;

        Namespace(RateLimitPolicy policy, ConcurrentHashMap<String, long[]> buckets) {
            this.policy = policy;
            this.buckets = buckets;
            int size = policy.size();
            this.newBucket = k -> new long[size];
        }

        Namespace(RateLimitPolicy policy) {
            this(policy, new ConcurrentHashMap<>());
        }
    }

    private LocalRateLimitStore(Builder b) {
        this.ticker = b.ticker != null ? b.ticker : Ticker.systemTicker();
        this.origin = ticker.read();
        this.maxKeys = b.maxKeys != null ? b.maxKeys : 1_000_000;
        this.forgetAfterNanos = (b.forgetAfter != null ? b.forgetAfter : Duration.ofSeconds(10)).toNanos();
        this.sweepExecutor = b.sweepExecutor != null ? b.sweepExecutor : ForkJoinPool.commonPool();
    }

    /** A store with defaults: system ticker, at most 1,000,000 keys, sweeps on the common pool. */
    public static LocalRateLimitStore create() {
        return builder().build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    private long now() {
        return ticker.read() - origin;
    }

    private Namespace namespace(RateLimitPolicy policy) {
        // The usual case: the policy object a namespace was made for, found without hashing.
        for (Namespace ns : recent) {
            if (ns.policy == policy && !ns.replaced) {
                return ns;
            }
        }
        Namespace ns = namespaces.get(policy.name());
        if (ns != null && (ns.policy == policy || ns.policy.equals(policy))) {
            remember(ns);
            return ns;
        }
        if (ns != null) {
            policyChanged(ns.policy, policy);
        } else {
            namespaces.putIfAbsent(policy.name(), new Namespace(policy));
        }
        return namespaces.get(policy.name());
    }

    /**
     * Takes a new snapshot of the namespaces for the lookup by identity when {@code ns} is not in
     * it (a namespace made or replaced since); a stale snapshot only sends lookups to the map.
     */
    private void remember(Namespace ns) {
        for (Namespace known : recent) {
            if (known == ns) {
                return;
            }
        }
        Namespace[] all = namespaces.values().toArray(new Namespace[0]);
        recent = all.length <= MAX_RECENT ? all : new Namespace[] {ns};
    }

    /**
     * The key's bucket, created when absent; {@code null} when the table is full.
     */
    private long[] bucket(Namespace ns, String key) {
        long[] state = ns.buckets.get(key);
        if (state != null) {
            return state;
        }
        if (keys.get() >= maxKeys) {
            sweepNow();
            if (keys.get() >= maxKeys) {
                overflowRejections.incrementAndGet();
                return null;
            }
        }
        long[] fresh = ns.newBucket.apply(key);
        state = ns.buckets.putIfAbsent(key, fresh);
        if (state != null) {
            return state;
        }
        long count = keys.incrementAndGet();
        if (insertsSinceSweep.incrementAndGet() >= Math.max(1024, count / 4)) {
            scheduleSweep();
        }
        return fresh;
    }

    @Override
    public boolean tryAcquire(RateLimitPolicy policy, String key, long permits) {
        Objects.requireNonNull(key, "key");
        policy.checkPermits(permits);
        for (;;) {
            Namespace ns = namespace(policy);
            long[] state = bucket(ns, key);
            if (state == null) {
                return false;
            }
            if (ns.replaced) {
                continue;
            }
            int outcome = Gcra.tryAcquire(state, ns.policy, now(), permits);
            if (outcome >= 0) {
                return outcome == 1;
            }
        }
    }

    @Override
    public Decision acquire(RateLimitPolicy policy, String key, long permits, Duration maxWait) {
        Objects.requireNonNull(key, "key");
        policy.checkPermits(permits);
        long maxWaitNanos = toNanos(maxWait);
        for (;;) {
            Namespace ns = namespace(policy);
            long[] state = bucket(ns, key);
            if (state == null) {
                return Decision.rejected(policy, 0, 0, 0, OVERFLOW_RETRY_NANOS);
            }
            if (ns.replaced) {
                continue;
            }
            Decision decision = Gcra.acquire(state, ns.policy, now(), permits, maxWaitNanos);
            if (decision != null) {
                return decision;
            }
        }
    }

    /**
     * Drops the key's buckets. They are marked retired first, as the sweep does, so a request
     * holding them starts again on fresh (full) buckets instead of writing into dropped ones.
     */
    @Override
    public void reset(RateLimitPolicy policy, String key) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(key, "key");
        Namespace ns = namespaces.get(policy.name());
        long[] state = ns == null ? null : ns.buckets.get(key);
        if (state == null) {
            return;
        }
        for (int i = 0; i < state.length; i++) {
            Gcra.retireElement(state, i);
        }
        if (ns.buckets.remove(key, state)) {
            keys.decrementAndGet();
        }
    }


    static long toNanos(Duration maxWait) {
        Arguments.notNegative(maxWait, "maxWait");
        if (maxWait.isZero()) { // most requests: no slow-down
            return 0;
        }
        return maxWait.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : maxWait.toNanos();
    }

    /**
     * Moves the keys of {@code previous} to {@code current}, converting spent tokens: a key that
     * had used k tokens of a limit has used k tokens of the limit at the same position in the new
     * policy (capped at its capacity); limits added start full.
     */
    @Override
    public void policyChanged(RateLimitPolicy previous, RateLimitPolicy current) {
        if (!previous.name().equals(current.name())) {
            throw new IllegalArgumentException("A policy change keeps the name: '" + previous.name() + "' vs '"
                    + current.name() + "'");
        }
        Namespace old = namespaces.get(current.name());
        if (old == null) {
            namespaces.putIfAbsent(current.name(), new Namespace(current));
            return;
        }
        if (old.policy.sameLimits(current)) {
            // Same buckets, new slow-down or name object: share the state as it is.
            namespaces.replace(current.name(), old, new Namespace(current, old.buckets));
            return;
        }
        Namespace fresh = new Namespace(current);
        if (!namespaces.replace(current.name(), old, fresh)) {
            return;
        }
        old.replaced = true;
        long now = now();
        for (Map.Entry<String, long[]> entry : old.buckets.entrySet()) {
            long[] state = entry.getValue();
            long[] converted = new long[current.size()];
            for (int i = 0; i < state.length; i++) {
                long tat = Gcra.retireElement(state, i);
                if (i < current.size() && tat != Gcra.RETIRED && tat > now) {
                    Limit from = old.policy.limit(i);
                    Limit to = current.limit(i);
                    long spentTokens = Gcra.ceilDiv(tat - now, from.intervalNanos());
                    long spentNanos = Math.min(spentTokens, to.capacity()) * to.intervalNanos();
                    converted[i] = Math.min(now + spentNanos, now + to.windowNanos());
                }
            }
            long[] existing = fresh.buckets.putIfAbsent(entry.getKey(), converted);
            if (existing != null) {
                // A request reached the new namespace first: add what the key had spent before.
                for (int i = 0; i < converted.length; i++) {
                    if (converted[i] > now) {
                        Gcra.add(existing, i, now, converted[i] - now, current.limit(i).windowNanos());
                    }
                }
            }
        }
        LOG.info("Rate-limit policy '{}' changed from [{}] to [{}]; {} keys carried over", current.name(), previous,
                current, old.buckets.size());
    }

    /** Drops every key whose buckets are all full; runs on the calling thread. */
    public void cleanUp() {
        sweepNow();
    }

    private void scheduleSweep() {
        if (sweeping.compareAndSet(false, true)) {
            try {
                sweepExecutor.execute(() -> {
                    try {
                        sweepNow();
                    } finally {
                        sweeping.set(false);
                    }
                });
            } catch (RuntimeException e) {
                sweeping.set(false);
                LOG.warn("Could not schedule a rate-limit key sweep; sweeping on the caller's thread", e);
                sweepNow();
            }
        }
    }

    private synchronized void sweepNow() {
        insertsSinceSweep.set(0);
        // Full at (now - forgetAfter) means full for at least forgetAfter.
        long now = now() - forgetAfterNanos;
        long removed = 0;
        for (Namespace ns : namespaces.values()) {
            Iterator<Map.Entry<String, long[]>> it = ns.buckets.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, long[]> entry = it.next();
                long[] state = entry.getValue();
                if (Gcra.retireIfFull(state, now) && ns.buckets.remove(entry.getKey(), state)) {
                    removed++;
                }
            }
        }
        long remaining = 0;
        for (Namespace ns : namespaces.values()) {
            remaining += ns.buckets.size();
        }
        keys.set(remaining);
        if (removed > 0) {
            LOG.debug("Rate-limit sweep dropped {} idle keys, {} remain", removed, remaining);
        }
    }

    /** Requests rejected because the key table was full, since creation. */
    public long overflowRejections() {
        return overflowRejections.get();
    }

    @Override
    public long trackedKeys() {
        return keys.get();
    }

    @Override
    public String name() {
        return "memory";
    }

    /**
     * A binder of {@code infrakit.ratelimit.store.overflow} (tag {@code store}): requests refused
     * because the key table was full ({@link #overflowRejections()}), named by
     * {@link RateLimitMetricNames#DEFAULT}.
     */
    @Override
    public Optional<MeterBinder> metrics() {
        return Optional.of(new LocalRateLimitStoreMetrics(this, RateLimitMetricNames.DEFAULT));
    }

    /** Forgets every key. */
    @Override
    public void close() {
        namespaces.clear();
        keys.set(0);
    }

    @Override
    public String toString() {
        return "LocalRateLimitStore[keys=" + keys.get() + ", maxKeys=" + maxKeys + "]";
    }

    /**
     * Builds a {@link LocalRateLimitStore}. Each setting may be given once: a second call throws
     * {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private Ticker ticker;
        private Long maxKeys;
        private Duration forgetAfter;
        private Executor sweepExecutor;

        private Builder() {
        }

        /**
         * The time source (default {@link Ticker#systemTicker()}); tests pass a {@code ManualClock}.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder ticker(Ticker ticker) {
            Arguments.setOnce(this.ticker, "ticker");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * The most keys held at once, over all policies (default 1,000,000).
         *
         * @throws IllegalArgumentException naming the value if it is below 1
         * @throws IllegalStateException if it was already set
         */
        public Builder maxKeys(long maxKeys) {
            Arguments.setOnce(this.maxKeys, "maxKeys");
            if (maxKeys < 1) {
                throw new IllegalArgumentException("maxKeys must be at least 1, got " + maxKeys);
            }
            this.maxKeys = maxKeys;
            return this;
        }

        /**
         * How long a key's buckets must have been full before a sweep forgets it (default 10 s;
         * zero forgets it as soon as it is full). Forgetting never changes an answer; waiting a
         * little spares keys that come back often the cost of being created again.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder forgetAfter(Duration forgetAfter) {
            Arguments.setOnce(this.forgetAfter, "forgetAfter");
            this.forgetAfter = Arguments.notNegative(forgetAfter, "forgetAfter");
            return this;
        }

        /**
         * Where background sweeps run (default the common fork-join pool; {@code Runnable::run} runs them inline).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder sweepExecutor(Executor executor) {
            Arguments.setOnce(sweepExecutor, "sweepExecutor");
            this.sweepExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** The store. */
        public LocalRateLimitStore build() {
            return new LocalRateLimitStore(this);
        }
    }
}
