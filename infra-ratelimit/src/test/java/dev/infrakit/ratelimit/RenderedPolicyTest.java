package dev.infrakit.ratelimit;

import dev.infrakit.core.http.Problem;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class RenderedPolicyTest {
    private static final List<RateLimitPolicy> POLICIES = List.of(
            RateLimitPolicy.parse("user", "100/15m"),
            RateLimitPolicy.parse("api", "10/1s, 1000/1h"),
            RateLimitPolicy.parse("a.b_c-d", "1/1h, 5/1d, 2/1m"),
            RateLimitPolicy.of("bench", Limit.of(1_000_000_000L, Duration.ofSeconds(1))),
            RateLimitPolicy.of("odd", Limit.of(7, Duration.ofMillis(1500))),
            RateLimitPolicy.of("burst", Limit.of(50, 5, Duration.ofSeconds(1))),
            RateLimitPolicy.parse("slow", "3/1s").withSlowDown(SlowDown.after(1, Duration.ofMillis(10),
                    Duration.ofMillis(100))));
    private static final long[] NUMBERS = {0, 1, 2, 9, 10, 59, 60, 61, 3599, 3600, 86_400, Long.MAX_VALUE / 1_000_000_000L};

    @Test
    void policyHeaderIsTheItemsOfEveryLimitAsBeforeRendering() {
        for (RateLimitPolicy policy : POLICIES) {
            StringJoiner items = new StringJoiner(", ");
            for (int i = 0; i < policy.size(); i++) {
                Limit limit = policy.limit(i);
                items.add('"' + itemName(policy, i) + "\";q=" + limit.capacity() + ";w="
                        + Decision.ceilSeconds(limit.windowNanos()));
            }
            assertEquals(items.toString(), RateLimitHeaders.policy(policy), policy.toString());
        }
    }

    @Test
    void rateLimitSplicesTheNumbersIntoTheItem() {
        for (RateLimitPolicy policy : POLICIES) {
            for (int i = 0; i < policy.size(); i++) {
                for (long remaining : NUMBERS) {
                    for (long reset : NUMBERS) {
                        assertEquals('"' + itemName(policy, i) + "\";r=" + remaining + ";t=" + reset,
                                policy.rendered().rateLimit(i, remaining, reset));
                    }
                }
            }
        }
    }

    @Test
    void problemBodyIsWhatProblemWritesForEveryLimitAndWait() {
        for (RateLimitPolicy policy : POLICIES) {
            for (int i = 0; i < policy.size(); i++) {
                for (long seconds : NUMBERS) {
                    if (seconds == 0) {
                        continue;
                    }
                    Decision rejected = Decision.rejected(policy, i, 0, seconds * 1_000_000_000L,
                            seconds * 1_000_000_000L);
                    assertEquals(problemByProblem(policy, i, seconds), RateLimitHeaders.problemJson(rejected),
                            policy + " limit " + i + " " + seconds + "s");
                }
            }
        }
    }

    @Test
    void keptTextsAreGivenOnlyForTheirOwnLimitAndSeconds() throws Exception {
        RateLimitPolicy policy = POLICIES.stream().filter(p -> p.size() > 1).findFirst().orElseThrow();
        int[][] calls = {{0, 5}, {0, 5}, {1, 5}, {0, 5}, {0, 6}, {0, 5}, {1, 6}, {1, 6}, {0, 1}, {0, 2}};
        for (int[] call : calls) {
            assertEquals(problemByProblem(policy, call[0], call[1]), policy.rendered().problemJson(call[0], call[1]),
                    "limit " + call[0] + " " + call[1] + "s");
            assertEquals('"' + itemName(policy, call[0]) + "\";r=0;t=" + call[1],
                    policy.rendered().rateLimit(call[0], 0, call[1]), "limit " + call[0] + " t=" + call[1]);
        }
        // Threads asking for different limits and seconds at once each get their own body.
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            int index = t % 2;
            long seconds = 1 + t;
            String expected = problemByProblem(policy, index, seconds);
            threads.add(new Thread(() -> {
                for (int n = 0; n < 20_000 && failures.isEmpty(); n++) {
                    String got = policy.rendered().problemJson(index, seconds);
                    String exhausted = policy.rendered().rateLimit(index, 0, seconds);
                    if (!expected.equals(got) || !exhausted.endsWith(";r=0;t=" + seconds)
                            || !exhausted.startsWith('"' + itemName(policy, index) + '"')) {
                        failures.add(new AssertionError("limit " + index + " " + seconds + "s got " + got + " / " + exhausted));
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void headersOfADecisionMatchTheMapInOrder() {
        RateLimitPolicy policy = POLICIES.get(1);
        Decision rejected = Decision.rejected(policy, 1, 3, 2_500_000_000L, 1_200_000_000L);
        List<String> given = new ArrayList<>();
        RateLimitHeaders.applyTo(rejected, true, (name, value) -> given.add(name + ": " + value));
        assertEquals(List.of("RateLimit-Policy: \"api-1s\";q=10;w=1, \"api-3600s\";q=1000;w=3600",
                "RateLimit: \"api-3600s\";r=3;t=3", "Retry-After: 2", "X-RateLimit-Limit: 1000",
                "X-RateLimit-Remaining: 3", "X-RateLimit-Reset: 3"), given);
        List<String> fromMap = new ArrayList<>();
        RateLimitHeaders.of(rejected, true).forEach((name, value) -> fromMap.add(name + ": " + value));
        assertEquals(given, fromMap);
    }

    @Test
    void aPolicyIsRenderedOnce() {
        RateLimitPolicy policy = RateLimitPolicy.parse("once", "5/1m");
        assertSame(RateLimitHeaders.policy(policy), RateLimitHeaders.policy(policy));
    }

    /** The rendering before it was cut into pieces: a {@link Problem} built per request. */
    private static String problemByProblem(RateLimitPolicy policy, int index, long seconds) {
        return Problem.of(429, "Too Many Requests", "Rate limit of " + policy.limit(index) + " for tier '"
                        + policy.name() + "' exceeded; retry in " + seconds + (seconds == 1 ? " second." : " seconds."))
                .with("retryAfter", seconds)
                .with("violated-policies", List.of(itemName(policy, index)))
                .toJson();
    }

    private static String itemName(RateLimitPolicy policy, int index) {
        return policy.size() == 1 ? policy.name()
                : policy.name() + "-" + Decision.ceilSeconds(policy.limit(index).windowNanos()) + "s";
    }
}
