package dev.infrakit.ratelimit;

import dev.infrakit.core.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class RateLimitMetricsTest {
    @Test
    void countsDecisionsByOutcomeAndTracksKeys() {
        ManualClock time = ManualClock.create();
        RateLimitPolicy policy = RateLimitPolicy.parse("user", "3/1h")
                .withSlowDown(SlowDown.after(2, Duration.ofMillis(10), Duration.ofMillis(100)));
        try (RateLimiter limiter = RateLimiter.builder().name("api")
                .store(LocalRateLimitStore.builder().ticker(time).sweepExecutor(Runnable::run).build(), true)
                .tier(policy).build()) {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            new RateLimitMetrics(limiter).bindTo(meters);
            limiter.tryAcquire("a");
            limiter.decide("a");
            limiter.decide("a");
            limiter.decide("a");
            limiter.tryAcquire("b");
            assertEquals(3, count(meters, "allowed"));
            assertEquals(1, count(meters, "delayed"));
            assertEquals(1, count(meters, "rejected"));
            assertEquals(2.0, meters.get("infrakit.ratelimit.keys").tag("limiter", "api").tag("store", "memory")
                    .gauge().value());
            meters.getMeters().forEach(m -> assertNotNull(m.getId().getDescription(),
                    m.getId().getName() + " has no description (Prometheus HELP; promtool wants one)"));
        }
    }

    private static double count(SimpleMeterRegistry meters, String outcome) {
        return meters.get("infrakit.ratelimit.decisions").tag("limiter", "api").tag("outcome", outcome)
                .functionCounter().count();
    }
}
