package dev.infrakit.ratelimit.internal;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.Ticker;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.Limit;
import dev.infrakit.ratelimit.LocalRateLimitStore;
import dev.infrakit.ratelimit.RateLimitPolicy;
import org.slf4j.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a shared (remote) rate-limit store does when its server cannot answer, written once for the
 * PostgreSQL and Redis stores: the explicit {@link FailurePolicy} (admit, refuse, or decide
 * locally with a fraction of each limit), a retry interval during which the server is not called
 * (so requests do not queue on a dead connection; then one caller at a time probes it), the log
 * lines when it goes and comes back, the health result while it is away, and the decision counters
 * the stores' meters read. Internal: exported to Infrakit's own store modules only. Thread-safe.
 *
 * <p>A store calls {@link #mayCall()} before a round trip (false: answer {@link #onFailure}),
 * {@link #succeeded} or {@link #failed} after it, and {@link #callEnded()} in a {@code finally}.
 */
public final class RemoteStoreGuard {
    private static final long FAIL_CLOSED_RETRY_NANOS = Duration.ofSeconds(1).toNanos();

    private final String server;
    private final FailurePolicy policy;
    private final double fallbackFraction;
    private final long retryIntervalNanos;
    private final Ticker ticker;
    private final Logger log;
    private final LocalRateLimitStore fallback;
    private final Map<String, RateLimitPolicy> fallbackPolicies = new ConcurrentHashMap<>();
    private final AtomicLong downSince = new AtomicLong(-1);
    private final AtomicLong retryAt = new AtomicLong();
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile String lastFailure = "";

    /** Decisions the server admitted. */
    public final LongAdder allowed = new LongAdder();
    /** Decisions the server refused. */
    public final LongAdder rejected = new LongAdder();
    /** Decisions admitted by {@link FailurePolicy#FAIL_OPEN} while the server was away. */
    public final LongAdder failedOpen = new LongAdder();
    /** Decisions refused by {@link FailurePolicy#FAIL_CLOSED} while the server was away. */
    public final LongAdder failedClosed = new LongAdder();
    /** Decisions made by the local fallback while the server was away. */
    public final LongAdder fellBack = new LongAdder();

    /**
     * A guard.
     *
     * @param server the server's name in log lines and health output ({@code PostgreSQL}, {@code Redis})
     * @param policy what to answer while the server is away
     * @param fallbackFraction with {@link FailurePolicy#LOCAL_FALLBACK}: the fraction of each limit
     *     one instance may grant alone, in (0, 1]
     * @param retryInterval how long not to call the server after a failure
     * @param ticker the clock of the retry interval and the local fallback
     * @param log where the store logs
     */
    public RemoteStoreGuard(String server, FailurePolicy policy, double fallbackFraction, Duration retryInterval,
            Ticker ticker, Logger log) {
        this.server = server;
        this.policy = policy;
        this.fallbackFraction = fallbackFraction;
        this.retryIntervalNanos = retryInterval.toNanos();
        this.ticker = ticker;
        this.log = log;
        this.fallback = policy == FailurePolicy.LOCAL_FALLBACK ? LocalRateLimitStore.builder().ticker(ticker).build() : null;
    }

    /**
     * Whether to call the server now: always while it answers; while it is away, only once the
     * retry interval has passed, and then only one caller at a time (the probe).
     */
    public boolean mayCall() {
        if (downSince.get() < 0) {
            return true;
        }
        return ticker.read() - retryAt.get() >= 0 && probing.compareAndSet(false, true);
    }

    /** Ends a call {@link #mayCall()} allowed, whatever its outcome. */
    public void callEnded() {
        probing.set(false);
    }

    /** The server answered: decisions are global again (logged once when it comes back). */
    public void succeeded(boolean admitted) {
        (admitted ? allowed : rejected).increment();
        if (downSince.getAndSet(-1) >= 0) {
            log.info("{} rate-limit store answers again; decisions are global again", server);
        }
    }

    /** The server could not answer (unreachable, timed out): the failure policy answers for a while. */
    public void failed(String reason) {
        long now = ticker.read();
        lastFailure = reason == null || reason.isEmpty() ? "no reason given" : reason;
        retryAt.set(now + retryIntervalNanos);
        if (downSince.compareAndSet(-1, now)) {
            log.warn("{} rate-limit store unavailable ({}); {} until it answers again", server,
                    ClientText.forLog(lastFailure, 1000), describe(policy));
        }
    }

    /** Whether decisions currently fall back to the failure policy. */
    public boolean isUnavailable() {
        return downSince.get() >= 0;
    }

    /** The failure policy's answer for one request. */
    public Decision onFailure(RateLimitPolicy limits, String key, long permits, Duration maxWait) {
        switch (policy) {
            case FAIL_OPEN:
                failedOpen.increment();
                return Decision.admitted(limits, 0, limits.limits().get(0).capacity() - permits, 0, 0);
            case FAIL_CLOSED:
                failedClosed.increment();
                return Decision.rejected(limits, 0, 0, 0, FAIL_CLOSED_RETRY_NANOS);
            default:
                fellBack.increment();
                RateLimitPolicy scaled = fallbackPolicies.computeIfAbsent(limits.name() + '\u0000' + limits.hashCode(),
                        k -> scale(limits, fallbackFraction));
                long localPermits = Math.min(permits, scaled.maxPermits());
                Decision local = fallback.acquire(scaled, key, localPermits, maxWait);
                // Report against the policy the caller knows.
                return local.allowed()
                        ? Decision.admitted(limits, local.bindingLimitIndex(), local.remaining(), local.resetAfterNanos(),
                                local.delayNanos())
                        : Decision.rejected(limits, local.bindingLimitIndex(), local.remaining(), local.resetAfterNanos(),
                                local.retryAfterNanos());
        }
    }

    /** Forgets {@code key}'s state in the local fallback, if there is one. */
    public void resetFallback(RateLimitPolicy limits, String key) {
        if (fallback != null) {
            fallback.reset(limits, key); // by name: the scaled policy shares it
        }
    }

    /**
     * While the server is away: DOWN when failing closed, DEGRADED otherwise, saying for how long
     * and why; empty while it answers (the store then checks the server itself).
     */
    public Optional<HealthResult> unavailableResult() {
        long since = downSince.get();
        if (since < 0) {
            return Optional.empty();
        }
        String output = server + " unavailable for " + Duration.ofNanos(ticker.read() - since).toSeconds()
                + "s (" + lastFailure + "); " + describe(policy);
        return Optional.of(policy == FailurePolicy.FAIL_CLOSED ? HealthResult.down(output).build()
                : HealthResult.degraded(output).build());
    }

    /** For the store's {@code toString()}: the policy, and since when the server is away. */
    public String describeState() {
        long since = downSince.get();
        return policy + (since >= 0 ? ", unavailable for " + Duration.ofNanos(ticker.read() - since).toSeconds() + "s" : "");
    }

    /** Closes the local fallback. */
    public void close() {
        if (fallback != null) {
            fallback.close();
        }
    }

    /**
     * {@code fraction}, checked as a local fallback's share of each limit.
     *
     * @throws IllegalArgumentException unless 0 &lt; fraction ≤ 1
     */
    public static double checkFraction(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fallbackFraction must be in (0, 1], got " + fraction);
        }
        return fraction;
    }

    /**
     * The failure settings a shared store's provider reads from its section: {@code on-failure}
     * (required), {@code fallback-fraction} (default 1), the timeout under {@code timeoutKey}
     * (default 500 ms) and {@code retry-interval} (default 1 s), each checked and named when bad.
     *
     * @param onFailure what to answer while the server cannot
     * @param fallbackFraction the local fallback's share of each limit
     * @param timeout the longest a decision waits for the server
     * @param retryInterval how long not to call the server after a failure
     */
    public record Settings(FailurePolicy onFailure, double fallbackFraction, Duration timeout, Duration retryInterval) {

        /**
         * Reads the settings from {@code section}.
         *
         * @throws dev.infrakit.core.ConfigException naming the key of a missing or bad value
         */
        public static Settings read(dev.infrakit.core.Config section, String timeoutKey) {
            FailurePolicy onFailure = section.getEnum("on-failure", FailurePolicy.class);
            double fraction;
            try {
                fraction = checkFraction(Double.parseDouble(section.getString("fallback-fraction", "1.0")));
            } catch (IllegalArgumentException e) {
                throw section.invalid("fallback-fraction", "expected a number in (0, 1]");
            }
            Duration timeout = section.getDuration(timeoutKey, Duration.ofMillis(500));
            Duration retry = section.getDuration("retry-interval", Duration.ofSeconds(1));
            if (timeout.isZero() || retry.isZero()) {
                throw section.invalid(timeout.isZero() ? timeoutKey : "retry-interval", "expected a positive duration");
            }
            return new Settings(onFailure, fraction, timeout, retry);
        }
    }

    private static String describe(FailurePolicy policy) {
        switch (policy) {
            case FAIL_OPEN:
                return "admitting every request";
            case FAIL_CLOSED:
                return "rejecting every request";
            default:
                return "deciding locally with a fraction of each limit";
        }
    }

    /** {@code policy} with every capacity and refill multiplied by {@code fraction} (at least 1). */
    public static RateLimitPolicy scale(RateLimitPolicy policy, double fraction) {
        List<Limit> limits = new ArrayList<>();
        for (Limit limit : policy.limits()) {
            limits.add(Limit.of(Math.max(1, (long) Math.floor(limit.capacity() * fraction)),
                    Math.max(1, (long) Math.floor(limit.refillTokens() * fraction)), limit.period()));
        }
        RateLimitPolicy scaled = RateLimitPolicy.of(policy.name(), limits.toArray(Limit[]::new));
        return policy.slowDown().map(scaled::withSlowDown).orElse(scaled);
    }
}
