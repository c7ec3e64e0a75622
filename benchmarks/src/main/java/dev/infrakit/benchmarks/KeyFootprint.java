package dev.infrakit.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.infrakit.ratelimit.LocalRateLimitStore;
import dev.infrakit.ratelimit.RateLimitPolicy;
import io.github.bucket4j.Bucket;
import org.openjdk.jol.info.GraphLayout;

import java.time.Duration;

/**
 * Measures bytes per idle key with JOL: the whole object graph of each key table holding 100,000
 * keys that each spent one token, minus the key strings (the same in both).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.infrakit.benchmarks.KeyFootprint</pre>
 */
public final class KeyFootprint {
    private KeyFootprint() {
    }

    public static void main(String[] args) {
        int keys = 100_000;
        String[] names = new String[keys];
        for (int i = 0; i < keys; i++) {
            names[i] = "user-" + i;
        }
        long keyBytes = GraphLayout.parseInstance((Object) names).totalSize() - GraphLayout.parseInstance(
                (Object) new String[keys]).totalSize();

        RateLimitPolicy policy = RateLimitPolicy.parse("user", "100/15m");
        LocalRateLimitStore infrakit = LocalRateLimitStore.create();
        RateLimitPolicy twoLimits = RateLimitPolicy.parse("api", "10/1s, 1000/1h");
        LocalRateLimitStore infrakitTwo = LocalRateLimitStore.create();
        Cache<String, Bucket> bucket4j = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(15)).build();
        for (String name : names) {
            infrakit.tryAcquire(policy, name, 1);
            infrakitTwo.tryAcquire(twoLimits, name, 1);
            bucket4j.get(name, k -> Bucket.builder()
                    .addLimit(l -> l.capacity(100).refillGreedy(100, Duration.ofMinutes(15))).build()).tryConsume(1);
        }
        report("infrakit LocalRateLimitStore, 1 limit", GraphLayout.parseInstance(infrakit).totalSize(), keyBytes, keys);
        report("infrakit LocalRateLimitStore, 2 limits", GraphLayout.parseInstance(infrakitTwo).totalSize(), keyBytes, keys);
        report("Caffeine (expireAfterAccess) + Bucket4j, 1 limit", GraphLayout.parseInstance(bucket4j).totalSize(), keyBytes,
                keys);
    }

    private static void report(String what, long total, long keyBytes, int keys) {
        System.out.printf("%-52s %8.1f bytes/key (%.1f with the key string)%n", what,
                (double) (total - keyBytes) / keys, (double) total / keys);
    }
}
