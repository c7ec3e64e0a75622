package dev.infrakit.benchmarks;

import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.Limit;
import dev.infrakit.ratelimit.RateLimitHeaders;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * What {@code RateLimitServletFilter}'s work per request costs, step by step, beside the steps of
 * {@link Bucket4jServletFilter}: the profile behind the comparison in {@link ServletFilterBenchmark}
 * (run it with {@code -prof gc} for the bytes each step allocates). The steps are the public calls
 * the filter makes, on the same {@link BenchmarkServletRequest} / {@link BenchmarkServletResponse}
 * fakes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RateLimitFilterStepsBenchmark {
    private static final String CLIENT = "10.0.0.1";

    BenchmarkServletRequest request;
    BenchmarkServletResponse response;
    RateLimitServletFilter.KeyResolver resolver;
    RateLimiter limiter;
    Decision admitted;
    Decision rejected;
    Map<String, String> admittedHeaders;
    ConcurrentMap<String, Bucket> buckets;

    @Setup
    public void setUp() {
        request = BenchmarkServletRequest.builder("POST", "/api/v1/items").remoteAddr(CLIENT).build();
        response = new BenchmarkServletResponse();
        resolver = RateLimitServletFilter.KeyResolver.clientAddress(ServletFilterBenchmark.TIER);
        limiter = RateLimiter.of(RateLimitPolicy.of(ServletFilterBenchmark.TIER,
                Limit.of(ServletFilterBenchmark.ADMIT_RATE, Duration.ofSeconds(1))));
        admitted = limiter.decide(ServletFilterBenchmark.TIER, CLIENT, 1);
        admittedHeaders = RateLimitHeaders.of(admitted, false);
        RateLimiter once = RateLimiter.of(RateLimitPolicy.of(ServletFilterBenchmark.TIER, Limit.of(1, Duration.ofHours(1))));
        once.decide(ServletFilterBenchmark.TIER, CLIENT, 1);
        rejected = once.decide(ServletFilterBenchmark.TIER, CLIENT, 1);
        buckets = new ConcurrentHashMap<>();
        buckets.put(CLIENT, Bucket.builder().addLimit(l -> l.capacity(ServletFilterBenchmark.ADMIT_RATE)
                .refillGreedy(ServletFilterBenchmark.ADMIT_RATE, Duration.ofSeconds(1))).build());
        if (!admitted.allowed() || rejected.allowed()) {
            throw new IllegalStateException("expected one admitted and one rejected decision");
        }
    }

    /** The default key: the client's budget key from {@code getRemoteAddr()} (and X-Forwarded-For). */
    @Benchmark
    public RateLimitKey infrakitResolveKey() {
        return resolver.resolve(request);
    }

    @Benchmark
    public Decision infrakitDecide() {
        return limiter.decide(ServletFilterBenchmark.TIER, CLIENT, 1);
    }

    /** {@code RateLimit-Policy} and {@code RateLimit} of an admitted request, in a map. */
    @Benchmark
    public Map<String, String> infrakitRenderHeaders() {
        return RateLimitHeaders.of(admitted, false);
    }

    @Benchmark
    public String infrakitRenderPolicyHeader() {
        return RateLimitHeaders.policy(admitted.policy());
    }

    @Benchmark
    public String infrakitRenderRateLimitHeader() {
        return RateLimitHeaders.rateLimit(admitted);
    }

    /**
     * What the filter does now for an admitted request's headers: both rendered (the policy's
     * part once per policy) and set on the (recycled) response one by one, without a map.
     */
    @Benchmark
    public BenchmarkServletResponse infrakitApplyHeaders() {
        response.recycle();
        RateLimitHeaders.applyTo(admitted, false, response::setHeader);
        return response;
    }

    /** The two headers set on the (recycled) response. */
    @Benchmark
    public BenchmarkServletResponse infrakitSetHeaders() {
        response.recycle();
        admittedHeaders.forEach(response::setHeader);
        return response;
    }

    /** The 429 body of a rejected request. */
    @Benchmark
    public String infrakitRejectProblemJson() {
        return RateLimitHeaders.problemJson(rejected);
    }

    @Benchmark
    public Map<String, String> infrakitRejectHeaders() {
        return RateLimitHeaders.of(rejected, false);
    }

    /** Bucket4j's key and decision: the bucket of {@code getRemoteAddr()}, one token taken. */
    @Benchmark
    public ConsumptionProbe bucket4jResolveAndConsume() {
        return buckets.computeIfAbsent(request.getRemoteAddr(), key -> {
            throw new IllegalStateException("the bucket exists");
        }).tryConsumeAndReturnRemaining(1);
    }

    /** Bucket4j's one header, set on the (recycled) response. */
    @Benchmark
    public BenchmarkServletResponse bucket4jSetHeader() {
        response.recycle();
        response.setHeader("X-Rate-Limit-Remaining", Long.toString(ServletFilterBenchmark.ADMIT_RATE - 1));
        return response;
    }
}
