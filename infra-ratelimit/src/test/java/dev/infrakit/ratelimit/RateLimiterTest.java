package dev.infrakit.ratelimit;

import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimiterTest {
    private final ManualClock time = ManualClock.create();
    private final List<Duration> slept = new ArrayList<>();

    private RateLimiter.Builder builder() {
        return RateLimiter.builder().store(LocalRateLimitStore.builder().ticker(time).sweepExecutor(Runnable::run).build(), true)
                .sleeper(d -> {
                    slept.add(d);
                    time.advance(d);
                });
    }

    private static int drain(RateLimiter limiter, String tier, String subject) {
        int n = 0;
        while (limiter.tryAcquire(tier, subject, 1)) {
            n++;
        }
        return n;
    }

    @Test
    void tiersByRole() {
        try (RateLimiter limiter = builder().tier(RateLimitPolicy.parse("anonymous", "20/15m"))
                .tier(RateLimitPolicy.parse("user", "100/15m")).tier(RateLimitPolicy.parse("admin", "200/15m")).build()) {
            assertEquals(20, drain(limiter, "anonymous", "203.0.113.7"));
            assertEquals(100, drain(limiter, "user", "alice"));
            assertEquals(200, drain(limiter, "admin", "root"));
            assertEquals(100, drain(limiter, "user", "bob"));
            assertEquals(20, drain(limiter, "anonymous", "alice"), "tiers keep separate buckets");
            assertEquals(0, drain(limiter, "user", "alice"), "whatever token alice presents next");
            time.advance(Duration.ofMinutes(15));
            assertEquals(100, drain(limiter, "user", "alice"));
            assertEquals("anonymous", limiter.defaultTier());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> limiter.tryAcquire("guest", "x", 1));
            assertEquals("Unknown rate-limit tier 'guest'; tiers: [anonymous, user, admin]", e.getMessage());
            assertThrows(NullPointerException.class, () -> limiter.tryAcquire("user", null, 1));
        }
    }

    @Test
    void replacingAPolicyKeepsSpentTokens() {
        try (RateLimiter limiter = builder().tier(RateLimitPolicy.parse("user", "100/15m")).build()) {
            for (int i = 0; i < 40; i++) {
                assertTrue(limiter.tryAcquire("user", "alice", 1));
            }
            limiter.updatePolicy(RateLimitPolicy.parse("user", "200/15m"));
            assertEquals(160, drain(limiter, "user", "alice"));
            limiter.updatePolicy(RateLimitPolicy.parse("user", "50/15m"));
            assertEquals(0, drain(limiter, "user", "alice"), "spent 200, capped at the new capacity");
            time.advance(Duration.ofMinutes(15));
            assertEquals(50, drain(limiter, "user", "alice"));
            assertThrows(IllegalArgumentException.class, () -> limiter.updatePolicy(RateLimitPolicy.parse("other", "1/1s")));
        }
    }

    @Test
    void slowDownAfterFiveAddsHalfASecondEachUpToTwentySeconds() {
        RateLimitPolicy policy = RateLimitPolicy.parse("anonymous", "100/15m")
                .withSlowDown(SlowDown.after(5, Duration.ofMillis(500), Duration.ofSeconds(20)));
        try (RateLimiter limiter = builder().tier(policy).build()) {
            List<Long> delays = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Decision d = limiter.decide("anonymous", "ip", 1);
                assertTrue(d.allowed(), "request " + (i + 1));
                delays.add(d.delay().toMillis());
            }
            assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 500L, 1000L, 1500L), delays.subList(0, 8));
            assertEquals(20_000L, delays.get(44), "the 45th waits the maximum");
            assertEquals(20_000L, delays.get(49));
            Decision d = limiter.decide("anonymous", "ip", 1);
            assertEquals(49, d.remaining(), "delayed requests count against the limit: 51 used");
            assertFalse(limiter.tryAcquire("anonymous", "ip", 1), "tryAcquire refuses what would be delayed");
            time.advance(Duration.ofMinutes(15));
            assertEquals(Duration.ZERO, limiter.decide("anonymous", "ip", 1).delay(), "slow-down ends as tokens refill");
        }
    }

    @Test
    void exhaustedSlowDownPolicyRejects() {
        RateLimitPolicy policy = RateLimitPolicy.parse("anonymous", "3/15m")
                .withSlowDown(SlowDown.after(1, Duration.ofMillis(500), Duration.ofSeconds(2)));
        try (RateLimiter limiter = builder().tier(policy).build()) {
            for (int i = 0; i < 3; i++) {
                assertTrue(limiter.decide("anonymous", "ip", 1).allowed());
            }
            Decision rejected = limiter.decide("anonymous", "ip", 1);
            assertFalse(rejected.allowed(), "the next token is 5 minutes away, beyond the 2 s maximum");
            // Admitted again once the next token (5 minutes away) is within the 2 s maximum delay.
            assertEquals(298, rejected.retryAfterSeconds(), rejected.toString());
        }
    }

    @Test
    void acquireWaitsOrReturnsAtOnce() throws Exception {
        try (RateLimiter limiter = builder().tier(RateLimitPolicy.parse("api", "2/1s")).build()) {
            assertTrue(limiter.acquire("k", Duration.ZERO));
            assertTrue(limiter.acquire("k", Duration.ZERO));
            assertTrue(slept.isEmpty());
            assertFalse(limiter.acquire("k", Duration.ofMillis(499)), "the next token is 500 ms away");
            assertTrue(slept.isEmpty(), "returned at once without waiting the timeout");
            assertTrue(limiter.acquire("k", Duration.ofMillis(500)));
            assertEquals(List.of(Duration.ofMillis(500)), slept);
            assertFalse(limiter.tryAcquire("api", "k", 1), "the wait was for that request's own token");
        }
    }

    @Test
    void reserveReturnsTheDelayWithoutWaiting() {
        try (RateLimiter limiter = builder().tier(RateLimitPolicy.parse("api", "1/1s")).build()) {
            assertTrue(limiter.tryAcquire("k"));
            Decision d = limiter.reserve("api", "k", 1, Duration.ofSeconds(5));
            assertTrue(d.allowed());
            assertEquals(Duration.ofSeconds(1), d.delay());
            Decision next = limiter.reserve("api", "k", 1, Duration.ofSeconds(5));
            assertEquals(Duration.ofSeconds(2), next.delay(), "reservations queue up");
            assertTrue(slept.isEmpty());
        }
    }

    @Test
    void builderAndConfigValidation() {
        assertThrows(IllegalStateException.class, () -> RateLimiter.builder().build());
        assertThrows(IllegalArgumentException.class, () -> RateLimiter.builder().tier(RateLimitPolicy.parse("a", "1/1s"))
                .tier(RateLimitPolicy.parse("a", "2/1s")));
        assertThrows(IllegalArgumentException.class, () -> RateLimiter.builder().tier(RateLimitPolicy.parse("a", "1/1s"))
                .defaultTier("b").build());

        try (RateLimiter defaults = RateLimiter.fromConfig(Config.empty())) {
            assertEquals(List.of("anonymous", "user", "admin"), List.copyOf(defaults.tiers()));
            assertEquals("100/15m", defaults.policy("user").limits().get(0).toString());
            assertEquals("memory", defaults.store().name());
        }
        try (RateLimiter configured = RateLimiter.fromConfig(Config.of(Map.of(
                "infrakit.ratelimit.tiers", "free, paid",
                "infrakit.ratelimit.tier.free.limits", "10/1s, 1000/1d",
                "infrakit.ratelimit.tier.free.slow-down.after", "5",
                "infrakit.ratelimit.tier.free.slow-down.step", "500ms",
                "infrakit.ratelimit.tier.free.slow-down.max", "20s",
                "infrakit.ratelimit.tier.paid.limits", "100/1s",
                "infrakit.ratelimit.default-tier", "paid")))) {
            assertEquals("paid", configured.defaultTier());
            assertEquals(SlowDown.after(5, Duration.ofMillis(500), Duration.ofSeconds(20)),
                    configured.policy("free").slowDown().orElseThrow());
            assertEquals(2, configured.policy("free").limits().size());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> RateLimiter.fromConfig(Config.of(Map.of(
                "infrakit.ratelimit.tiers", "free", "infrakit.ratelimit.tier.free.limits", "ten per second"))));
        assertEquals("infrakit.ratelimit.tier.free.limits", e.key());
        assertTrue(e.getMessage().contains("expected N/period such as 100/15m"), e.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> RateLimiter.fromConfig(Config.of(Map.of(
                "infrakit.ratelimit.tiers", "free"))));
        assertEquals("infrakit.ratelimit.tier.free.limits", missing.key());
        assertThrows(ConfigException.class, () -> RateLimiter.fromConfig(Config.of(Map.of(
                "infrakit.ratelimit.memory.max-keys", "0"))));
    }
}
