package dev.infrakit.core.schedule;

import dev.infrakit.core.internal.CronSchedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * When a scheduled task runs (a credential rotation, a backup): a fixed period, a time of day, a
 * day of the week at a time, or a cron expression. Immutable and thread-safe.
 *
 * @see ScheduledJob#start
 */
@FunctionalInterface
public interface Schedule {

    /** The first time strictly after {@code after} at which a run is due. */
    Instant next(Instant after);

    /**
     * Every {@code period}, counted from the previous run (from scheduling, for the first).
     *
     * @throws IllegalArgumentException if {@code period} is under one second
     */
    static Schedule every(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("A schedule period must be at least 1 second, got " + period);
        }
        return new Schedule() {
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
    static Schedule cron(String expression) {
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
    static Schedule cron(String expression, ZoneId zone) {
        return CronSchedule.parse(expression, zone);
    }

    /** Every day at {@code time} (whole minutes) in {@code zone}. */
    static Schedule dailyAt(java.time.LocalTime time, ZoneId zone) {
        requireWholeMinute(time);
        return cron(time.getMinute() + " " + time.getHour() + " * * *", zone);
    }

    /** Every week on {@code day} at {@code time} (whole minutes) in {@code zone}. */
    static Schedule weeklyAt(java.time.DayOfWeek day, java.time.LocalTime time, ZoneId zone) {
        requireWholeMinute(time);
        return cron(time.getMinute() + " " + time.getHour() + " * * " + (day.getValue() % 7), zone);
    }

    private static void requireWholeMinute(java.time.LocalTime time) {
        if (time.getSecond() != 0 || time.getNano() != 0) {
            throw new IllegalArgumentException("A scheduled time is whole minutes, got " + time);
        }
    }

    /**
     * The time between the first two runs after {@code from}: the schedule's interval (for a
     * freshness check's default limit).
     */
    default Duration interval(Instant from) {
        Instant first = next(from);
        return Duration.between(first, next(first));
    }
}
