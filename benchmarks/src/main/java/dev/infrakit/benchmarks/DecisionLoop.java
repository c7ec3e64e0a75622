package dev.infrakit.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongPredicate;

/**
 * The shared-store harnesses' measuring loop: threads deciding as fast as they can until a
 * deadline, on one hot key or on random keys of {@code keys}, counting decisions and refusals.
 */
final class DecisionLoop {
    private DecisionLoop() {
    }

    /** One thread's work; returns what it counted. */
    @FunctionalInterface
    interface Worker {
        long run(int thread, int threads) throws Exception;
    }

    /** Runs {@code worker} on {@code threads} threads at once; the sum of their counts. */
    static long parallel(int threads, Worker worker) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> worker.run(thread, threads)));
            }
            long total = 0;
            for (Future<Long> f : results) {
                total += f.get();
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Thread {@code t} calls {@code decide[t]} for {@code seconds}, on key 7 when {@code hot}, else
     * on random keys below {@code keys}; a {@code false} answer counts in {@code refused}.
     *
     * @return the decisions made
     */
    static long timed(LongPredicate[] decide, boolean hot, int keys, LongAdder refused, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        return parallel(decide.length, (t, n) -> {
            long count = 0;
            while (System.nanoTime() < deadline) {
                if (!decide[t].test(hot ? 7L : ThreadLocalRandom.current().nextLong(keys))) {
                    refused.increment();
                }
                count++;
            }
            return count;
        });
    }
}
