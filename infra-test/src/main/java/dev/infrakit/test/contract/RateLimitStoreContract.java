package dev.infrakit.test.contract;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.SlowDown;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link RateLimitStore} implementations (the store in-memory
 * {@link dev.infrakit.ratelimit.LocalRateLimitStore} and the PostgreSQL store pass it). Extend it, return a fresh store from {@link #createStore()}, and make
 * {@link #advance(Duration)} move the store's clock forward (for a store on a database clock,
 * shift the time it reads). Policies use long periods, so the little real time a test takes does
 * not refill a token.
 *
 * <pre>{@code
 * class RedisRateLimitStoreTest extends RateLimitStoreContract {
 *     private final ManualClock time = ManualClock.create();
 *
 *     protected RateLimitStore createStore() {
 *         return RedisRateLimitStore.builder(testRedis()).ticker(time).build();
 *     }
 *
 *     protected void advance(Duration amount) {
 *         time.advance(amount);
 *     }
 * }
 * }</pre>
 */
public abstract class RateLimitStoreContract {
    private static final AtomicInteger POLICIES = new AtomicInteger();

    /** The store under test. */
    protected RateLimitStore store;

    /** For subclasses. */
    protected RateLimitStoreContract() {
    }

    /** A new, empty store. */
    protected abstract RateLimitStore createStore() throws Exception;

    /** Moves the store's notion of time forward by {@code amount}. */
    protected abstract void advance(Duration amount) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void optionalCapabilitiesAreNeverNullAndWorkWhenOffered() throws Exception {
        assertNotNull(store.healthCheck(), "healthCheck() returns an Optional, never null");
        assertNotNull(store.metrics(), "metrics() returns an Optional, never null");
        if (store.healthCheck().isPresent()) {
            HealthCheck check = store.healthCheck().get();
            assertNotNull(check.name());
            assertEquals(HealthStatus.UP, check.check().status(), "a working store is healthy");
        }
        if (store.metrics().isPresent()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            store.metrics().get().bindTo(registry);
            assertFalse(registry.getMeters().isEmpty(), "a binder the store offers registers meters");
            assertTrue(store.tryAcquire(policy("1/1h"), "k", 1), "a bound store still decides");
        }
    }

    /** A policy with a name no other test uses, so stores shared between tests stay independent. */
    protected static RateLimitPolicy policy(String limits) {
        return RateLimitPolicy.parse("contract-" + POLICIES.incrementAndGet(), limits);
    }

    private int admitted(RateLimitPolicy policy, String key, int attempts) {
        int ok = 0;
        for (int i = 0; i < attempts; i++) {
            if (store.tryAcquire(policy, key, 1)) {
                ok++;
            }
        }
        return ok;
    }

    @Test
    void admitsTheBurstThenRejectsWithRetryAfter() {
        RateLimitPolicy policy = policy("5/1h");
        for (int i = 0; i < 5; i++) {
            Decision d = store.acquire(policy, "alice", 1, Duration.ZERO);
            assertTrue(d.allowed(), "request " + (i + 1));
            assertEquals(4 - i, d.remaining());
            assertEquals(5, d.limit());
        }
        Decision rejected = store.acquire(policy, "alice", 1, Duration.ZERO);
        assertFalse(rejected.allowed());
        assertEquals(0, rejected.remaining());
        assertEquals(720, rejected.retryAfterSeconds(), "one token every 12 minutes");
        assertTrue(rejected.resetAfter().compareTo(Duration.ofMinutes(59)) > 0, rejected.toString());
    }

    @Test
    void refillsOneTokenPerInterval() throws Exception {
        RateLimitPolicy policy = policy("4/1h");
        assertEquals(4, admitted(policy, "bob", 10));
        advance(Duration.ofMinutes(15).plusSeconds(1));
        assertEquals(1, admitted(policy, "bob", 10));
        advance(Duration.ofHours(5));
        assertEquals(4, admitted(policy, "bob", 10), "never more than the capacity after a long idle time");
    }

    @Test
    void everyLimitMustAdmitAndARejectedRequestTakesNothing() throws Exception {
        RateLimitPolicy policy = policy("3/1h, 2/1m");
        assertEquals(2, admitted(policy, "carol", 5), "the per-minute limit binds first");
        Decision d = store.acquire(policy, "carol", 1, Duration.ZERO);
        assertFalse(d.allowed());
        assertEquals(1, d.bindingLimitIndex());
        advance(Duration.ofSeconds(61));
        // The rejected attempts took nothing from the hourly limit: exactly one is left.
        assertEquals(1, admitted(policy, "carol", 5));
        Decision hourly = store.acquire(policy, "carol", 1, Duration.ZERO);
        assertFalse(hourly.allowed());
        assertEquals(0, hourly.bindingLimitIndex());
    }

    @Test
    void permitsAreCountedAndChecked() {
        RateLimitPolicy policy = policy("10/1h");
        assertTrue(store.tryAcquire(policy, "dave", 7));
        assertFalse(store.tryAcquire(policy, "dave", 4));
        assertTrue(store.tryAcquire(policy, "dave", 3));
        assertThrows(IllegalArgumentException.class, () -> store.tryAcquire(policy, "dave", 0));
        assertThrows(IllegalArgumentException.class, () -> store.tryAcquire(policy, "dave", 11));
        assertThrows(NullPointerException.class, () -> store.tryAcquire(policy, null, 1));
    }

    @Test
    void keysAndTiersAreIndependent() {
        RateLimitPolicy user = policy("2/1h");
        RateLimitPolicy admin = policy("2/1h");
        String longKey = "k".repeat(10_000) + "é☃";
        assertEquals(2, admitted(user, "erin", 5));
        assertEquals(2, admitted(user, "frank", 5));
        assertEquals(2, admitted(admin, "erin", 5), "the same subject in another tier has its own tokens");
        assertEquals(2, admitted(user, longKey, 5));
        assertEquals(2, admitted(user, longKey.substring(1), 5));
    }

    @Test
    void reservesTokensWithinMaxWait() {
        RateLimitPolicy policy = policy("2/1h");
        assertTrue(store.tryAcquire(policy, "gina", 2));
        Decision reserved = store.acquire(policy, "gina", 1, Duration.ofMinutes(31));
        assertTrue(reserved.allowed());
        long delaySeconds = reserved.delay().toSeconds();
        assertTrue(delaySeconds >= 29 * 60 && delaySeconds <= 30 * 60, reserved.toString());
        Decision tooLong = store.acquire(policy, "gina", 1, Duration.ofMinutes(31));
        assertFalse(tooLong.allowed(), "the next token is an hour away");
        assertTrue(tooLong.retryAfter().compareTo(Duration.ofMinutes(28)) > 0, tooLong.toString());
    }

    @Test
    void slowsDownAfterTheFirstRequests() {
        RateLimitPolicy policy = policy("10/1h").withSlowDown(SlowDown.after(2, Duration.ofMillis(100), Duration.ofMillis(250)));
        Duration wait = Duration.ofSeconds(1);
        assertEquals(0, store.acquire(policy, "hank", 1, wait).delayNanos());
        assertEquals(0, store.acquire(policy, "hank", 1, wait).delayNanos());
        assertEquals(Duration.ofMillis(100), store.acquire(policy, "hank", 1, wait).delay());
        assertEquals(Duration.ofMillis(200), store.acquire(policy, "hank", 1, wait).delay());
        assertEquals(Duration.ofMillis(250), store.acquire(policy, "hank", 1, wait).delay(), "capped");
        Decision refused = store.acquire(policy, "hank", 1, Duration.ofMillis(100));
        assertFalse(refused.allowed(), "a delay beyond maxWait is refused");
        assertFalse(store.tryAcquire(policy, "hank", 1), "tryAcquire never admits with a delay");
    }

    @Test
    void aChangedPolicyKeepsTheTokensSpent() {
        RateLimitPolicy small = policy("4/1h");
        assertEquals(3, admitted(small, "ivy", 3));
        RateLimitPolicy bigger = RateLimitPolicy.parse(small.name(), "8/1h");
        store.policyChanged(small, bigger);
        assertEquals(5, admitted(bigger, "ivy", 10));
    }

    @Test
    void resetForgetsWhatOneKeySpentUnderOnePolicy() {
        RateLimitPolicy policy = policy("3/1h, 2/1m");
        RateLimitPolicy other = policy("3/1h");
        assertEquals(2, admitted(policy, "kim", 5));
        assertEquals(2, admitted(policy, "lee", 5));
        assertEquals(3, admitted(other, "kim", 5));
        store.reset(policy, "kim");
        Decision fresh = store.acquire(policy, "kim", 1, Duration.ZERO);
        assertTrue(fresh.allowed(), fresh.toString());
        assertEquals(1, fresh.remaining(), "every bucket full again: the per-minute limit has 1 left");
        assertEquals(0, admitted(policy, "lee", 5), "another key keeps its state");
        assertEquals(0, admitted(other, "kim", 5), "the same key under another policy keeps its state");
        store.reset(policy, "never-seen");
        store.reset(policy("1/1h"), "kim");
        assertThrows(NullPointerException.class, () -> store.reset(policy, null));
        assertThrows(NullPointerException.class, () -> store.reset(null, "kim"));
    }

    @Test
    void concurrentRequestsNeverExceedTheLimit() throws Exception {
        RateLimitPolicy policy = policy("50/1h");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit((Callable<Integer>) () -> admitted(policy, "shared", 40)));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get();
            }
            assertEquals(50, total);
        } finally {
            pool.shutdownNow();
        }
    }
}
