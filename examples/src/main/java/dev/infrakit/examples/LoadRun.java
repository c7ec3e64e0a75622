package dev.infrakit.examples;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One open-model load run: request {@code i} is due at {@code start + schedule.dueNanos(i)} and is sent then
 * (or at once, if the sender is late) without waiting for any answer; its latency is measured from when it was
 * due, not from when it went out, so time spent queueing behind a slow server (or a late sender) is counted
 * rather than hidden: the coordinated-omission correction.
 *
 * <p>The scheme: the calling thread is the sender; it parks until each request is due and hands it to an
 * asynchronous {@link Sender}. Answers arrive on other threads and are tallied under one lock (a few counters
 * and a histogram update: cheap next to a network round trip). Every planned request ends as exactly one
 * outcome: a response (2xx, 429 or another status), an exception (timeout, connection error), "not sent"
 * when {@code maxInFlight} requests are already waiting, or "no answer" when it is still open once the drain
 * period after the last send has passed. The latch counts outcomes; once the run is closed, late answers are
 * ignored, so nothing is counted twice and nothing is dropped silently.
 */
final class LoadRun {
    /** Error kind of a request refused locally because {@code maxInFlight} requests were open. */
    static final String NOT_SENT = "not sent: too many in flight";
    /** Error kind of a request still open when the drain period ended. */
    static final String NO_ANSWER = "no answer by the end of the run";

    /** Sends request {@code i} asynchronously; the future completes with the HTTP status or an exception. */
    interface Sender {
        CompletableFuture<Integer> send(long i);
    }

    private final OpenLoadSchedule schedule;
    private final Sender sender;
    private final int maxInFlight;
    private final Duration drain;
    private final PrintStream progress;

    private final Object lock = new Object();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch outcomes;
    // Guarded by lock.
    private boolean closed;
    private long outcomeCount;
    private long sent;
    private long notSent;
    private long completed;
    private long ok;
    private long rateLimited;
    private long errors;
    private long lastOutcomeNanos;
    private final Map<String, Long> errorKinds = new TreeMap<>();
    private final Histogram latency = new Histogram(3);
    private final Histogram interval = new Histogram(3);

    private LoadRun(OpenLoadSchedule schedule, Sender sender, int maxInFlight, Duration drain, PrintStream progress) {
        this.schedule = schedule;
        this.sender = sender;
        this.maxInFlight = maxInFlight;
        this.drain = drain;
        this.progress = progress;
        this.outcomes = new CountDownLatch((int) Math.min(schedule.count(), Integer.MAX_VALUE));
    }

    /**
     * Runs the schedule to its end, then waits up to {@code drain} for open requests; progress once a second on
     * {@code progress}.
     *
     * @throws InterruptedException if the calling thread is interrupted
     */
    static LoadResult run(OpenLoadSchedule schedule, Sender sender, int maxInFlight, Duration drain,
            PrintStream progress) throws InterruptedException {
        if (schedule.count() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("at most " + Integer.MAX_VALUE + " requests in one run");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        return new LoadRun(schedule, sender, maxInFlight, drain, progress).run();
    }

    private LoadResult run() throws InterruptedException {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "infrakit-loadtest-progress");
            t.setDaemon(true);
            return t;
        });
        long start = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> report(start), 1, 1, TimeUnit.SECONDS);
        try {
            for (long i = 0; i < schedule.count(); i++) {
                long due = start + schedule.dueNanos(i);
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
                send(i, due);
            }
            if (!outcomes.await(drain.toNanos(), TimeUnit.NANOSECONDS)) {
                synchronized (lock) {
                    // Every request has been sent or refused; those without an outcome yet are still open.
                    long open = schedule.count() - outcomeCount;
                    if (open > 0) { // the last answers may have come in since the wait timed out
                        errors += open;
                        errorKinds.merge(NO_ANSWER, open, Long::sum);
                        outcomeCount += open;
                        lastOutcomeNanos = System.nanoTime();
                    }
                    closed = true;
                }
            }
        } finally {
            ticker.shutdownNow();
        }
        synchronized (lock) {
            closed = true;
            return new LoadResult(schedule.count(), sent, notSent, completed, ok, rateLimited, errors,
                    new TreeMap<>(errorKinds), lastOutcomeNanos == 0 ? 0 : lastOutcomeNanos - start, latency.copy());
        }
    }

    private void send(long i, long due) {
        if (inFlight.get() >= maxInFlight) {
            synchronized (lock) {
                notSent++;
                outcomeCount++;
                error(NOT_SENT);
                lastOutcomeNanos = System.nanoTime();
            }
            outcomes.countDown();
            return;
        }
        inFlight.incrementAndGet();
        synchronized (lock) {
            sent++;
        }
        CompletableFuture<Integer> answer;
        try {
            answer = sender.send(i);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((status, failure) -> {
            inFlight.decrementAndGet();
            outcome(due, status, failure);
        });
    }

    private void outcome(long due, Integer status, Throwable failure) {
        long now = System.nanoTime();
        synchronized (lock) {
            if (closed) {
                return;
            }
            lastOutcomeNanos = now;
            outcomeCount++;
            if (failure != null) {
                error(kind(failure));
            } else {
                completed++;
                if (status >= 200 && status < 300) {
                    ok++;
                    long micros = Math.max(0, (now - due) / 1_000);
                    latency.recordValue(micros);
                    interval.recordValue(micros);
                } else if (status == 429) {
                    rateLimited++;
                } else {
                    error("HTTP " + status);
                }
            }
        }
        outcomes.countDown();
    }

    private void error(String kind) {
        errors++;
        errorKinds.merge(kind, 1L, Long::sum);
    }

    /** What went wrong, as a short kind for the breakdown (no message: it could carry a URL's secrets). */
    static String kind(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof HttpConnectTimeoutException || t instanceof java.net.SocketTimeoutException) {
            return "connect timeout"; // Jetty's client: SocketTimeoutException("Connect Timeout")
        }
        if (t instanceof HttpTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
            return "timeout"; // Jetty's client: TimeoutException("Total timeout … elapsed")
        }
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        if (t instanceof java.io.IOException) {
            return "connection error (" + t.getClass().getSimpleName() + ")";
        }
        return "client error (" + t.getClass().getSimpleName() + ")";
    }

    private void report(long start) {
        long s;
        long c;
        long e;
        long r;
        long p95;
        long n;
        synchronized (lock) {
            if (closed) {
                return;
            }
            s = sent;
            c = completed;
            e = errors;
            r = rateLimited;
            n = interval.getTotalCount();
            p95 = interval.getValueAtPercentile(95);
            interval.reset();
        }
        progress.printf(Locale.ROOT, "loadtest %ds: sent %d of %d, completed %d, errors %d, 429s %d, p95 %s (last second)%n",
                Math.round((System.nanoTime() - start) / 1e9), s, schedule.count(), c, e, r,
                n == 0 ? "-" : LoadResult.millis(p95));
    }
}
