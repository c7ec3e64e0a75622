package dev.infrakit.examples;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner against fake senders: every planned request ends as exactly one outcome. */
class LoadRunTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    private static OpenLoadSchedule schedule(int rate, Duration duration) {
        return OpenLoadSchedule.of(BigDecimal.valueOf(rate), duration);
    }

    @Test
    void countsEachOutcomeOnceAnd429sApartFromErrors() throws Exception {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try {
            LoadRun.Sender sender = i -> {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                Runnable answer = () -> {
                    if (i % 10 == 0) {
                        f.complete(429);
                    } else if (i % 10 == 1) {
                        f.complete(500);
                    } else if (i % 10 == 2) {
                        f.completeExceptionally(new HttpTimeoutException("request timed out"));
                    } else if (i % 10 == 3) {
                        f.completeExceptionally(new ConnectException());
                    } else {
                        f.complete(200);
                    }
                };
                later.schedule(answer, 2, TimeUnit.MILLISECONDS); // answered on another thread
                return f;
            };
            LoadResult r = LoadRun.run(schedule(1000, Duration.ofMillis(200)), sender, 1000, Duration.ofSeconds(5), QUIET);
            assertEquals(200, r.planned);
            assertEquals(200, r.sent);
            assertEquals(0, r.notSent);
            assertEquals(160, r.completed, "answers with a status, whatever it is");
            assertEquals(120, r.ok);
            assertEquals(20, r.rateLimited);
            assertEquals(60, r.errors);
            assertEquals(Map.of("HTTP 500", 20L, "timeout", 20L, "connection refused", 20L), r.errorKinds);
            assertEquals(0.3, r.errorRate(), 1e-9);
            assertTrue(r.latencyMicros(50) >= 1_000, "at least the 2 ms the fake takes, from when each was due");
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void requestsOverTheInFlightBoundAreErrorsAndUnansweredOnesAreCountedAtTheEnd() throws Exception {
        List<CompletableFuture<Integer>> open = new java.util.ArrayList<>();
        LoadRun.Sender never = i -> {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            open.add(f);
            return f;
        };
        LoadResult r = LoadRun.run(schedule(1000, Duration.ofMillis(50)), never, 10, Duration.ofMillis(50), QUIET);
        assertEquals(50, r.planned);
        assertEquals(10, r.sent);
        assertEquals(40, r.notSent);
        assertEquals(50, r.errors, "nothing dropped silently");
        assertEquals(Map.of(LoadRun.NOT_SENT, 40L, LoadRun.NO_ANSWER, 10L), r.errorKinds);
        open.forEach(f -> f.complete(200));
        assertEquals(0, r.ok, "a late answer changes nothing once the run is over");
    }

    @Test
    void latencyCountsFromWhenARequestWasDueSoAStalledSenderCannotHideIt() throws Exception {
        // Request 0 stalls the sender for 200 ms; requests 1..9 were due every 10 ms meanwhile. Each answer is
        // instant, but each waited: measured from when it was due, every latency is over 100 ms.
        ConcurrentLinkedQueue<Long> order = new ConcurrentLinkedQueue<>();
        LoadRun.Sender stalling = i -> {
            order.add(i);
            if (i == 0) {
                long until = System.nanoTime() + 200_000_000L;
                while (System.nanoTime() < until) {
                    LockSupport.parkNanos(until - System.nanoTime());
                }
            }
            return CompletableFuture.completedFuture(200);
        };
        LoadResult r = LoadRun.run(schedule(100, Duration.ofMillis(100)), stalling, 100, Duration.ofSeconds(1), QUIET);
        assertEquals(10, r.ok);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), List.copyOf(order));
        assertTrue(r.latencyMicros(0) >= 100_000, "min latency " + r.latencyMicros(0) + " µs");
        assertTrue(r.maxLatencyMicros() >= 190_000, "max latency " + r.maxLatencyMicros() + " µs");
    }

    @Test
    void aSenderThatThrowsIsAnErrorNotACrash() throws Exception {
        LoadRun.Sender broken = i -> {
            throw new IllegalArgumentException("bad request");
        };
        LoadResult r = LoadRun.run(schedule(100, Duration.ofMillis(50)), broken, 10, Duration.ofSeconds(1), QUIET);
        assertEquals(5, r.errors);
        assertEquals(Map.of("client error (IllegalArgumentException)", 5L), r.errorKinds);
    }

    @Test
    void thresholdsSayWhichFailedAndByHowMuch() {
        Histogram h = new Histogram(3);
        for (int i = 1; i <= 100; i++) {
            h.recordValue(i * 10_000L); // 10 ms … 1000 ms
        }
        LoadResult r = new LoadResult(103, 103, 0, 100, 100, 0, 3, Map.of("HTTP 500", 3L), 2_000_000_000L, h);
        List<LoadResult.Verdict> v = r.check(Duration.ofMillis(500), "500ms", new BigDecimal("2"));
        assertFalse(v.get(0).passed());
        assertEquals("p95 950.27 ms is over the 500ms limit by 450.27 ms", v.get(0).text());
        assertFalse(v.get(1).passed());
        assertEquals("error rate 2.91% is over the 2% limit by 0.91 percentage points", v.get(1).text());
        List<LoadResult.Verdict> lenient = r.check(Duration.ofSeconds(1), "1s", new BigDecimal("5"));
        assertTrue(lenient.get(0).passed() && lenient.get(1).passed(), lenient.toString());
        assertEquals("error rate 2.91% is within 5%", lenient.get(1).text());

        LoadResult none = new LoadResult(10, 10, 0, 10, 0, 10, 0, Map.of(), 1_000_000_000L, new Histogram(3));
        List<LoadResult.Verdict> nothing = none.check(Duration.ofSeconds(1), "1s", BigDecimal.ONE);
        assertFalse(nothing.get(0).passed(), "no 2xx answer: p95 cannot pass");
        assertTrue(nothing.get(1).passed(), "429s are not errors");
    }
}
