package dev.infrakit.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RateLimitHeadersTest {
    private final ManualClock time = ManualClock.create();

    @Test
    void admittedRequest() {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("user", "100/15m"), time);
        bucket.tryAcquire(57);
        Decision d = bucket.acquire(1, Duration.ZERO);
        assertEquals(Map.of("RateLimit-Policy", "\"user\";q=100;w=900", "RateLimit", "\"user\";r=42;t=522"),
                RateLimitHeaders.of(d, false));
        Map<String, String> legacy = RateLimitHeaders.of(d, true);
        assertEquals("100", legacy.get("X-RateLimit-Limit"));
        assertEquals("42", legacy.get("X-RateLimit-Remaining"));
        assertEquals("522", legacy.get("X-RateLimit-Reset"));
    }

    @Test
    void rejectedRequestGetsRetryAfterAndAProblem() throws Exception {
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("api", "10/1s, 1000/1h"), time);
        bucket.tryAcquire(10);
        time.advance(Duration.ofMillis(50));
        Decision d = bucket.acquire(1, Duration.ZERO);
        Map<String, String> headers = RateLimitHeaders.of(d, false);
        assertEquals("\"api-1s\";q=10;w=1, \"api-3600s\";q=1000;w=3600", headers.get("RateLimit-Policy"));
        assertEquals("\"api-1s\";r=0;t=36", headers.get("RateLimit"));
        assertEquals("1", headers.get("Retry-After"), "50 ms, rounded up to whole seconds");
        JsonNode problem = new ObjectMapper().readTree(RateLimitHeaders.problemJson(d));
        assertEquals("about:blank", problem.get("type").asText());
        assertEquals("Too Many Requests", problem.get("title").asText());
        assertEquals(429, problem.get("status").asInt());
        assertEquals("Rate limit of 10/1s for tier 'api' exceeded; retry in 1 second.", problem.get("detail").asText());
        assertEquals(1, problem.get("retryAfter").asInt());
        assertEquals("api-1s", problem.get("violated-policies").get(0).asText());
    }
}
