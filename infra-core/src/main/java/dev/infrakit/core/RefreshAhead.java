package dev.infrakit.core;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The timing of one cached value that is refreshed in the background before it expires and may be
 * served stale while its source fails, and the single background refresh it may have in flight:
 * the logic Infrakit's refresh-ahead caches share ({@code CachingCredentialStore}, {@code
 * RemoteJwks}), for yours too.
 *
 * <p>A value loaded at {@code t} is <em>fresh</em> until {@code t + refreshAfter} (serve it),
 * then <em>due</em>: still served while a refresh runs in the background, until {@code t +
 * expireAfter}; after that it must be loaded again before use, and if that load fails because the
 * source is unavailable it may still be served until {@code t + expireAfter + staleIfError}.
 * Times are {@link Ticker} readings in nanoseconds, compared so that they may wrap around.
 *
 * <p>Thread-safe; a fresh-value check is one volatile read.
 */
public final class RefreshAhead {
    private volatile long refreshAt;
    private final long expireAt;
    private final long staleUntil;
    private final AtomicBoolean refreshing = new AtomicBoolean();

    /**
     * The timing of a value loaded at {@code loadedAt}.
     *
     * @param loadedAt the ticker reading when it was loaded
     * @param refreshAfterNanos how long it is fresh
     * @param expireAfterNanos how long it may be served at all without a failed load (at least
     *     {@code refreshAfterNanos})
     * @param staleIfErrorNanos how much longer it may be served while loads fail (0 for not at all)
     * @throws IllegalArgumentException if a period is negative or the expiry comes before the refresh
     */
    public RefreshAhead(long loadedAt, long refreshAfterNanos, long expireAfterNanos, long staleIfErrorNanos) {
        if (refreshAfterNanos < 0 || staleIfErrorNanos < 0 || expireAfterNanos < refreshAfterNanos) {
            throw new IllegalArgumentException("need 0 <= refreshAfter <= expireAfter and staleIfError >= 0, got "
                    + refreshAfterNanos + ", " + expireAfterNanos + ", " + staleIfErrorNanos + " ns");
        }
        this.refreshAt = loadedAt + refreshAfterNanos;
        this.expireAt = loadedAt + expireAfterNanos;
        this.staleUntil = expireAt + staleIfErrorNanos;
    }

    /**
     * Whether the value is fresh at {@code now}: serve it, nothing to do.
     *
     * @param now a ticker reading
     * @return whether {@code now} is before the refresh time
     */
    public boolean fresh(long now) {
        return now - refreshAt < 0;
    }

    /**
     * Whether the value may be served at {@code now} without loading it first (fresh, or due for a
     * background refresh).
     *
     * @param now a ticker reading
     * @return whether {@code now} is before the expiry
     */
    public boolean usable(long now) {
        return now - expireAt < 0;
    }

    /**
     * Whether the value may still be served at {@code now} because a load failed: before the
     * expiry plus the stale-if-error allowance.
     *
     * @param now a ticker reading
     * @return whether {@code now} is before the end of the allowance
     */
    public boolean usableOnError(long now) {
        return now - staleUntil < 0;
    }

    /**
     * The ticker reading at which the value stops being {@linkplain #usable usable}.
     *
     * @return the expiry, a ticker reading
     */
    public long expireAt() {
        return expireAt;
    }

    /**
     * Starts {@code refresh} on {@code executor} unless a refresh of this value is already in
     * flight. Its end, normal or not, allows the next one; a refresh that failed should call
     * {@link #retryAfter} first, so that reads do not start one on every call.
     *
     * @param executor where the refresh runs
     * @param refresh the refresh; it replaces the value (and this timing) when it succeeds
     * @return whether a refresh was started
     * @throws java.util.concurrent.RejectedExecutionException if the executor refused it (no
     *     refresh is then in flight; the next read may try again)
     */
    public boolean refreshInBackground(Executor executor, Runnable refresh) {
        Objects.requireNonNull(refresh, "refresh");
        if (!refreshing.compareAndSet(false, true)) {
            return false;
        }
        try {
            executor.execute(() -> {
                try {
                    refresh.run();
                } finally {
                    refreshing.set(false);
                }
            });
            return true;
        } catch (RuntimeException rejected) {
            refreshing.set(false);
            throw rejected;
        }
    }

    /**
     * Makes the value due again only at {@code now + delayNanos}: after a failed background
     * refresh, so that the next try waits a while. Does not extend the expiry.
     *
     * @param now a ticker reading
     * @param delayNanos how long to wait
     */
    public void retryAfter(long now, long delayNanos) {
        refreshAt = now + delayNanos;
    }
}
