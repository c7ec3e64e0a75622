package dev.infrakit.core.schedule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleTest {

    private static Instant next(String cron, String after) {
        return Schedule.cron(cron).next(Instant.parse(after));
    }

    @ParameterizedTest(name = "{0} after {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "*/15 * * * *      | 2026-01-01T10:07:00Z | 2026-01-01T10:15:00Z",
        "*/15 * * * *      | 2026-01-01T10:15:00Z | 2026-01-01T10:30:00Z", // strictly after
        "*/15 * * * *      | 2026-01-01T10:14:59.999Z | 2026-01-01T10:15:00Z",
        "*/15 * * * *      | 2026-01-01T23:50:00Z | 2026-01-02T00:00:00Z",
        "5,10-12 1-3/2 * * * | 2026-01-01T00:00:00Z | 2026-01-01T01:05:00Z",
        "5,10-12 1-3/2 * * * | 2026-01-01T01:10:00Z | 2026-01-01T01:11:00Z",
        "5,10-12 1-3/2 * * * | 2026-01-01T01:12:00Z | 2026-01-01T03:05:00Z",
        "5,10-12 1-3/2 * * * | 2026-01-01T03:12:00Z | 2026-01-02T01:05:00Z",
        "0 0 29 2 *        | 2026-03-01T00:00:00Z | 2028-02-29T00:00:00Z", // leap day
        "0 0 * * 7         | 2026-01-01T00:00:00Z | 2026-01-04T00:00:00Z", // 7 is Sunday (2026-01-01 is a Thursday)
        "0 0 * * 0         | 2026-01-01T00:00:00Z | 2026-01-04T00:00:00Z",
        "0 12 * * 1-5      | 2026-01-02T13:00:00Z | 2026-01-05T12:00:00Z", // Friday afternoon -> Monday
        "0 0 13 * 5        | 2026-01-01T00:00:00Z | 2026-01-02T00:00:00Z", // day-of-month OR day-of-week
        "0 0 13 * *        | 2026-01-01T00:00:00Z | 2026-01-13T00:00:00Z",
        "0 0 1 */3 *       | 2026-02-01T00:00:00Z | 2026-04-01T00:00:00Z",
        "30 4 1 1 *        | 2026-01-01T04:30:00Z | 2027-01-01T04:30:00Z",
        "59 23 31 12 *     | 2026-06-01T00:00:00Z | 2026-12-31T23:59:00Z",
        "10/20 * * * *     | 2026-01-01T00:00:00Z | 2026-01-01T00:10:00Z",
        "10/20 * * * *     | 2026-01-01T00:31:00Z | 2026-01-01T00:50:00Z",
        "0 0 31 * *        | 2026-02-01T00:00:00Z | 2026-03-31T00:00:00Z", // skips short months
    })
    void nextTimes(String cron, String after, String expected) {
        assertEquals(Instant.parse(expected), next(cron.trim(), after.trim()));
    }

    @Test
    void zoneIsHonouredAcrossDaylightSaving() {
        Schedule nine = Schedule.cron("0 9 * * *", ZoneId.of("Europe/Paris"));
        assertEquals(Instant.parse("2026-01-01T08:00:00Z"), nine.next(Instant.parse("2026-01-01T00:00:00Z")));
        assertEquals(Instant.parse("2026-07-01T07:00:00Z"), nine.next(Instant.parse("2026-07-01T00:00:00Z")));
        // 02:30 does not exist on 2026-03-29 in Paris: it runs at the first instant after the gap.
        Schedule gap = Schedule.cron("30 2 * * *", ZoneId.of("Europe/Paris"));
        assertEquals(Instant.parse("2026-03-29T01:30:00Z"), gap.next(Instant.parse("2026-03-28T12:00:00Z")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "* * * *           | 5 fields",
        "* * * * * *       | 5 fields",
        "''                | 5 fields",
        "60 * * * *        | minute",
        "* 24 * * *        | hour",
        "* * 0 * *         | day-of-month",
        "* * 32 * *        | day-of-month",
        "* * * 13 *        | month",
        "* * * 0 *         | month",
        "* * * * 8         | day-of-week",
        "*/0 * * * *       | step of 0",
        "5-1 * * * *       | backwards",
        "a * * * *         | not a number",
        "1,,2 * * * *      | empty list item",
        "-5 * * * *        | not a number",
        "0 0 30 2 *        | never matches",
        "0 0 31 4,6,9,11 * | never matches",
    })
    void badExpressionsAreRefusedNamingTheProblem(String cron, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schedule.cron(cron.trim()));
        assertTrue(e.getMessage().contains(expected.trim()), e.getMessage());
    }

    @Test
    void periodSchedule() {
        Schedule daily = Schedule.every(Duration.ofDays(1));
        assertEquals(Instant.parse("2026-01-02T05:00:00Z"), daily.next(Instant.parse("2026-01-01T05:00:00Z")));
        assertThrows(IllegalArgumentException.class, () -> Schedule.every(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Schedule.every(Duration.ofMillis(10)));
    }

    @org.junit.jupiter.api.Test
    void dailyAndWeeklyTimesAndTheInterval() {
        java.time.Instant from = java.time.Instant.parse("2026-11-22T05:00:00Z"); // a Sunday
        Schedule daily = Schedule.dailyAt(java.time.LocalTime.of(3, 30), java.time.ZoneOffset.UTC);
        org.junit.jupiter.api.Assertions.assertEquals(java.time.Instant.parse("2026-11-23T03:30:00Z"), daily.next(from));
        org.junit.jupiter.api.Assertions.assertEquals(java.time.Duration.ofDays(1), daily.interval(from));
        Schedule weekly = Schedule.weeklyAt(java.time.DayOfWeek.SUNDAY, java.time.LocalTime.of(6, 0),
                java.time.ZoneOffset.UTC);
        org.junit.jupiter.api.Assertions.assertEquals(java.time.Instant.parse("2026-11-22T06:00:00Z"), weekly.next(from));
        org.junit.jupiter.api.Assertions.assertEquals(java.time.Duration.ofDays(7), weekly.interval(from));
        org.junit.jupiter.api.Assertions.assertEquals(java.time.Duration.ofHours(1), Schedule.every(
                java.time.Duration.ofHours(1)).interval(from));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Schedule.dailyAt(
                java.time.LocalTime.of(3, 30, 15), java.time.ZoneOffset.UTC));
    }
}
