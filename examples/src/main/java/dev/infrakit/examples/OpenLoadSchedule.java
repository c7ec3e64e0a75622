package dev.infrakit.examples;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * When each request of an open-model load test is due: request {@code i} is due {@code i / rate} seconds
 * after the start, whether or not earlier requests have been answered, and there are exactly
 * {@code floor(rate × duration)} of them. Immutable.
 */
final class OpenLoadSchedule {
    private final BigDecimal rate;
    private final long count;
    // rate = rateUnscaled / 10^scale, so i / rate seconds = i × nanosFactor / rateUnscaled nanoseconds, exactly.
    private final BigInteger rateUnscaled;
    private final BigInteger nanosFactor;

    private OpenLoadSchedule(BigDecimal rate, long count) {
        this.rate = rate;
        this.count = count;
        BigDecimal r = rate.stripTrailingZeros();
        if (r.scale() < 0) {
            r = r.setScale(0, RoundingMode.UNNECESSARY);
        }
        this.rateUnscaled = r.unscaledValue();
        this.nanosFactor = BigInteger.TEN.pow(r.scale()).multiply(BigInteger.valueOf(1_000_000_000L));
    }

    /**
     * A schedule of {@code rate} requests per second for {@code duration}.
     *
     * @throws IllegalArgumentException if the rate or the duration is not positive
     */
    static OpenLoadSchedule of(BigDecimal rate, Duration duration) {
        if (rate.signum() <= 0) {
            throw new IllegalArgumentException("rate must be positive, got " + rate);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, got " + duration);
        }
        BigDecimal seconds = new BigDecimal(duration.getSeconds()).add(BigDecimal.valueOf(duration.getNano(), 9));
        return new OpenLoadSchedule(rate, rate.multiply(seconds).setScale(0, RoundingMode.FLOOR).longValueExact());
    }

    /** How many requests the run sends: {@code floor(rate × duration)} (may be 0). */
    long count() {
        return count;
    }

    BigDecimal rate() {
        return rate;
    }

    /** When request {@code i} (from 0) is due, in nanoseconds after the start: {@code floor(i × 1e9 / rate)}. */
    long dueNanos(long i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("request " + i + " of " + count);
        }
        return BigInteger.valueOf(i).multiply(nanosFactor).divide(rateUnscaled).longValueExact();
    }
}
