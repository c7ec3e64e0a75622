package dev.infrakit.core.internal;

import dev.infrakit.core.schedule.Schedule;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.Objects;
import java.util.Optional;

/**
 * A five-field cron expression ({@code minute hour day-of-month month day-of-week}). {@link #next}
 * walks forward day by day (at most {@link #SEARCH_YEARS} years, enough for any expression that
 * can match, e.g. 29 February), and within a matching day takes the first matching hour and minute.
 */
public final class CronSchedule implements Schedule {
    private static final int SEARCH_YEARS = 8;
    private static final String[] FIELD_NAMES = {"minute", "hour", "day-of-month", "month", "day-of-week"};
    private static final int[] MIN = {0, 0, 1, 1, 0};
    private static final int[] MAX = {59, 23, 31, 12, 7};

    private final String expression;
    private final ZoneId zone;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet days;
    private final BitSet months;
    /** 0 = Sunday ... 6 = Saturday (7 folded into 0). */
    private final BitSet weekdays;
    private final boolean dayRestricted;
    private final boolean weekdayRestricted;

    private CronSchedule(String expression, ZoneId zone, BitSet[] fields, boolean dayRestricted,
            boolean weekdayRestricted) {
        this.expression = expression;
        this.zone = zone;
        this.minutes = fields[0];
        this.hours = fields[1];
        this.days = fields[2];
        this.months = fields[3];
        this.weekdays = fields[4];
        if (weekdays.get(7)) {
            weekdays.set(0);
            weekdays.clear(7);
        }
        this.dayRestricted = dayRestricted;
        this.weekdayRestricted = weekdayRestricted;
    }

    /**
     * Parses an expression.
     *
     * @throws IllegalArgumentException if it is malformed or never matches
     */
    public static CronSchedule parse(String expression, ZoneId zone) {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(zone, "zone");
        String[] parts = expression.trim().split("\\s+");
        if (parts.length != 5) {
            throw new IllegalArgumentException("A cron expression needs 5 fields (minute hour day-of-month month "
                    + "day-of-week), got " + (expression.isBlank() ? 0 : parts.length) + " in '" + expression + "'");
        }
        BitSet[] fields = new BitSet[5];
        for (int i = 0; i < 5; i++) {
            fields[i] = parseField(parts[i], i);
        }
        CronSchedule schedule = new CronSchedule(expression.trim(), zone, fields, !parts[2].equals("*"),
                !parts[4].equals("*"));
        if (schedule.find(Instant.parse("2000-01-01T00:00:00Z")).isEmpty()) {
            throw new IllegalArgumentException("The cron expression '" + expression + "' never matches a date");
        }
        return schedule;
    }

    private static BitSet parseField(String text, int field) {
        BitSet set = new BitSet(MAX[field] + 1);
        for (String item : text.split(",", -1)) {
            if (item.isEmpty()) {
                throw bad(field, text, "an empty list item");
            }
            int step = 1;
            String range = item;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                step = number(item.substring(slash + 1), field, text);
                if (step < 1) {
                    throw bad(field, text, "a step of 0");
                }
                range = item.substring(0, slash);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = MIN[field];
                to = field == 4 ? 6 : MAX[field];
            } else {
                int dash = range.indexOf('-');
                if (dash >= 0) {
                    from = number(range.substring(0, dash), field, text);
                    to = number(range.substring(dash + 1), field, text);
                    if (from > to) {
                        throw bad(field, text, "the range " + range + " going backwards");
                    }
                } else {
                    from = number(range, field, text);
                    to = slash >= 0 ? (field == 4 ? 6 : MAX[field]) : from;
                }
            }
            for (int v = from; v <= to; v += step) {
                set.set(v);
            }
        }
        return set;
    }

    private static int number(String s, int field, String text) {
        if (s.isEmpty() || s.length() > 2 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(field, text, "'" + s + "', not a number");
        }
        int v = Integer.parseInt(s);
        if (v < MIN[field] || v > MAX[field]) {
            throw bad(field, text, v + ", outside " + MIN[field] + "-" + MAX[field]);
        }
        return v;
    }

    private static IllegalArgumentException bad(int field, String text, String what) {
        return new IllegalArgumentException("Bad cron " + FIELD_NAMES[field] + " field '" + text + "': " + what);
    }

    @Override
    public Instant next(Instant after) {
        return find(after).orElseThrow(() -> new IllegalStateException("The cron expression '" + expression
                + "' has no time within " + SEARCH_YEARS + " years after " + after));
    }

    private Optional<Instant> find(Instant after) {
        ZonedDateTime start = after.atZone(zone);
        LocalDate day = start.toLocalDate();
        LocalDate end = day.plusYears(SEARCH_YEARS);
        // Candidates are compared as instants, so a day is searched from midnight: in a DST
        // overlap the same local minute can be two instants, and a gap shifts a time forward.
        for (; !day.isAfter(end); day = day.plusDays(1)) {
            if (!dayMatches(day)) {
                continue;
            }
            for (int h = hours.nextSetBit(0); h >= 0; h = hours.nextSetBit(h + 1)) {
                for (int m = minutes.nextSetBit(0); m >= 0; m = minutes.nextSetBit(m + 1)) {
                    Instant candidate = ZonedDateTime.ofLocal(LocalDateTime.of(day, LocalTime.of(h, m)), zone, null)
                            .toInstant();
                    if (candidate.isAfter(after)) {
                        return Optional.of(candidate);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private boolean dayMatches(LocalDate day) {
        if (!months.get(day.getMonthValue())) {
            return false;
        }
        boolean dom = days.get(day.getDayOfMonth());
        boolean dow = weekdays.get(day.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : day.getDayOfWeek().getValue());
        if (dayRestricted && weekdayRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    @Override
    public String toString() {
        return "cron '" + expression + "' (" + zone + ")";
    }
}
