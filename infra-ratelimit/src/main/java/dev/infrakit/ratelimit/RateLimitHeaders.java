package dev.infrakit.ratelimit;

import dev.infrakit.core.http.Problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Renders a {@link Decision} for HTTP, as in draft-ietf-httpapi-ratelimit-headers (-09 and later):
 *
 * <pre>
 * RateLimit-Policy: "user";q=100;w=900
 * RateLimit: "user";r=42;t=540
 * Retry-After: 9                          (rejected requests only; whole seconds, rounded up)
 * X-RateLimit-Limit: 100                  (optional legacy headers)
 * X-RateLimit-Remaining: 42
 * X-RateLimit-Reset: 540                  (seconds from now)
 * </pre>
 *
 * <p>{@code q} is a limit's capacity and {@code w} the seconds an empty bucket takes to refill
 * (the period, for "N per period"). A policy with several limits lists each as
 * {@code "<tier>-<w>s"}; {@code RateLimit} reports the most restrictive one, with {@code t} the
 * seconds until every bucket of the key is full. A rejected request gets an RFC 9457 problem body
 * ({@link #problemJson(Decision)}).
 */
public final class RateLimitHeaders {
    /** The media type of {@link #problemJson(Decision)}. */
    public static final String PROBLEM_MEDIA_TYPE = "application/problem+json";

    private RateLimitHeaders() {
    }

    /** The {@code RateLimit-Policy} value for {@code policy}. */
    public static String policy(RateLimitPolicy policy) {
        StringJoiner items = new StringJoiner(", ");
        for (int i = 0; i < policy.size(); i++) {
            Limit limit = policy.limit(i);
            items.add('"' + itemName(policy, i) + "\";q=" + limit.capacity() + ";w=" + windowSeconds(limit));
        }
        return items.toString();
    }

    /** The {@code RateLimit} value for {@code decision}. */
    public static String rateLimit(Decision decision) {
        return '"' + itemName(decision.policy(), decision.bindingLimitIndex()) + "\";r=" + decision.remaining()
                + ";t=" + Decision.ceilSeconds(decision.resetAfterNanos());
    }

    static String itemName(RateLimitPolicy policy, int index) {
        return policy.size() == 1 ? policy.name() : policy.name() + "-" + windowSeconds(policy.limit(index)) + "s";
    }

    private static long windowSeconds(Limit limit) {
        return Decision.ceilSeconds(limit.windowNanos());
    }

    /**
     * All headers for {@code decision}, in order.
     *
     * @param legacy also the {@code X-RateLimit-*} headers
     */
    public static Map<String, String> of(Decision decision, boolean legacy) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("RateLimit-Policy", policy(decision.policy()));
        headers.put("RateLimit", rateLimit(decision));
        if (!decision.allowed()) {
            headers.put("Retry-After", Long.toString(decision.retryAfterSeconds()));
        }
        if (legacy) {
            headers.put("X-RateLimit-Limit", Long.toString(decision.limit()));
            headers.put("X-RateLimit-Remaining", Long.toString(decision.remaining()));
            headers.put("X-RateLimit-Reset", Long.toString(Decision.ceilSeconds(decision.resetAfterNanos())));
        }
        return headers;
    }

    /**
     * The RFC 9457 problem body for a rejected request: {@code type} ({@code about:blank}),
     * {@code title} ("Too Many Requests"), {@code status} (429), {@code detail} (a sentence with
     * the limit and when to retry), {@code retryAfter} (seconds) and {@code violated-policies}.
     */
    public static String problemJson(Decision decision) {
        Limit limit = decision.bindingLimit();
        long seconds = decision.retryAfterSeconds();
        return Problem.of(429, "Too Many Requests", "Rate limit of " + limit + " for tier '" + decision.policy().name()
                        + "' exceeded; retry in " + seconds + (seconds == 1 ? " second." : " seconds."))
                .with("retryAfter", seconds)
                .with("violated-policies", List.of(itemName(decision.policy(), decision.bindingLimitIndex())))
                .toJson();
    }
}
