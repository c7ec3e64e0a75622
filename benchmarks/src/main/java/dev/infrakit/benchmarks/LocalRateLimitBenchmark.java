package dev.infrakit.benchmarks;

import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.Limit;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.TokenBucket;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One shared limiter, always-admit path (a rate no benchmark can exhaust: 10⁹ per second): the
 * cost of a yes/no decision. Run with {@code -t 1} and {@code -t 2} (threads share the limiter).
 * {@link #nanoTime()} is the cost of the clock read every contender needs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalRateLimitBenchmark {
    static final long RATE = 1_000_000_000L;

    TokenBucket infrakit;
    Bucket bucket4j;
    com.google.common.util.concurrent.RateLimiter guava;
    RateLimiter resilience4j;

    @Setup
    public void setUp() {
        infrakit = TokenBucket.of(RateLimitPolicy.of("bench", Limit.of(RATE, Duration.ofSeconds(1))));
        bucket4j = Bucket.builder().addLimit(limit -> limit.capacity(RATE).refillGreedy(RATE, Duration.ofSeconds(1))).build();
        guava = com.google.common.util.concurrent.RateLimiter.create(RATE);
        resilience4j = RateLimiter.of("bench", RateLimiterConfig.custom().limitForPeriod(Integer.MAX_VALUE)
                .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build());
    }

    @Benchmark
    public boolean infrakit() {
        return infrakit.tryAcquire();
    }

    /** The verbose path: a full {@code Decision} (remaining, reset, retry-after) for headers. */
    @Benchmark
    public Decision infrakitDecision() {
        return infrakit.acquire(1, Duration.ZERO);
    }

    @Benchmark
    public boolean bucket4j() {
        return bucket4j.tryConsume(1);
    }

    @Benchmark
    public boolean guava() {
        return guava.tryAcquire();
    }

    @Benchmark
    public boolean resilience4j() {
        return resilience4j.acquirePermission();
    }

    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }
}
