package dev.infrakit.test.readme;

// README infra-ratelimit
import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.test.FixedRateLimitStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QuoteHandlerTest {
    /** The code under test: a caller over its limit is told when to come back. */
    record QuoteHandler(RateLimiter limiter) {
        String handle(String user) {
            Decision decision = limiter.decide(user);
            return decision.allowed() ? "200 quote" : "429 retry after " + decision.retryAfterSeconds() + "s";
        }
    }

    @Test
    void aCallerOverItsLimitIsToldWhenToComeBack() {
        RateLimiter limiter = RateLimiter.builder().tier(RateLimitPolicy.parse("api", "100/1m"))
                .store(FixedRateLimitStore.denying(Duration.ofSeconds(30))).build();
        assertEquals("429 retry after 30s", new QuoteHandler(limiter).handle("alice"));
    }
}
// END README
