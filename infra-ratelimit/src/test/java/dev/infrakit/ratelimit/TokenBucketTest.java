package dev.infrakit.ratelimit;

import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenBucketTest {
    private final ManualClock time = ManualClock.create();

    private static int drain(TokenBucket bucket) {
        int n = 0;
        while (bucket.tryAcquire()) {
            n++;
            if (n > 10_000_000) {
                throw new AssertionError("bucket never empties");
            }
        }
        return n;
    }

    @Test
    void burstThenExactRefill() {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("b", "10/1s"), time);
        assertEquals(10, drain(bucket));
        time.advance(Duration.ofMillis(99));
        assertFalse(bucket.tryAcquire(), "99 ms refill less than one token");
        time.advance(Duration.ofMillis(1));
        assertEquals(1, drain(bucket));
        time.advance(Duration.ofMillis(350));
        assertEquals(3, drain(bucket));
        time.advance(Duration.ofMillis(50));
        assertEquals(1, drain(bucket), "the half token left over is kept");
    }

    @Test
    void aLongPauseRefillsToCapacityOnly() {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("b", "5/1m"), time);
        assertEquals(5, drain(bucket));
        time.advance(Duration.ofDays(365 * 50));
        assertEquals(5, drain(bucket));
        time.advance(Duration.ofDays(365 * 100));
        assertEquals(5, drain(bucket), "still correct a century of ticker later");
    }

    @Test
    void burstCapacityDiffersFromRefill() {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.of("b", Limit.of(20, 5, Duration.ofSeconds(1))), time);
        assertEquals(20, drain(bucket));
        time.advance(Duration.ofSeconds(1));
        assertEquals(5, drain(bucket));
    }

    @Test
    void multipleLimitsAllMustAdmit() {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("b", "10/1s, 15/1h"), time);
        assertEquals(10, drain(bucket));
        time.advance(Duration.ofSeconds(1));
        assertEquals(5, drain(bucket), "the hourly limit now binds");
        time.advance(Duration.ofSeconds(10));
        assertEquals(0, drain(bucket), "failed attempts took nothing, but the hour has not refilled");
        time.advance(Duration.ofMinutes(4));
        assertEquals(1, drain(bucket), "one hourly token every 4 minutes");
    }

    @Test
    void permitsAndDecisions() {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("b", "100/15m"), time);
        assertTrue(bucket.tryAcquire(60));
        Decision d = bucket.acquire(30, Duration.ZERO);
        assertTrue(d.allowed());
        assertEquals(10, d.remaining());
        assertEquals(100, d.limit());
        assertEquals(Duration.ofSeconds(90 * 9), d.resetAfter());
        Decision rejected = bucket.acquire(20, Duration.ZERO);
        assertFalse(rejected.allowed());
        assertEquals(Duration.ofSeconds(90), rejected.retryAfter(), "10 more tokens: 10 × 9 s");
        assertEquals(90, rejected.retryAfterSeconds());
        assertEquals(10, rejected.remaining());
        Decision reserved = bucket.acquire(20, Duration.ofSeconds(90));
        assertTrue(reserved.allowed());
        assertEquals(Duration.ofSeconds(90), reserved.delay());
        assertEquals(0, reserved.remaining());
        assertThrows(IllegalArgumentException.class, () -> bucket.tryAcquire(0));
        assertThrows(IllegalArgumentException.class, () -> bucket.tryAcquire(101));
        assertThrows(IllegalArgumentException.class, () -> bucket.acquire(1, Duration.ofSeconds(-1)));
    }

    @Test
    void aHugeCapacityNeverOverflows() {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.of("b", Limit.of(Long.MAX_VALUE, 1, Duration.ofHours(1))), time);
        assertTrue(bucket.tryAcquire(Long.MAX_VALUE / 2));
        Decision d = bucket.acquire(1, Duration.ZERO);
        assertTrue(d.allowed(), d.toString());
        time.advance(Duration.ofDays(365 * 100));
        assertTrue(bucket.tryAcquire(1_000_000));
    }

    @Test
    void unevenRatesNeverAdmitMoreThanThePolicy() {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("b", "3/1s"), time);
        int admitted = drain(bucket);
        for (int i = 0; i < 3000; i++) {
            time.advance(Duration.ofMillis(1));
            admitted += drain(bucket);
        }
        assertTrue(admitted <= 3 + 9, "at most capacity + 3/s × 3 s, got " + admitted);
        assertTrue(admitted >= 3 + 8, "and not much less either, got " + admitted);
    }
}
