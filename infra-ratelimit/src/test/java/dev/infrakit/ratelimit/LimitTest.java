package dev.infrakit.ratelimit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LimitTest {

    @Test
    void nPerPeriodMeansCapacityNRefilledContinuously() {
        Limit limit = Limit.parse("100/15m");
        assertEquals(100, limit.capacity());
        assertEquals(100, limit.refillTokens());
        assertEquals(Duration.ofMinutes(15), limit.period());
        assertEquals(9_000_000_000L, limit.intervalNanos(), "one token every 9 s");
        assertEquals(Duration.ofMinutes(15).toNanos(), limit.windowNanos());
        assertEquals("100/15m", limit.toString());
        assertEquals(Limit.of(100, Duration.ofMinutes(15)), limit);
    }

    @Test
    void unevenPeriodsRoundTheIntervalUp() {
        Limit third = Limit.of(3, Duration.ofSeconds(1));
        assertEquals(333_333_334L, third.intervalNanos());
        Limit burst = Limit.of(20, 5, Duration.ofSeconds(1));
        assertEquals(200_000_000L, burst.intervalNanos());
        assertEquals(4_000_000_000L, burst.windowNanos(), "20 tokens at 5/s refill in 4 s");
        assertEquals("20 burst, 5/1s", burst.toString());
    }

    @Test
    void hugeCapacitiesDoNotOverflow() {
        Limit huge = Limit.of(Long.MAX_VALUE, 1, Duration.ofHours(1));
        assertEquals(Limit.MAX_WINDOW_NANOS, huge.windowNanos());
        assertTrue(huge.intervalNanos() >= 1);
        Limit big = Limit.of(1_000_000_000L, Duration.ofHours(1));
        assertEquals(3600, big.intervalNanos());
        assertEquals(Duration.ofHours(1).toNanos(), big.windowNanos());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Limit.of(1_000_000_000_000L, Duration.ofHours(1)))
                .getMessage().contains("a token every 3.60 ns"));
        assertEquals(1, Limit.of(1_000_000_000L, Duration.ofSeconds(1)).intervalNanos(), "even division is exact");
    }

    @Test
    void badLimitsAreRejected() {
        assertEquals("A limit's capacity must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> Limit.of(0, Duration.ofSeconds(1))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Limit.of(-5, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> Limit.of(5, 0, Duration.ofSeconds(1)));
        assertEquals("A limit's period must be positive, got PT-1S",
                assertThrows(IllegalArgumentException.class, () -> Limit.of(5, Duration.ofSeconds(-1))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Limit.of(5, Duration.ZERO));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Limit.of(5, Duration.ofDays(365_000)))
                .getMessage().contains("at most 292 years"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Limit.of(2_000_000_000L, Duration.ofSeconds(1)))
                .getMessage().contains("faster than one token per nanosecond"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"100", "/15m", "100/", "abc/1s", "100/15 parsecs", "100/-1s", "0/1s", "10/0"})
    void badTextIsRejected(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limit.parse(text));
        assertTrue(e.getMessage().contains(text) || e.getMessage().contains("must"), e.getMessage());
    }

    @Test
    void policiesParseSeveralLimits() {
        RateLimitPolicy policy = RateLimitPolicy.parse("api", " 10/1s , 1000/1h ");
        assertEquals(List.of(Limit.of(10, Duration.ofSeconds(1)), Limit.of(1000, Duration.ofHours(1))), policy.limits());
        assertEquals(10, policy.maxPermits());
        assertEquals("api: 10/1s, 1000/1h", policy.toString());
        assertThrows(IllegalArgumentException.class, () -> RateLimitPolicy.of("bad name"));
        assertThrows(IllegalArgumentException.class, () -> RateLimitPolicy.of("empty"));
        assertThrows(IllegalArgumentException.class, () -> RateLimitPolicy.parse("api", "10/1s,,1/1h"));
        assertThrows(IllegalArgumentException.class, () -> SlowDown.after(-1, Duration.ofMillis(1), Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> SlowDown.after(1, Duration.ZERO, Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> SlowDown.after(1, Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
