package dev.infrakit.credentials.rotation;

import dev.infrakit.credentials.internal.CronSchedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * When scheduled rotations run: a fixed period, or a cron expression. Immutable and thread-safe.
 *
 * @see RotationEngine#schedule(String, RotationSchedule, java.util.concurrent.ScheduledExecutorService)
 */
@FunctionalInterface
public interface RotationSchedule {

    /** The first time strictly after {@code after} at which a rotation is due. */
    Instant next(Instant after);

    /**
     * Every {@code period}, counted from the previous run (from scheduling, for the first).
     *
     * @throws IllegalArgumentException if {@code period} is under one second
     */
    static RotationSchedule every(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("A rotation period must be at least 1 second, got " + period);
        }
        return new RotationSchedule() {
            @Override
            public Instant next(Instant after) {
                return after.plus(period);
            }

            @Override
            public String toString() {
                return "every " + period;
            }
        };
    }

    /** A cron expression evaluated in UTC; see {@link #cron(String, ZoneId)}. */
    static RotationSchedule cron(String expression) {
        return cron(expression, ZoneOffset.UTC);
    }

    /**
     * A cron expression of five fields, {@code minute hour day-of-month month day-of-week}
     * (minute 0-59, hour 0-23, day 1-31, month 1-12, day of week 0-7 with 0 and 7 Sunday), each
     * {@code *}, a number, a range {@code a-b}, a step {@code *}{@code /n} or {@code a-b/n} or
     * {@code a/n}, or a comma-separated list of those. As in classic cron, when both day of month
     * and day of week are restricted a day matching either is due. Evaluated in {@code zone}; in
     * a daylight-saving gap a due local time runs at the first instant after the gap.
     *
     * @throws IllegalArgumentException naming the field and the bad text if the expression is
     *     malformed, out of range, or never matches (e.g. {@code 0 0 30 2 *})
     */
    static RotationSchedule cron(String expression, ZoneId zone) {
        return CronSchedule.parse(expression, zone);
    }
}
