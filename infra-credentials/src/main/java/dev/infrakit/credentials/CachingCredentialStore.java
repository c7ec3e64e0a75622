package dev.infrakit.credentials;

import java.util.Set;
import java.util.HashSet;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.RefreshAhead;

import dev.infrakit.core.http.ClientText;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.infrakit.core.Ticker;
import dev.infrakit.credentials.internal.CoarseTicker;
import dev.infrakit.credentials.internal.PerThreadCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A read cache in front of any {@link CredentialStore}, on Caffeine, in the manner of the AWS
 * Secrets Manager caching client:
 * <ul>
 *   <li><b>Refresh ahead</b>: a value read after {@code refreshAfter} (± {@code jitter}, so that
 *   many instances do not reload together) is returned at once while a reload runs in the
 *   background.</li>
 *   <li><b>Expiry</b>: after {@code expireAfter} without a successful reload the next read loads
 *   synchronously.</li>
 *   <li><b>Stale on error</b>: if that load fails because the store is unavailable, the old value is
 *   served for up to {@code staleIfError} more (counted), then the failure is thrown. A credential
 *   that no longer exists, or fails its integrity check, is never served stale.</li>
 *   <li><b>Invalidation</b>: every write through this store drops the credential's entries; if the
 *   store implements {@link CredentialChanges} (every built-in store does), writes made below the
 *   cache do too: through the store object itself (a rotation engine or an API key store writing to
 *   it directly) for the file and in-memory stores, and through every instance sharing the database
 *   for PostgreSQL, where a lost notification connection drops everything.</li>
 * </ul>
 * Values are cached ({@code get}); metadata ({@code metadata(name)}) only when the builder asks for
 * it ({@link Builder#cacheMetadata(boolean)}), with the same refresh, expiry, staleness and
 * invalidation as values — for a request path that shows a credential's version times on every
 * read; a name the store does not know is never cached. Listings always go to the store. A read
 * returns the cache's own copy, shared by every reader ({@link SecretValue#isShared()}): its
 * {@link SecretValue#clear()} leaves it intact, and an evicted copy is left to the garbage
 * collector, since readers may still hold it. That keeps a hit within a nanosecond or two of a bare
 * Caffeine lookup (see {@code benchmarks/README.md}).
 *
 * <p>Metrics: {@link CredentialMetrics}.
 *
 * <p>With the system ticker, the read path takes the time from a clock updated every 10 ms (so a
 * hit costs no clock read); refresh and expiry are therefore accurate to about 10 ms.
 */
public final class CachingCredentialStore extends ForwardingCredentialStore {
    private static final Logger LOG = LoggerFactory.getLogger(CachingCredentialStore.class);

    private final Cache<Object, Entry> cache;
    private final Ticker ticker;
    private final boolean coarse;
    private final long refreshNanos;
    private final long expireNanos;
    private final long staleNanos;
    private final double jitter;
    private final Executor executor;
    private final boolean cacheMetadata;
    private final AutoCloseable subscription;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final PerThreadCounter hits = new PerThreadCounter();
    private final LongAdder misses = new LongAdder();
    private final LongAdder staleServed = new LongAdder();
    private final LongAdder loadFailures = new LongAdder();
    private final LongAdder refreshes = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder loadNanos = new LongAdder();

    /** The key of a given version; the current version is keyed by the name alone. */
    private static final class VersionKey {
        final String name;
        final int version;

        VersionKey(String name, int version) {
            this.name = name;
            this.version = version;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof VersionKey && ((VersionKey) o).version == version && ((VersionKey) o).name.equals(name);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + version;
        }
    }

    /** The key of a credential's metadata. */
    private static final class MetadataKey {
        final String name;

        MetadataKey(String name) {
            this.name = name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MetadataKey && ((MetadataKey) o).name.equals(name);
        }

        @Override
        public int hashCode() {
            return ~name.hashCode();
        }
    }

    /** {@code version} of {@link #read} for a credential's metadata. */
    private static final int METADATA = -1;

    /** A cached {@link Secret}, or {@link CredentialMetadata} for a {@link MetadataKey}. */
    private static final class Entry {
        final Object value;
        final RefreshAhead timing;

        Entry(Object value, RefreshAhead timing) {
            this.value = value;
            this.timing = timing;
        }

        String describe() {
            return value instanceof Secret ? "version " + ((Secret) value).version() : "metadata";
        }
    }

    private CachingCredentialStore(Builder b) {
        super(b.store);
        this.ticker = b.ticker;
        this.coarse = b.ticker == Ticker.systemTicker();
        this.refreshNanos = b.refreshAfter.toNanos();
        this.expireNanos = b.expireAfter.toNanos();
        this.staleNanos = b.staleIfError.toNanos();
        this.jitter = b.jitter;
        this.executor = b.executor;
        this.cacheMetadata = b.cacheMetadata;
        this.cache = Caffeine.newBuilder().maximumSize(b.maximumSize).executor(Runnable::run).build();
        if (coarse) {
            CoarseTicker.acquire();
        }
        CredentialChanges changes = b.changes != null ? b.changes
                : b.store instanceof CredentialChanges ? (CredentialChanges) b.store : null;
        this.subscription = changes == null ? null : changes.subscribe(new CredentialChangeListener() {
            @Override
            public void changed(String name) {
                invalidate(name);
            }

            @Override
            public void resync() {
                invalidateAll();
            }
        });
    }

    /** A builder caching reads of {@code store}. */
    public static Builder builder(CredentialStore store) {
        return new Builder(store);
    }

    private long now() {
        return coarse ? CoarseTicker.read() : ticker.read();
    }

    @Override
    public Secret get(String name) {
        return (Secret) read(name, name, 0);
    }

    @Override
    public Secret get(String name, int version) {
        return (Secret) read(new VersionKey(name, version), name, version);
    }

    /**
     * From the cache when the builder asked for {@linkplain Builder#cacheMetadata(boolean) cached
     * metadata}, else from the store.
     */
    @Override
    public java.util.Optional<CredentialMetadata> metadata(String name) {
        if (!cacheMetadata) {
            return super.metadata(name);
        }
        try {
            return java.util.Optional.of((CredentialMetadata) read(new MetadataKey(name), name, METADATA));
        } catch (CredentialNotFoundException unknown) {
            return java.util.Optional.empty();
        }
    }

    /** A cached secret ({@code version} 0: the current one), or metadata ({@link #METADATA}). */
    private Object read(Object key, String name, int version) {
        Entry e = cache.getIfPresent(key);
        if (e != null) {
            long now = now();
            if (e.timing.fresh(now)) {
                hits.increment();
                return e.value;
            }
            if (e.timing.usable(now)) {
                hits.increment();
                refreshAhead(key, name, version, e);
                return e.value;
            }
        }
        misses.increment();
        try {
            Entry seen = e;
            Entry loaded = cache.asMap().compute(key, (k, current) -> {
                if (current != null && current != seen && current.timing.fresh(now())) {
                    return current; // another reader loaded it while this one waited
                }
                return load(name, version);
            });
            return loaded.value;
        } catch (CredentialNotFoundException | CredentialIntegrityException | IllegalArgumentException definite) {
            cache.invalidate(key);
            throw definite;
        } catch (RuntimeException unavailable) {
            if (e != null && e.timing.usableOnError(now())) {
                staleServed.increment();
                LOG.warn("Serving the cached value of credential '{}' ({}) after its expiry: the store failed: {}",
                        ClientText.forLog(name, 256), e.describe(), ClientText.forLog(unavailable.toString(), 1000));
                return e.value;
            }
            throw unavailable;
        }
    }

    /** The cache's copy of a secret, shared by every reader. */
    private static Secret shared(Secret loaded) {
        return new Secret(loaded.name(), loaded.version(), loaded.created(), loaded.value().shared());
    }

    /** Loads from the store (inside the cache's compute, so concurrent misses load once). */
    private Entry load(String name, int version) {
        long start = ticker.read();
        try {
            return entry(fetch(name, version));
        } catch (RuntimeException e) {
            loadFailures.increment();
            throw e;
        } finally {
            record(start);
        }
    }

    /** The secret or metadata from the store; an unknown name's metadata as {@link CredentialNotFoundException}. */
    private Object fetch(String name, int version) {
        if (version == METADATA) {
            return delegate().metadata(name).orElseThrow(() -> new CredentialNotFoundException(name, "No credential named that"));
        }
        return version == 0 ? delegate().get(name) : delegate().get(name, version);
    }

    private void record(long start) {
        loads.increment();
        loadNanos.add(ticker.read() - start);
    }

    private Entry entry(Object loaded) {
        Object value = loaded instanceof Secret ? shared((Secret) loaded) : loaded;
        return new Entry(value, new RefreshAhead(ticker.read(), jittered(), expireNanos, staleNanos));
    }

    private long jittered() {
        if (jitter == 0) {
            return refreshNanos;
        }
        double factor = 1 + ThreadLocalRandom.current().nextDouble(-jitter, jitter);
        return Math.min((long) (refreshNanos * factor), expireNanos);
    }

    private void refreshAhead(Object key, String name, int version, Entry e) {
        if (closed.get()) {
            return;
        }
        try {
            if (e.timing.refreshInBackground(executor, () -> refresh(key, name, version, e))) {
                refreshes.increment();
            }
        } catch (RuntimeException rejected) {
            // The executor refused it: the entry stays due, so the next read tries again.
        }
    }

    private void refresh(Object key, String name, int version, Entry e) {
        long start = ticker.read();
        try {
            Object fresh = fetch(name, version);
            record(start);
            if (!cache.asMap().replace(key, e, entry(fresh)) && fresh instanceof Secret) {
                ((Secret) fresh).value().clear(); // invalidated meanwhile: the next read loads afresh
            }
        } catch (CredentialNotFoundException | CredentialIntegrityException gone) {
            record(start);
            loadFailures.increment();
            cache.asMap().remove(key, e);
        } catch (RuntimeException failed) {
            record(start);
            loadFailures.increment();
            LOG.warn("Refreshing credential '{}' failed; serving the cached value until it expires: {}",
                    ClientText.forLog(name, 256), ClientText.forLog(failed.toString(), 1000));
            // Try again after a tenth of the refresh period, not on every read.
            e.timing.retryAfter(ticker.read(), Math.max(refreshNanos / 10, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    /**
     * The cache's meters ({@link CredentialMetrics} with the default names); the store below
     * keeps its own.
     */
    @Override
    public java.util.Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
        return java.util.Optional.of(new CredentialMetrics(this));
    }

    /** Drops every cached version of {@code name}, and its metadata. */
    public void invalidate(String name) {
        cache.invalidate(name);
        cache.invalidate(new MetadataKey(name));
        cache.asMap().keySet().removeIf(k -> k instanceof VersionKey && ((VersionKey) k).name.equals(name));
    }

    /** Drops everything. */
    public void invalidateAll() {
        cache.invalidateAll();
    }

    @Override
    public int put(String name, SecretValue value, WriteCondition condition) {
        try {
            return super.put(name, value, condition);
        } finally {
            invalidate(name);
        }
    }

    @Override
    public void setMaxVersions(String name, int maxVersions) {
        try {
            super.setMaxVersions(name, maxVersions);
        } finally {
            invalidate(name);
        }
    }

    @Override
    public void delete(String name, int... versions) {
        try {
            super.delete(name, versions);
        } finally {
            invalidate(name);
        }
    }

    @Override
    public void undelete(String name, int... versions) {
        try {
            super.undelete(name, versions);
        } finally {
            invalidate(name);
        }
    }

    @Override
    public void destroy(String name, int... versions) {
        try {
            super.destroy(name, versions);
        } finally {
            invalidate(name);
        }
    }

    @Override
    public boolean deleteAll(String name) {
        try {
            return super.deleteAll(name);
        } finally {
            invalidate(name);
        }
    }

    /** Reads answered from the cache. */
    public long hits() {
        return hits.sum();
    }

    /** Reads that went to the store. */
    public long misses() {
        return misses.sum();
    }

    /** Reads answered with an expired value because the store failed. */
    public long staleServed() {
        return staleServed.sum();
    }

    /** Loads (synchronous or refresh) that failed. */
    public long loadFailures() {
        return loadFailures.sum();
    }

    /** Background refreshes started. */
    public long refreshes() {
        return refreshes.sum();
    }

    /** Entries cached (approximate). */
    public long size() {
        return cache.estimatedSize();
    }

    /** Loads from the store (synchronous and background), successful or not. */
    public long loads() {
        return loads.sum();
    }

    /** Total time spent loading from the store, in nanoseconds. */
    public long loadNanos() {
        return loadNanos.sum();
    }

    /** Stops listening for changes, clears the cache and closes the store. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (subscription != null) {
                subscription.close();
            }
        } catch (Exception e) {
            LOG.warn("Closing the change subscription failed", e);
        } finally {
            if (coarse) {
                CoarseTicker.release();
            }
            cache.invalidateAll();
            super.close();
        }
    }

    @Override
    public String toString() {
        return "CachingCredentialStore[" + delegate() + ", " + size() + " cached]";
    }

    /** Builds a {@link CachingCredentialStore}. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private final CredentialStore store;
        private Duration refreshAfter = Duration.ofMinutes(5);
        private Duration expireAfter = Duration.ofMinutes(15);
        private Duration staleIfError = Duration.ofMinutes(15);
        private double jitter = 0.1;
        private long maximumSize = 10_000;
        private Ticker ticker = Ticker.systemTicker();
        private Executor executor = ForkJoinPool.commonPool();
        private CredentialChanges changes;
        private boolean cacheMetadata;

        private Builder(CredentialStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** When a read starts a background reload (default 5 minutes). */
        public Builder refreshAfter(Duration refreshAfter) {
            Arguments.markSet(given, "refreshAfter");
            this.refreshAfter = Arguments.positive(refreshAfter, "refreshAfter");
            return this;
        }

        /** When a value must be reloaded before it is served again (default 15 minutes). */
        public Builder expireAfter(Duration expireAfter) {
            Arguments.markSet(given, "expireAfter");
            this.expireAfter = Arguments.positive(expireAfter, "expireAfter");
            return this;
        }

        /** How long past expiry a value is served while the store fails (default 15 minutes; zero: never). */
        public Builder staleIfError(Duration staleIfError) {
            Arguments.markSet(given, "staleIfError");
            this.staleIfError = Arguments.notNegative(staleIfError, "staleIfError");
            return this;
        }

        /** Random spread of the refresh time, as a fraction of it (default 0.1: ±10 %; 0 to 0.5). */
        public Builder jitter(double jitter) {
            Arguments.markSet(given, "jitter");
            if (!(jitter >= 0 && jitter <= 0.5)) {
                throw new IllegalArgumentException("jitter must be 0 to 0.5, got " + jitter);
            }
            this.jitter = jitter;
            return this;
        }

        /** Most entries kept (default 10,000). */
        public Builder maximumSize(long maximumSize) {
            Arguments.markSet(given, "maximumSize");
            if (maximumSize < 1) {
                throw new IllegalArgumentException("maximumSize must be at least 1, got " + maximumSize);
            }
            this.maximumSize = maximumSize;
            return this;
        }

        /** The time source (tests: a {@link dev.infrakit.core.ManualClock}). */
        public Builder ticker(Ticker ticker) {
            Arguments.markSet(given, "ticker");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Where background refreshes run (default the common pool; tests: {@code Runnable::run}). */
        public Builder executor(Executor executor) {
            Arguments.markSet(given, "executor");
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Where to hear about changes made elsewhere (default: the store itself, if it implements
         * {@link CredentialChanges}; use this when it is wrapped in another decorator).
         */
        public Builder changes(CredentialChanges changes) {
            Arguments.markSet(given, "changes");
            this.changes = Objects.requireNonNull(changes, "changes");
            return this;
        }

        /**
         * Whether {@code metadata(name)} is cached too (default false: it always goes to the store),
         * refreshed, expired and invalidated with the values; hits and misses count together.
         */
        public Builder cacheMetadata(boolean cacheMetadata) {
            Arguments.markSet(given, "cacheMetadata");
            this.cacheMetadata = cacheMetadata;
            return this;
        }

        /**
         * The cache.
         *
         * @throws IllegalArgumentException if {@code refreshAfter} exceeds {@code expireAfter}
         */
        public CachingCredentialStore build() {
            if (refreshAfter.compareTo(expireAfter) > 0) {
                throw new IllegalArgumentException("refreshAfter (" + refreshAfter + ") must not exceed expireAfter ("
                        + expireAfter + ")");
            }
            return new CachingCredentialStore(this);
        }

    }
}
