package dev.infrakit.examples;

import org.HdrHistogram.Histogram;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one load run measured. Errors are non-2xx answers other than 429, timeouts, connection errors and
 * requests not sent or not answered; 429s are counted apart and are not errors. Latencies (microseconds) are
 * those of 2xx answers, measured from when each request was due. Immutable once built (the histogram is a
 * private copy).
 */
final class LoadResult {
    final long planned;
    final long sent;
    final long notSent;
    final long completed;
    final long ok;
    final long rateLimited;
    final long errors;
    final Map<String, Long> errorKinds;
    final long elapsedNanos;
    private final Histogram latencyMicros;

    LoadResult(long planned, long sent, long notSent, long completed, long ok, long rateLimited, long errors,
            Map<String, Long> errorKinds, long elapsedNanos, Histogram latencyMicros) {
        this.planned = planned;
        this.sent = sent;
        this.notSent = notSent;
        this.completed = completed;
        this.ok = ok;
        this.rateLimited = rateLimited;
        this.errors = errors;
        this.errorKinds = Map.copyOf(errorKinds);
        this.elapsedNanos = elapsedNanos;
        this.latencyMicros = latencyMicros;
    }

    /** Errors as a fraction of the planned requests (0 when none were planned). */
    double errorRate() {
        return planned == 0 ? 0 : (double) errors / planned;
    }

    /** Answered requests (any status) per second of the run. */
    double throughput() {
        return elapsedNanos == 0 ? 0 : completed / (elapsedNanos / 1e9);
    }

    /** The latency at {@code percentile} (0-100) in microseconds; -1 when no 2xx answer was measured. */
    long latencyMicros(double percentile) {
        return latencyMicros.getTotalCount() == 0 ? -1 : latencyMicros.getValueAtPercentile(percentile);
    }

    /** The highest latency in microseconds; -1 when no 2xx answer was measured. */
    long maxLatencyMicros() {
        return latencyMicros.getTotalCount() == 0 ? -1 : latencyMicros.getMaxValue();
    }

    /** One threshold's verdict: {@code text} says what was compared and, when it failed, by how much. */
    record Verdict(String name, boolean passed, String text) {
    }

    /**
     * Checks p95 against {@code p95Limit} ({@code p95Text} is how the user wrote it) and the error rate against
     * {@code maxErrorPercent}. A run without a single 2xx answer fails the p95 threshold: there is nothing to
     * measure.
     */
    List<Verdict> check(Duration p95Limit, String p95Text, BigDecimal maxErrorPercent) {
        List<Verdict> verdicts = new ArrayList<>();
        long p95 = latencyMicros(95);
        long limitMicros = p95Limit.toNanos() / 1_000;
        if (p95 < 0) {
            verdicts.add(new Verdict("p95", false, "p95: no 2xx answer to measure (limit " + p95Text + ")"));
        } else if (p95Limit.toNanos() < p95 * 1_000) {
            verdicts.add(new Verdict("p95", false, "p95 " + millis(p95) + " is over the " + p95Text + " limit by "
                    + millis(p95 - limitMicros)));
        } else {
            verdicts.add(new Verdict("p95", true, "p95 " + millis(p95) + " is within " + p95Text));
        }
        BigDecimal percent = planned == 0 ? BigDecimal.ZERO : BigDecimal.valueOf(errors).multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(planned), 4, RoundingMode.HALF_UP);
        String limit = maxErrorPercent.stripTrailingZeros().toPlainString() + "%";
        if (percent.compareTo(maxErrorPercent) > 0) {
            verdicts.add(new Verdict("error-rate", false, "error rate " + percent(percent) + " is over the " + limit
                    + " limit by " + percent.subtract(maxErrorPercent).setScale(2, RoundingMode.HALF_UP).toPlainString()
                    + " percentage points"));
        } else {
            verdicts.add(new Verdict("error-rate", true, "error rate " + percent(percent) + " is within " + limit));
        }
        return verdicts;
    }

    private static String percent(BigDecimal percent) {
        return percent.setScale(2, RoundingMode.HALF_UP).toPlainString() + "%";
    }

    /** Microseconds as milliseconds with two decimals: {@code 1234} → {@code 1.23 ms}. */
    static String millis(long micros) {
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }
}
