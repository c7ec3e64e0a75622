package dev.infrakit.ratelimit;

import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One token bucket: a capacity, refilled continuously at {@code refillTokens} per {@code period}.
 *
 * <p>"N per period" ({@link #of(long, Duration)}, or {@code "100/15m"} in configuration) means a
 * bucket of capacity N refilled at N per period, one token every period/N: a client may burst N
 * requests at once and then continues at the average rate. The same meaning holds everywhere in
 * Infrakit: builders, configuration strings, the demo's flags and the PostgreSQL store.
 *
 * <p>Internally a token costs a whole number of nanoseconds, the emission interval
 * {@code ceil(period / refillTokens)}; when the period does not divide evenly the bucket refills
 * up to 1 ns per token slower than asked, never faster. Rates too fine for that to stay within
 * 1 % (an uneven interval under 100 ns, i.e. over ten million tokens a second) and rates above
 * one token per nanosecond are rejected: count in larger units. The bucket's depth in time ({@code capacity × interval}) is
 * capped at 2<sup>62</sup> ns (146 years), which only affects capacities in the quintillions.
 * Immutable.
 */
public final class Limit {
    static final long MAX_WINDOW_NANOS = 1L << 62;

    private final long capacity;
    private final long refillTokens;
    private final Duration period;
    private final long intervalNanos;
    private final long windowNanos;

    private Limit(long capacity, long refillTokens, Duration period) {
        if (capacity < 1) {
            throw new IllegalArgumentException("A limit's capacity must be at least 1, got " + capacity);
        }
        if (refillTokens < 1) {
            throw new IllegalArgumentException("A limit's refill must be at least 1 token, got " + refillTokens);
        }
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("A limit's period must be positive, got " + period);
        }
        long periodNanos;
        try {
            periodNanos = period.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("A limit's period must be at most 292 years, got " + period, e);
        }
        if (periodNanos < refillTokens) {
            throw new IllegalArgumentException("Refilling " + refillTokens + " tokens per " + period
                    + " is faster than one token per nanosecond; count in larger units");
        }
        long remainder = periodNanos % refillTokens;
        if (remainder != 0 && periodNanos / refillTokens < 100) {
            throw new IllegalArgumentException("Refilling " + refillTokens + " tokens per " + period + " means a token every "
                    + String.format(java.util.Locale.ROOT, "%.2f", (double) periodNanos / refillTokens)
                    + " ns, which whole nanoseconds cannot express within 1 %; count in larger units");
        }
        this.capacity = capacity;
        this.refillTokens = refillTokens;
        this.period = period;
        this.intervalNanos = periodNanos / refillTokens + (periodNanos % refillTokens == 0 ? 0 : 1);
        long high = Math.multiplyHigh(capacity, intervalNanos);
        long window = capacity * intervalNanos;
        this.windowNanos = high != 0 || window < 0 || window > MAX_WINDOW_NANOS ? MAX_WINDOW_NANOS : window;
    }

    /**
     * {@code n} per {@code period}: capacity n, refilled at n per period.
     *
     * @throws IllegalArgumentException if n or the period is not positive, or the rate exceeds one token per ns
     */
    public static Limit of(long n, Duration period) {
        return new Limit(n, n, period);
    }

    /**
     * A bucket of {@code capacity} refilled at {@code refillTokens} per {@code period}, e.g. a
     * burst of 20 at a steady 5 per second: {@code Limit.of(20, 5, Duration.ofSeconds(1))}.
     *
     * @throws IllegalArgumentException for a capacity, refill or period that is not positive
     */
    public static Limit of(long capacity, long refillTokens, Duration period) {
        return new Limit(capacity, refillTokens, period);
    }

    /**
     * Parses {@code "N/period"} such as {@code 100/15m}, {@code 10/1s}, {@code 1000/1h} or
     * {@code 5/PT1S} (a period in {@link Config}'s duration format).
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static Limit parse(String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        String expected = "expected N/period such as 100/15m, 10/1s or 1000/1h";
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("Not a limit: '" + text + "'; " + expected);
        }
        long n;
        try {
            n = Long.parseLong(text.substring(0, slash).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Not a limit: '" + text + "'; " + expected, e);
        }
        Duration period;
        try {
            period = Config.of(Map.of("period", text.substring(slash + 1).strip())).getDuration("period");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Not a limit: '" + text + "'; " + expected, e);
        }
        return of(n, period);
    }

    /** The most tokens the bucket holds: the largest burst. */
    public long capacity() {
        return capacity;
    }

    /** Tokens added per {@link #period()}. */
    public long refillTokens() {
        return refillTokens;
    }

    /** The refill period. */
    public Duration period() {
        return period;
    }

    /** Nanoseconds per token: {@code ceil(period / refillTokens)}. */
    public long intervalNanos() {
        return intervalNanos;
    }

    /** How long an empty bucket takes to become full, in nanoseconds (capacity × interval, capped). */
    public long windowNanos() {
        return windowNanos;
    }

    /** {@code N/period} when capacity equals refill, else {@code capacity burst, refill/period}. */
    @Override
    public String toString() {
        String per = refillTokens + "/" + format(period);
        return capacity == refillTokens ? per : capacity + " burst, " + per;
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        if (d.getNano() == 0) {
            if (s % 86400 == 0) {
                return s / 86400 + "d";
            }
            if (s % 3600 == 0) {
                return s / 3600 + "h";
            }
            if (s % 60 == 0) {
                return s / 60 + "m";
            }
            return s + "s";
        }
        return d.toMillis() + "ms";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit && ((Limit) o).capacity == capacity && ((Limit) o).refillTokens == refillTokens
                && ((Limit) o).period.equals(period);
    }

    @Override
    public int hashCode() {
        return Objects.hash(capacity, refillTokens, period);
    }
}
