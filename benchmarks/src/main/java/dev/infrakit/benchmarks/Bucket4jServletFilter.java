package dev.infrakit.benchmarks;

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

    Bucket4jServletFilter(Supplier<Bucket> newBucket) {
        this.newBucket = newBucket;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        HttpServletResponse answer = (HttpServletResponse) response;
        Bucket bucket = buckets.computeIfAbsent(http.getRemoteAddr(), key -> newBucket.get());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
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
}
