package dev.infrakit.examples;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.web.HttpMetricTags;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Times every request as {@code http.server.requests} (Prometheus: {@code
 * http_server_requests_seconds}) with tags method, uri, status and outcome, publishing p50, p95 and
 * p99.
 *
 * <p>Every tag value comes from a fixed set, whatever the client sends (infra-web's
 * {@link HttpMetricTags} and {@link DemoMetrics#ROUTES}): a method that is not one of
 * {@link HttpMetricTags#METHODS} is {@code OTHER}, a path is its route template (never an app name
 * or key id) or {@code OTHER}, a status outside 100..599 is {@code OTHER}. A timer with percentiles
 * costs several series and kilobytes of heap, so a tag taken from the request (an invented method:
 * 3,000 requests made 18,000 series) lets one client exhaust the heap.
 */
final class HttpMetricsFilter extends Filter {
    private final MeterRegistry registry;

    HttpMetricsFilter(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        long start = System.nanoTime();
        try {
            chain.doFilter(exchange);
        } finally {
            // -1: the handler failed before answering, and the server drops the connection.
            int status = exchange.getResponseCode();
            Timer.builder(HttpMetricTags.METRIC_NAME).description("HTTP requests served")
                    .tag("method", HttpMetricTags.method(exchange.getRequestMethod()))
                    .tag("uri", DemoMetrics.ROUTES.match(exchange.getRequestURI().getRawPath()))
                    .tag("status", HttpMetricTags.status(status))
                    .tag("outcome", HttpMetricTags.outcome(status < 0 ? 500 : status))
                    .publishPercentiles(0.5, 0.95, 0.99)
                    .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public String description() {
        return "HTTP request metrics";
    }
}
