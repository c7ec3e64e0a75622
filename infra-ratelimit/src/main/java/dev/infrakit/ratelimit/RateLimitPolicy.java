package dev.infrakit.ratelimit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A named set of limits applied together to each key, optionally with slow-down. A request is
 * admitted only when every limit admits it, and a rejected request takes tokens from none.
 *
 * <pre>{@code
 * RateLimitPolicy user = RateLimitPolicy.of("user", Limit.of(100, Duration.ofMinutes(15)));
 * RateLimitPolicy api = RateLimitPolicy.parse("api", "10/1s, 1000/1h");
 * RateLimitPolicy gentle = RateLimitPolicy.of("anonymous", Limit.parse("20/15m"))
 *         .withSlowDown(SlowDown.after(5, Duration.ofMillis(500), Duration.ofSeconds(20)));
 * }</pre>
 *
 * <p>The name is the tier (and the {@code RateLimit-Policy} header's item name): a short token
 * of letters, digits, {@code -}, {@code _} and {@code .}. Immutable.
 */
public final class RateLimitPolicy {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String name;
    private final Limit[] limits;
    private final List<Limit> limitList;
    private final SlowDown slowDown;
    private final long maxCapacity;
    /**
     * The HTTP rendering, made on first use. Racy single-check (as String's hash): two threads may
     * both render it, and either result is the same; its fields are final, so it is seen whole.
     */
    private RenderedPolicy rendered;

    private RateLimitPolicy(String name, Limit[] limits, SlowDown slowDown) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("A policy name must be 1-64 letters, digits, '.', '-' or '_' "
                    + "starting with a letter or digit, got '" + name + "'");
        }
        if (limits.length == 0) {
            throw new IllegalArgumentException("Policy '" + name + "' needs at least one limit");
        }
        for (Limit limit : limits) {
            Objects.requireNonNull(limit, "limit");
        }
        this.name = name;
        this.limits = limits.clone();
        this.limitList = List.of(this.limits);
        this.slowDown = slowDown;
        this.maxCapacity = Arrays.stream(limits).mapToLong(Limit::capacity).min().orElseThrow();
    }

    /**
     * A policy of one or more limits.
     *
     * @throws IllegalArgumentException for a bad name or no limits
     */
    public static RateLimitPolicy of(String name, Limit... limits) {
        return new RateLimitPolicy(name, limits, null);
    }

    /**
     * Parses comma-separated limits, e.g. {@code "10/1s, 1000/1h"}.
     *
     * @throws IllegalArgumentException naming the text that is not a limit
     */
    public static RateLimitPolicy parse(String name, String limits) {
        Objects.requireNonNull(limits, "limits");
        List<Limit> parsed = new ArrayList<>();
        for (String part : limits.split(",")) {
            parsed.add(Limit.parse(part.strip()));
        }
        return new RateLimitPolicy(name, parsed.toArray(Limit[]::new), null);
    }

    /** This policy with slow-down (replacing any it had). */
    public RateLimitPolicy withSlowDown(SlowDown slowDown) {
        return new RateLimitPolicy(name, limits, Objects.requireNonNull(slowDown, "slowDown"));
    }

    /** This policy under another name, for example to copy a tier. */
    public RateLimitPolicy withName(String newName) {
        return new RateLimitPolicy(newName, limits, slowDown);
    }

    /** The name (the tier). */
    public String name() {
        return name;
    }

    /** The limits, in order; slow-down counts on the first. */
    public List<Limit> limits() {
        return limitList;
    }

    /** The slow-down, if any. */
    public Optional<SlowDown> slowDown() {
        return Optional.ofNullable(slowDown);
    }

    /** The largest number of permits one request may ask for: the smallest capacity. */
    public long maxPermits() {
        return maxCapacity;
    }

    /**
     * {@code permits}, checked against this policy.
     *
     * @throws IllegalArgumentException unless 1 ≤ permits ≤ {@link #maxPermits()}
     */
    long checkPermits(long permits) {
        if (permits < 1 || permits > maxCapacity) {
            throw new IllegalArgumentException("permits must be between 1 and " + maxCapacity + " for policy '" + name
                    + "', got " + permits);
        }
        return permits;
    }

    Limit limit(int i) {
        return limits[i];
    }

    int size() {
        return limits.length;
    }

    RenderedPolicy rendered() {
        RenderedPolicy r = rendered;
        if (r == null) {
            r = new RenderedPolicy(this);
            rendered = r;
        }
        return r;
    }

    /**
     * Whether the policy slows down. The per-request paths ask this rather than compare
     * {@link #slowDownOrNull()} with null: a method returning {@code SlowDown} is not inlined while
     * that class is not loaded, which it never is in a service that uses no slow-down.
     */
    boolean hasSlowDown() {
        return slowDown != null;
    }

    SlowDown slowDownOrNull() {
        return slowDown;
    }

    /** Whether {@code other} has the same limits (names and slow-down aside). */
    boolean sameLimits(RateLimitPolicy other) {
        return Arrays.equals(limits, other.limits);
    }

    /** The policy as written: {@code user: 100/15m} or {@code api: 10/1s, 1000/1h}. */
    @Override
    public String toString() {
        return name + ": " + Arrays.stream(limits).map(Limit::toString).collect(Collectors.joining(", "))
                + (slowDown == null ? "" : " (slow-down after " + slowDown.after() + ", +" + slowDown.step().toMillis()
                + "ms per request, max " + slowDown.max().toMillis() + "ms)");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RateLimitPolicy && ((RateLimitPolicy) o).name.equals(name)
                && Arrays.equals(((RateLimitPolicy) o).limits, limits) && Objects.equals(((RateLimitPolicy) o).slowDown, slowDown);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(limits), slowDown);
    }
}
