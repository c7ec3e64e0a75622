package dev.infrakit.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

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
 * ({@link #problemJson(Decision)}). The parts that never change are rendered once per policy, so a
 * request costs only its numbers. Stateless and thread-safe.
 */
public final class RateLimitHeaders {
    /** The media type of {@link #problemJson(Decision)}. */
    public static final String PROBLEM_MEDIA_TYPE = "application/problem+json";

    private RateLimitHeaders() {
    }

    /** The {@code RateLimit-Policy} value for {@code policy} (rendered once per policy). */
    public static String policy(RateLimitPolicy policy) {
        return policy.rendered().policyHeader();
    }

    /** The {@code RateLimit} value for {@code decision}. */
    public static String rateLimit(Decision decision) {
        return decision.policy().rendered().rateLimit(decision.bindingLimitIndex(), decision.remaining(),
                Decision.ceilSeconds(decision.resetAfterNanos()));
    }

    /**
     * All headers for {@code decision}, in order.
     *
     * @param legacy also the {@code X-RateLimit-*} headers
     */
    public static Map<String, String> of(Decision decision, boolean legacy) {
        Map<String, String> headers = new LinkedHashMap<>();
        applyTo(decision, legacy, headers::put);
        return headers;
    }

    /**
     * Gives every header for {@code decision} to {@code setter}, in the order of {@link #of}
     * ({@code RateLimit-Policy}, {@code RateLimit}, {@code Retry-After} when rejected, then the
     * {@code X-RateLimit-*} headers if {@code legacy}), without collecting them first: what a
     * server adapter calls with its response's {@code setHeader}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static void applyTo(Decision decision, boolean legacy, BiConsumer<String, String> setter) {
        setter.accept("RateLimit-Policy", policy(decision.policy()));
        setter.accept("RateLimit", rateLimit(decision));
        if (!decision.allowed()) {
            setter.accept("Retry-After", Long.toString(decision.retryAfterSeconds()));
        }
        if (legacy) {
            setter.accept("X-RateLimit-Limit", Long.toString(decision.limit()));
            setter.accept("X-RateLimit-Remaining", Long.toString(decision.remaining()));
            setter.accept("X-RateLimit-Reset", Long.toString(Decision.ceilSeconds(decision.resetAfterNanos())));
        }
    }

    /**
     * The RFC 9457 problem body for a rejected request: {@code type} ({@code about:blank}),
     * {@code title} ("Too Many Requests"), {@code status} (429), {@code detail} (a sentence with
     * the limit and when to retry), {@code retryAfter} (seconds) and {@code violated-policies}.
     */
    public static String problemJson(Decision decision) {
        return decision.policy().rendered().problemJson(decision.bindingLimitIndex(), decision.retryAfterSeconds());
    }
}
