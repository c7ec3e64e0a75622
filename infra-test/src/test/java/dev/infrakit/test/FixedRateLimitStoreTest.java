package dev.infrakit.test;

import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.RateLimitException;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.infrakit.test.FixedRateLimitStore.Answer.allow;
import static dev.infrakit.test.FixedRateLimitStore.Answer.deny;
import static dev.infrakit.test.FixedRateLimitStore.Answer.fail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FixedRateLimitStoreTest {
    private final RateLimitPolicy policy = RateLimitPolicy.parse("api", "10/1m");

    @Test
    void allowingAdmitsEveryRequestAtOnceAndRecordsIt() {
        FixedRateLimitStore store = FixedRateLimitStore.allowing();
        for (int i = 0; i < 50; i++) {
            Decision d = store.acquire(policy, "alice", 3, Duration.ZERO);
            assertTrue(d.allowed());
            assertEquals(Duration.ZERO, d.delay());
            assertEquals(7, d.remaining(), "the first limit's capacity minus the permits");
            assertEquals(10, d.limit());
        }
        assertTrue(store.tryAcquire(policy, "bob", 1));
        assertEquals(51, store.requests().size());
        assertEquals(new FixedRateLimitStore.Request("api", "alice", 3), store.requests().get(0));
        assertEquals(new FixedRateLimitStore.Request("api", "bob", 1), store.requests().get(50));
        assertEquals("fixed", store.name());
    }

    @Test
    void denyingRejectsWithTheGivenRetryAfter() {
        FixedRateLimitStore store = FixedRateLimitStore.denying(Duration.ofSeconds(30));
        Decision d = store.acquire(policy, "alice", 1, Duration.ofMinutes(5));
        assertFalse(d.allowed());
        assertEquals(Duration.ofSeconds(30), d.retryAfter());
        assertEquals(30, d.retryAfterSeconds());
        assertEquals(Duration.ofSeconds(30), d.resetAfter());
        assertEquals(0, d.remaining());
        assertFalse(store.tryAcquire(policy, "alice", 1));
        assertThrows(IllegalArgumentException.class, () -> FixedRateLimitStore.denying(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> FixedRateLimitStore.denying(Duration.ofSeconds(-1)));
    }

    @Test
    void failingThrowsWhatAnUnreachableStoreThrows() {
        FixedRateLimitStore store = FixedRateLimitStore.failing("database unreachable");
        RateLimitException e = assertThrows(RateLimitException.class, () -> store.acquire(policy, "a", 1, Duration.ZERO));
        assertEquals("database unreachable", e.getMessage());
        assertEquals(1, store.requests().size(), "the request is recorded even though it failed");
    }

    @Test
    void aScriptIsAnsweredInOrderAndARequestBeyondItIsRefused() {
        FixedRateLimitStore store = FixedRateLimitStore.scripted(allow(), deny(Duration.ofSeconds(5)), fail("down"));
        assertTrue(store.acquire(policy, "a", 1, Duration.ZERO).allowed());
        assertEquals(Duration.ofSeconds(5), store.acquire(policy, "a", 1, Duration.ZERO).retryAfter());
        assertThrows(RateLimitException.class, () -> store.acquire(policy, "a", 1, Duration.ZERO));
        IllegalStateException used = assertThrows(IllegalStateException.class,
                () -> store.acquire(policy, "a", 1, Duration.ZERO));
        assertTrue(used.getMessage().contains("request 4"), used.getMessage());

        store.then(allow());
        assertTrue(store.acquire(policy, "a", 1, Duration.ZERO).allowed());
    }

    @Test
    void thenAnswersComeBeforeTheFixedAnswer() {
        FixedRateLimitStore store = FixedRateLimitStore.allowing().then(deny(Duration.ofSeconds(1)), deny(Duration.ofSeconds(2)));
        assertEquals(1, store.acquire(policy, "a", 1, Duration.ZERO).retryAfterSeconds());
        assertEquals(2, store.acquire(policy, "a", 1, Duration.ZERO).retryAfterSeconds());
        assertTrue(store.acquire(policy, "a", 1, Duration.ZERO).allowed());
        assertTrue(store.acquire(policy, "a", 1, Duration.ZERO).allowed());
    }

    @Test
    void keepsTheSpisArgumentRules() {
        FixedRateLimitStore store = FixedRateLimitStore.allowing();
        assertThrows(IllegalArgumentException.class, () -> store.acquire(policy, "a", 0, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> store.acquire(policy, "a", 11, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> store.acquire(policy, null, 1, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> store.acquire(null, "a", 1, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> store.acquire(policy, "a", 1, null));
        assertThrows(NullPointerException.class, () -> store.reset(policy, null));
        assertEquals(List.of(), store.requests(), "refused calls are not recorded");
    }

    @Test
    void resetsAndCloseAreRecorded() {
        FixedRateLimitStore store = FixedRateLimitStore.allowing();
        store.reset(policy, "alice");
        store.reset(RateLimitPolicy.parse("login", "5/1m"), "bob");
        assertEquals(List.of("api:alice", "login:bob"), store.resets());
        assertFalse(store.isClosed());
        store.close();
        assertTrue(store.isClosed());
    }

    @Test
    void underARateLimiterTheAnswersReachTheCaller() {
        FixedRateLimitStore store = FixedRateLimitStore.scripted(allow(), deny(Duration.ofSeconds(42)));
        try (RateLimiter limiter = RateLimiter.builder().tier(policy).store(store).build()) {
            assertTrue(limiter.tryAcquire("alice"));
            Decision second = limiter.decide("alice");
            assertFalse(second.allowed());
            assertEquals(42, second.retryAfterSeconds());
        }
        assertFalse(store.isClosed(), "a store given to the limiter is not the limiter's to close");
        assertEquals(List.of("alice", "alice"), store.requests().stream().map(FixedRateLimitStore.Request::key).toList());
    }
}
