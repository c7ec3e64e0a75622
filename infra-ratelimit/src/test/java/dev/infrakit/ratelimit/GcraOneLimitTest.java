package dev.infrakit.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-limit path of {@link Gcra#acquire} (described from the state the request read and its own
 * compare-and-set left) admits, refuses and describes exactly as the general path does: checked
 * against a policy whose second limit never binds, so the general path runs on the same first limit.
 */
class GcraOneLimitTest {
    @Test
    void everyDecisionEqualsTheGeneralPaths() {
        Random random = new Random(24);
        int[] admitted = {0};
        int[] refused = {0};
        for (int round = 0; round < 200; round++) {
            long capacity = 1 + random.nextInt(20);
            Duration period = Duration.ofMillis(1 + random.nextInt(5_000));
            Limit limit = Limit.of(capacity, period);
            RateLimitPolicy one = RateLimitPolicy.of("one", limit);
            // A limit a thousand times looser over the same period: its bucket is never the binding one.
            RateLimitPolicy general = RateLimitPolicy.of("general", limit, Limit.of(capacity * 1000, period));
            long[] fast = new long[1];
            long[] slow = new long[2];
            long now = 1 + random.nextInt(1_000_000);
            for (int step = 0; step < 300; step++) {
                now += random.nextInt(4) == 0 ? random.nextLong(period.toNanos() / 3 + 1) : 0;
                long permits = 1 + random.nextInt((int) capacity);
                long maxWait = random.nextBoolean() ? 0 : random.nextLong(period.toNanos() + 1);
                Decision a = Gcra.acquire(fast, one, now, permits, maxWait);
                Decision b = Gcra.acquire(slow, general, now, permits, maxWait);
                String at = "round " + round + " step " + step + ": " + a + " vs " + b;
                assertEquals(b.allowed(), a.allowed(), at);
                assertEquals(0, b.bindingLimitIndex(), at);
                assertEquals(b.bindingLimitIndex(), a.bindingLimitIndex(), at);
                assertEquals(b.remaining(), a.remaining(), at);
                assertEquals(b.resetAfterNanos(), a.resetAfterNanos(), at);
                assertEquals(b.delayNanos(), a.delayNanos(), at);
                assertEquals(b.retryAfterNanos(), a.retryAfterNanos(), at);
                assertEquals(slow[0], fast[0], at);
                (a.allowed() ? admitted : refused)[0]++;
            }
        }
        assertTrue(admitted[0] > 5_000 && refused[0] > 5_000, admitted[0] + " admitted, " + refused[0] + " refused");
    }

    @Test
    void aRetiredBucketIsLookedUpAgain() {
        RateLimitPolicy one = RateLimitPolicy.of("one", Limit.of(5, Duration.ofSeconds(1)));
        long[] state = {Gcra.RETIRED};
        assertNull(Gcra.acquire(state, one, 10, 1, 0));
        assertNull(Gcra.acquire(state, one, 10, 1, Duration.ofSeconds(1).toNanos()));
        assertTrue(Gcra.acquire(new long[1], one, 10, 1, 0).allowed());
    }
}
