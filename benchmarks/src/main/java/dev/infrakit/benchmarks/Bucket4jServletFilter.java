package dev.infrakit.benchmarks;

import dev.infrakit.core.http.ClientAddress;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The contender for {@code RateLimitServletFilter}: the servlet filter Bucket4j's reference
 * documentation shows for limiting access to an API (bucket4j.com, "Basic usage" examples), written
 * here for the benchmark from that description with the client address as the key: one bucket per
 * key in a {@link ConcurrentHashMap}, {@code tryConsumeAndReturnRemaining(1)} per request; admitted
 * requests get {@code X-Rate-Limit-Remaining}, rejected ones 429 with
 * {@code X-Rate-Limit-Retry-After-Seconds} and a short text body. No bucket is ever evicted, as in
 * the example. Thread-safe.
 */
final class Bucket4jServletFilter implements Filter {
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Supplier<Bucket> newBucket;
    /** Non-null: answer as {@code RateLimitServletFilter} does (see {@link #sameAnswers}). */
    private final SameAnswers same;
    /** Non-null: key on the client's budget key (IPv6 by /64) as {@code RateLimitServletFilter} does. */
    private final ClientAddress.Resolver sameKeys;

    Bucket4jServletFilter(Supplier<Bucket> newBucket) {
        this(newBucket, null, null);
    }

    private Bucket4jServletFilter(Supplier<Bucket> newBucket, SameAnswers same, ClientAddress.Resolver sameKeys) {
        this.newBucket = newBucket;
        this.same = same;
        this.sameKeys = sameKeys;
    }

    /**
     * The same filter made to give the answers {@code RateLimitServletFilter} gives, as a user
     * wanting them would write it over Bucket4j: {@code RateLimit-Policy} and {@code RateLimit}
     * (IETF draft) on every admitted request; on a refusal 429 with {@code Retry-After}, {@code
     * Cache-Control: no-store}, the {@code RateLimit} headers, the security headers (passed in as
     * name/value pairs, written by hand in such a filter) and an RFC 9457 problem+json body with its
     * length. Compared with it, the figures measure the rate limiting, not the answer's size.
     */
    static Bucket4jServletFilter sameAnswers(Supplier<Bucket> newBucket, String policy, long quota,
            long windowSeconds, String[] securityHeaders) {
        return new Bucket4jServletFilter(newBucket, sameAnswersOf(policy, quota, windowSeconds, securityHeaders), null);
    }

    /**
     * {@link #sameAnswers}, keyed as {@code RateLimitServletFilter} keys a client: by its budget key
     * (an IPv4 address, or an IPv6 address's /64, from infra-core's {@link ClientAddress.Resolver})
     * instead of the raw peer text, so that the same requests get the same answers (keyed on the raw
     * text, an IPv6 client that changes its address within its /64 gets a fresh bucket each time).
     */
    static Bucket4jServletFilter sameAnswersAndKeys(Supplier<Bucket> newBucket, String policy, long quota,
            long windowSeconds, String[] securityHeaders) {
        return new Bucket4jServletFilter(newBucket, sameAnswersOf(policy, quota, windowSeconds, securityHeaders),
                ClientAddress.resolver().build());
    }

    private static SameAnswers sameAnswersOf(String policy, long quota, long windowSeconds, String[] securityHeaders) {
        return new SameAnswers("\"" + policy + "\";q=" + quota + ";w=" + windowSeconds, "\"" + policy + "\";r=",
                securityHeaders);
    }

    private record SameAnswers(String policyHeader, String remainingPrefix, String[] securityHeaders) {
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        HttpServletResponse answer = (HttpServletResponse) response;
        String client = sameKeys == null ? http.getRemoteAddr() : sameKeys.peerBudgetKey(http.getRemoteAddr());
        Bucket bucket = buckets.computeIfAbsent(client, key -> newBucket.get());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (same != null) {
            answerAsInfrakit(probe, answer, request, chain);
            return;
        }
        if (probe.isConsumed()) {
            answer.setHeader("X-Rate-Limit-Remaining", Long.toString(probe.getRemainingTokens()));
            chain.doFilter(request, response);
            return;
        }
        answer.setStatus(429);
        answer.setHeader("X-Rate-Limit-Retry-After-Seconds",
                Long.toString(TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill())));
        answer.setContentType("text/plain");
        answer.getWriter().append("Too many requests");
    }

    private void answerAsInfrakit(ConsumptionProbe probe, HttpServletResponse answer, ServletRequest request,
            FilterChain chain) throws IOException, ServletException {
        long reset = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForReset() + 999_999_999L));
        answer.setHeader("RateLimit-Policy", same.policyHeader());
        answer.setHeader("RateLimit", same.remainingPrefix() + probe.getRemainingTokens() + ";t=" + reset);
        if (probe.isConsumed()) {
            chain.doFilter(request, answer);
            return;
        }
        long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
        String[] headers = same.securityHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            answer.setHeader(headers[i], headers[i + 1]);
        }
        byte[] body = ("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"Rate limit exceeded; retry after " + retryAfter + " seconds.\"}")
                .getBytes(StandardCharsets.UTF_8);
        answer.setStatus(429);
        answer.setHeader("Retry-After", Long.toString(retryAfter));
        answer.setHeader("Cache-Control", "no-store");
        answer.setContentType("application/problem+json");
        answer.setContentLength(body.length);
        answer.getOutputStream().write(body);
    }
}
