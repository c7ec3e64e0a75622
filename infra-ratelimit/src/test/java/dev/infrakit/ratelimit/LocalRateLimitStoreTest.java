package dev.infrakit.ratelimit;

import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalRateLimitStoreTest {
    private final ManualClock time = ManualClock.create();

    private LocalRateLimitStore.Builder builder() {
        return LocalRateLimitStore.builder().ticker(time).sweepExecutor(Runnable::run).forgetAfter(Duration.ZERO);
    }

    @Test
    void idleKeysAreForgottenOnceFullAgain() {
        RateLimitPolicy policy = RateLimitPolicy.parse("p", "10/1s");
        try (LocalRateLimitStore store = builder().build()) {
            for (int k = 0; k < 1000; k++) {
                assertTrue(store.tryAcquire(policy, "key-" + k, 10));
            }
            assertEquals(1000, store.trackedKeys());
            time.advance(Duration.ofMillis(500));
            store.cleanUp();
            assertEquals(1000, store.trackedKeys(), "half refilled: still remembered");
            assertFalse(store.tryAcquire(policy, "key-1", 6), "and still limited");
            assertTrue(store.tryAcquire(policy, "key-1", 5));
            time.advance(Duration.ofMillis(500));
            store.cleanUp();
            assertEquals(1, store.trackedKeys(), "full again: forgotten, but for key-1 which spent 5 more");
            assertTrue(store.tryAcquire(policy, "key-7", 10), "a forgotten key starts full, as it was");
            assertFalse(store.tryAcquire(policy, "key-7", 1));
        }
    }

    @Test
    void sweepsRunByThemselvesAsKeysArrive() {
        RateLimitPolicy policy = RateLimitPolicy.parse("p", "1/1ms");
        try (LocalRateLimitStore store = builder().build()) {
            for (int k = 0; k < 5000; k++) {
                assertTrue(store.tryAcquire(policy, "key-" + k, 1));
                time.advance(Duration.ofMillis(1));
            }
            assertTrue(store.trackedKeys() < 1100, "swept as they came: " + store.trackedKeys());
        }
    }

    @Test
    void theKeyTableIsBoundedWithoutForgettingSpentTokens() {
        RateLimitPolicy policy = RateLimitPolicy.parse("p", "2/1m");
        try (LocalRateLimitStore store = builder().maxKeys(3).build()) {
            for (int k = 0; k < 3; k++) {
                assertTrue(store.tryAcquire(policy, "key-" + k, 2));
            }
            Decision overflow = store.acquire(policy, "newcomer", 1, Duration.ZERO);
            assertFalse(overflow.allowed());
            assertEquals(1, overflow.retryAfterSeconds());
            assertFalse(store.tryAcquire(policy, "newcomer", 1));
            assertEquals(2, store.overflowRejections());
            assertFalse(store.tryAcquire(policy, "key-0", 1), "known keys are never dropped while they owe tokens");
            time.advance(Duration.ofMinutes(1));
            assertTrue(store.tryAcquire(policy, "newcomer", 1), "room again once the others are full");
            assertEquals(1, store.trackedKeys());
        }
    }

    @Test
    void keysAreForgottenOnlyAfterBeingFullForForgetAfter() {
        RateLimitPolicy policy = RateLimitPolicy.parse("p", "1/1s");
        try (LocalRateLimitStore store = LocalRateLimitStore.builder().ticker(time).sweepExecutor(Runnable::run).build()) {
            assertTrue(store.tryAcquire(policy, "k", 1));
            time.advance(Duration.ofSeconds(10));
            store.cleanUp();
            assertEquals(1, store.trackedKeys(), "full for 9 s: kept");
            time.advance(Duration.ofSeconds(1));
            store.cleanUp();
            assertEquals(0, store.trackedKeys(), "full for 10 s: forgotten");
        }
    }

    @Test
    void multiLimitBucketsAreSweptOnlyWhenEveryLimitIsFull() {
        RateLimitPolicy policy = RateLimitPolicy.parse("p", "2/1s, 3/1h");
        try (LocalRateLimitStore store = builder().build()) {
            assertTrue(store.tryAcquire(policy, "k", 2));
            time.advance(Duration.ofSeconds(2));
            store.cleanUp();
            assertEquals(1, store.trackedKeys(), "the hourly limit still owes");
            assertTrue(store.tryAcquire(policy, "k", 1));
            assertFalse(store.tryAcquire(policy, "k", 1), "hourly: 3 used");
            time.advance(Duration.ofHours(1));
            store.cleanUp();
            assertEquals(0, store.trackedKeys());
        }
    }
}
