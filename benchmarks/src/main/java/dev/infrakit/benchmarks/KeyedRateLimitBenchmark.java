package dev.infrakit.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import io.github.bucket4j.Bucket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * 100,000 keys, a random one per call, each limited to 1000 per second: Infrakit's keyed limiter
 * against Bucket4j buckets in a Caffeine cache that expires idle keys, the setup Bucket4j's
 * documentation recommends for per-key limits.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyedRateLimitBenchmark {
    static final int KEYS = 100_000;
    static final String[] NAMES = new String[KEYS];

    static {
        for (int i = 0; i < KEYS; i++) {
            NAMES[i] = "user-" + i;
        }
    }

    /** Both key tables, filled with every key before measuring. */
    @State(Scope.Benchmark)
    public static class Tables {
        RateLimiter infrakit;
        Cache<String, Bucket> bucket4j;

        @Setup
        public void setUp() {
            infrakit = RateLimiter.of(RateLimitPolicy.parse("user", "1000/1s"));
            bucket4j = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(1)).maximumSize(1_000_000).build();
            for (String name : NAMES) {
                infrakit.tryAcquire(name);
                bucket4j.get(name, KeyedRateLimitBenchmark::newBucket).tryConsume(1);
            }
        }

        @TearDown
        public void tearDown() {
            infrakit.close();
        }
    }

    /** A per-thread xorshift generator, so picking a key costs no shared state. */
    @State(Scope.Thread)
    public static class Picker {
        long seed = System.nanoTime() | 1;

        String next() {
            long x = seed;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            seed = x;
            return NAMES[(int) ((x >>> 1) % KEYS)];
        }
    }

    static Bucket newBucket(String key) {
        return Bucket.builder().addLimit(limit -> limit.capacity(1000).refillGreedy(1000, Duration.ofSeconds(1))).build();
    }

    @Benchmark
    public boolean infrakit(Tables tables, Picker picker) {
        return tables.infrakit.tryAcquire(picker.next());
    }

    @Benchmark
    public boolean bucket4j(Tables tables, Picker picker) {
        return tables.bucket4j.get(picker.next(), KeyedRateLimitBenchmark::newBucket).tryConsume(1);
    }
}
