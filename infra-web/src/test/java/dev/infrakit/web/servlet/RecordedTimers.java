package dev.infrakit.web.servlet;

import dev.infrakit.web.HttpMetricTags;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waits for {@link HttpMetricsServletFilter}'s timers: the filter records when the exchange
 * completes, which the client may hear of a moment before. Shared with infra-web-tomcat-tests
 * through infra-web's test-jar.
 */
public final class RecordedTimers {
    private RecordedTimers() {
    }

    /**
     * The request timer of {@code method}, {@code uri} and {@code status} in {@code registry} once it
     * has counted {@code count} requests; fails the test if it has not within 10 seconds.
     */
    public static Timer recorded(MeterRegistry registry, long count, String method, String uri, String status)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Timer timer = timer(registry, method, uri, status);
        while ((timer == null || timer.count() < count) && System.nanoTime() < deadline) {
            Thread.sleep(5);
            timer = timer(registry, method, uri, status);
        }
        assertTrue(timer != null && timer.count() >= count, method + " " + uri + " " + status + ": "
                + (timer == null ? "no timer" : timer.count() + " recorded"));
        return timer;
    }

    private static Timer timer(MeterRegistry registry, String method, String uri, String status) {
        return registry.find(HttpMetricTags.METRIC_NAME).tags("method", method, "uri", uri, "status", status).timer();
    }
}
