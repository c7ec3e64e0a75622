package dev.infrakit.redis;

import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.RateLimitPolicy;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One of {@link RedisClusterIT}'s instances: a JVM of its own with 8 threads deciding on one
 * cluster from the given moment, printing what it admitted: {@code ADMITTED <n>} on one key of
 * 100/h (25 attempts per thread), or {@code PER-KEY <n0>,<n1>,…} over 1,000 keys of 3/h (each
 * thread tries every key once).
 */
public final class ClusterLoadMain {
    private ClusterLoadMain() {
    }

    /**
     * Runs one instance.
     *
     * @param args {@code one|spread}, the start instant in epoch milliseconds, the key prefix, the
     *     seed URIs (comma-separated)
     */
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        long startAt = Long.parseLong(args[1]);
        String prefix = args[2];
        List<RedisURI> seeds = Arrays.stream(args[3].split(",")).map(RedisURI::create).toList();
        RedisClusterClient client = RedisClusterClient.create(seeds);
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisRateLimitStore store = RedisRateLimitStore.builder(connection).failurePolicy(FailurePolicy.FAIL_CLOSED)
                    .keyPrefix(prefix).commandTimeout(Duration.ofSeconds(10)).build();
            RateLimitPolicy hot = RateLimitPolicy.parse("hot", "100/1h");
            RateLimitPolicy spread = RateLimitPolicy.parse("spread", "3/1h");
            store.tryAcquire(RateLimitPolicy.parse("warm", "1000/1s"), "warm-" + ProcessHandle.current().pid(), 1);
            AtomicIntegerArray admitted = new AtomicIntegerArray(1000);
            ExecutorService threads = Executors.newFixedThreadPool(8);
            long wait = startAt - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                work.add(threads.submit(() -> {
                    if (mode.equals("one")) {
                        for (int i = 0; i < 25; i++) {
                            if (store.tryAcquire(hot, "one-key", 1)) {
                                admitted.incrementAndGet(0);
                            }
                        }
                    } else {
                        for (int i = 0; i < 1000; i++) {
                            int key = (i + thread * 125) % 1000;
                            if (store.tryAcquire(spread, "key-" + key, 1)) {
                                admitted.incrementAndGet(key);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(120, TimeUnit.SECONDS);
            }
            threads.shutdown();
            if (mode.equals("one")) {
                System.out.println("ADMITTED " + admitted.get(0));
            } else {
                StringBuilder line = new StringBuilder("PER-KEY ");
                for (int key = 0; key < 1000; key++) {
                    line.append(key == 0 ? "" : ",").append(admitted.get(key));
                }
                System.out.println(line);
            }
            System.out.flush();
        } finally {
            client.shutdown();
        }
    }
}
