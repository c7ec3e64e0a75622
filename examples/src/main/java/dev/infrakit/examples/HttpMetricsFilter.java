package dev.infrakit.examples;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Times every request as {@code http.server.requests} (Prometheus: {@code
 * http_server_requests_seconds}) with tags method, uri, status and outcome, publishing p50, p95 and
 * p99; a request that goes async (a rate-limit slow-down) is timed until it completes.
 *
 * <p>Every tag value comes from a fixed set, whatever the client sends: a method not in
 * {@link #METHODS} is {@code OTHER}, a path is its route template (never an app name or key id) or
 * {@code OTHER}, a status outside 100..599 is {@code OTHER}. A timer with percentiles costs several
 * series and kilobytes of heap, so a tag taken from the request (an invented method: 3,000 requests
 * made 18,000 series) lets one client exhaust the heap. Map it for {@code REQUEST} only.
 */
final class HttpMetricsFilter implements Filter {
    /** The methods that get their own series (RFC 9110 and PATCH); any other is {@code OTHER}. */
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
            "CONNECT");
    static final String OTHER = "OTHER";

    private final MeterRegistry registry;
    private final Function<String, String> routes;

    /** @param routes the route template of a path as sent, or {@link #OTHER} */
    HttpMetricsFilter(MeterRegistry registry, Function<String, String> routes) {
        this.registry = registry;
        this.routes = routes;
    }

    /** The method tag: the method if it is one of {@link #METHODS} (exact, as methods are case-sensitive), else OTHER. */
    static String method(String method) {
        return METHODS.contains(method) ? method : OTHER;
    }

    /** The status tag: the code if it is 100..599, else OTHER. */
    static String status(int status) {
        return status >= 100 && status <= 599 ? Integer.toString(status) : OTHER;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        long start = System.nanoTime();
        HttpServletRequest http = (HttpServletRequest) request;
        HttpServletResponse answer = (HttpServletResponse) response;
        boolean async = false;
        try {
            chain.doFilter(request, response);
            if (request.isAsyncStarted()) {
                async = true;
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        record(http, answer.getStatus(), start);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                        // onComplete follows
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                        // onComplete follows
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                        event.getAsyncContext().addListener(this);
                    }
                });
            }
        } finally {
            if (!async) {
                record(http, answer.getStatus(), start);
            }
        }
    }

    private void record(HttpServletRequest request, int status, long start) {
        Timer.builder("http.server.requests").description("HTTP requests served")
                .tag("method", method(request.getMethod()))
                .tag("uri", routes.apply(request.getRequestURI()))
                .tag("status", status(status))
                .tag("outcome", status >= 500 || status < 100 ? "SERVER_ERROR" : status >= 400 ? "CLIENT_ERROR" : "SUCCESS")
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
}
