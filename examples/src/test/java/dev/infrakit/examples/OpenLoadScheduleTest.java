package dev.infrakit.examples;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OpenLoadScheduleTest {
    private static OpenLoadSchedule of(String rate, Duration duration) {
        return OpenLoadSchedule.of(new BigDecimal(rate), duration);
    }

    @Test
    void theCountIsRateTimesDurationRoundedDown() {
        assertEquals(100, of("50", Duration.ofSeconds(2)).count());
        assertEquals(4, of("3", Duration.ofMillis(1500)).count(), "4.5 requests: 4 are due within the duration");
        assertEquals(1, of("0.5", Duration.ofSeconds(2)).count());
        assertEquals(0, of("0.5", Duration.ofSeconds(1)).count());
        assertEquals(30_000, of("1000", Duration.ofSeconds(30)).count());
        assertEquals(25, of("2.5E+1", Duration.ofSeconds(1)).count());
        assertEquals(1, of("1000", Duration.ofNanos(1_000_000)).count());
    }

    @Test
    void requestIIsDueAtIOverTheRateExactly() {
        OpenLoadSchedule s = of("50", Duration.ofSeconds(2));
        assertEquals(0, s.dueNanos(0));
        assertEquals(20_000_000, s.dueNanos(1));
        assertEquals(1_980_000_000, s.dueNanos(99));
        OpenLoadSchedule thirds = of("3", Duration.ofSeconds(10));
        assertEquals(333_333_333, thirds.dueNanos(1));
        assertEquals(1_000_000_000, thirds.dueNanos(3), "no drift from a rounded interval");
        assertEquals(9_666_666_666L, thirds.dueNanos(29));
        OpenLoadSchedule slow = of("0.4", Duration.ofSeconds(10));
        assertEquals(4, slow.count());
        assertEquals(7_500_000_000L, slow.dueNanos(3));
        OpenLoadSchedule fast = of("7000", Duration.ofHours(24));
        assertEquals(604_800_000, fast.count());
        assertEquals(86_399_999_857_142L, fast.dueNanos(fast.count() - 1), "the last one is due before the end");
    }

    @Test
    void dueTimesNeverDecreaseAndStayWithinTheDuration() {
        OpenLoadSchedule s = of("7.3", Duration.ofSeconds(9));
        long previous = -1;
        for (long i = 0; i < s.count(); i++) {
            long due = s.dueNanos(i);
            assertEquals(true, due > previous && due < 9_000_000_000L, "request " + i + " due at " + due);
            previous = due;
        }
        assertThrows(IndexOutOfBoundsException.class, () -> s.dueNanos(s.count()));
    }

    @Test
    void refusesANonPositiveRateOrDuration() {
        assertThrows(IllegalArgumentException.class, () -> of("0", Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> of("-1", Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> of("1", Duration.ZERO));
    }
}
