package dev.infrakit.ratelimit;

import dev.infrakit.core.Ticker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads hammer shared keys for a fixed time on the real clock; the number admitted never exceeds
 * capacity + elapsed / interval for any limit. Run for 2, 4 and 8 threads, every build.
 */
class ConcurrencyTest {
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    /** Runs {@code body} on {@code threads} threads until the deadline; returns nanos elapsed since {@code start}. */
    private static long hammer(int threads, long start, Runnable body) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        long deadline = start + RUN_NANOS;
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (System.nanoTime() < deadline) {
                    body.run();
                }
            });
            workers.add(worker);
            worker.start();
        }
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        return System.nanoTime() - start;
    }

    private static long bound(Limit limit, long elapsedNanos) {
        return limit.capacity() + elapsedNanos / limit.intervalNanos();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8})
    void oneBucketNeverAdmitsMoreThanThePolicy(int threads) throws Exception {
        long start = System.nanoTime();
        TokenBucket bucket = TokenBucket.of(RateLimitPolicy.parse("c", "500/100ms"), Ticker.systemTicker());
        AtomicLongArray admitted = new AtomicLongArray(1);
        long elapsed = hammer(threads, start, () -> {
            if (bucket.tryAcquire()) {
                admitted.incrementAndGet(0);
            }
        });
        long max = bound(bucket.policy().limits().get(0), elapsed);
        assertTrue(admitted.get(0) <= max, admitted.get(0) + " admitted, bound " + max);
        assertTrue(admitted.get(0) >= 500, "at least the burst: " + admitted.get(0));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8})
    void keyedMultiLimitBucketsStayExactWhileTheSweepDropsFullOnes(int threads) throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("c", "5/2ms, 40/50ms");
        long start = System.nanoTime();
        LocalRateLimitStore store = LocalRateLimitStore.builder().sweepExecutor(Runnable::run).forgetAfter(Duration.ZERO).build();
        int keys = 8;
        AtomicLongArray admitted = new AtomicLongArray(keys);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sweeper = new Thread(() -> {
            while (running.get()) {
                store.cleanUp();
            }
        });
        sweeper.start();
        int[] next = new int[1];
        long elapsed;
        try {
            elapsed = hammer(threads, start, () -> {
                int k = Math.floorMod(Thread.currentThread().hashCode() + next[0]++, keys);
                if (store.tryAcquire(policy, "key-" + k, 1)) {
                    admitted.incrementAndGet(k);
                }
            });
        } finally {
            running.set(false);
            sweeper.join();
        }
        for (int k = 0; k < keys; k++) {
            for (Limit limit : policy.limits()) {
                long max = bound(limit, elapsed);
                assertTrue(admitted.get(k) <= max, "key-" + k + ": " + admitted.get(k) + " admitted, " + limit
                        + " allows " + max);
            }
        }
    }
}
