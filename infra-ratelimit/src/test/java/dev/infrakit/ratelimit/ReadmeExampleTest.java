package dev.infrakit.ratelimit;

import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's "In your tests" example, kept compiling and passing. */
class ReadmeExampleTest {
    @Test
    void aLimiterOnAManualClockNeedsNoMock() {
        ManualClock time = ManualClock.create();
        try (RateLimiter limiter = RateLimiter.builder()
                .store(LocalRateLimitStore.builder().ticker(time).sweepExecutor(Runnable::run).build(), true)
                .tier(RateLimitPolicy.parse("user", "2/1m")).build()) {
            assertTrue(limiter.tryAcquire("user", "alice", 1));
            assertTrue(limiter.tryAcquire("user", "alice", 1));
            assertFalse(limiter.tryAcquire("user", "alice", 1));
            time.advance(Duration.ofSeconds(30));
            assertTrue(limiter.tryAcquire("user", "alice", 1));
        }
    }
}
