package dev.infrakit.web.servlet;

import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RateLimitServletFilterTest {
    private final RateLimiter limiter = RateLimiter.of(RateLimitPolicy.parse("anonymous", "10/1m"));

    @Test
    void aSettingGivenTwiceIsRefusedByName() {
        RateLimitServletFilter.Builder builder = RateLimitServletFilter.builder(limiter)
                .keyResolver(RateLimitServletFilter.KeyResolver.clientAddress("anonymous"))
                .legacyHeaders(true)
                .problems(ProblemResponses.defaults());
        assertEquals("keyResolver was already set", assertThrows(IllegalStateException.class,
                () -> builder.keyResolver(request -> null)).getMessage());
        assertEquals("legacyHeaders was already set", assertThrows(IllegalStateException.class,
                () -> builder.legacyHeaders(false)).getMessage());
        assertEquals("problems was already set", assertThrows(IllegalStateException.class,
                () -> builder.problems(ProblemResponses.defaults())).getMessage());
    }

    @Test
    void anExemptPathMustStartWithASlash() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RateLimitServletFilter.builder(limiter).exemptPaths("health"));
        assertEquals("An exempt path starts with '/', got 'health'", e.getMessage());
    }

    @Test
    void destroyLeavesAGivenSchedulerRunning() {
        ScheduledExecutorService mine = Executors.newSingleThreadScheduledExecutor();
        try {
            RateLimitServletFilter.builder(limiter).delayScheduler(mine).build().destroy();
            assertFalse(mine.isShutdown());
        } finally {
            mine.shutdownNow();
        }
    }
}
