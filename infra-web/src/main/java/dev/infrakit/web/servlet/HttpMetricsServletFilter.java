package dev.infrakit.web.servlet;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.web.HttpMetricTags;
import dev.infrakit.web.RouteTemplates;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Times every request as {@value HttpMetricTags#METRIC_NAME} (Prometheus:
 * {@code http_server_requests_seconds}) with the tags {@code method}, {@code uri}, {@code status}
 * and {@code outcome}, publishing the 0.5, 0.95 and 0.99 percentiles:
 *
 * <pre>{@code
 * HttpMetricsServletFilter metrics = HttpMetricsServletFilter.builder(meterRegistry)
 *         .routes(RouteTemplates.of("/api/v1/users", "/api/v1/users/{name}"))
 *         .build();
 * FilterRegistration.Dynamic filter = context.addFilter("metrics", metrics);
 * filter.setAsyncSupported(true);
 * filter.addMappingForUrlPatterns(HttpMetricsServletFilter.DISPATCHER_TYPES, false, "/*");
 * }</pre>
 *
 * <p><b>Bounded tags.</b> Every tag value comes from a fixed set, whatever the client sends
 * ({@link HttpMetricTags}): the method or {@code OTHER}, the {@link RouteTemplates route template}
 * or {@code OTHER}, the status or {@code OTHER}, its class. So the number of timers is bounded by
 * the routes you name, not by the requests clients make.
 *
 * <p><b>Async requests are timed until they complete.</b> When a request goes async in the chain
 * (a slow-down delay of {@link RateLimitServletFilter}, an async servlet), the filter does not
 * record when the container's thread returns; it records from an {@link AsyncListener} when the
 * request completes, with the status it completed with (timed out or failed: the container's 500).
 * Register it first (outermost), for {@link #DISPATCHER_TYPES} ({@code REQUEST}), async-supported:
 * then it sees every request, those the filters after it refuse included, and each once. A request
 * whose chain throws is recorded as 500 unless the response was already committed.
 *
 * <p>Time comes from the registry's {@link Clock}. A failure to record (a registry that throws) is
 * logged, never passed to the request. Needs Micrometer ({@code micrometer-core}, an optional
 * dependency of infra-web). Thread-safe.
 */
public final class HttpMetricsServletFilter implements Filter {
    /** The dispatches this filter is mapped for: {@code REQUEST} (an async request is followed by a listener). */
    public static final EnumSet<DispatcherType> DISPATCHER_TYPES = EnumSet.of(DispatcherType.REQUEST);

    private static final Logger LOG = LoggerFactory.getLogger(HttpMetricsServletFilter.class);
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final MeterRegistry registry;
    private final Clock clock;
    private final RouteTemplates routes;
    /** The request attribute marking a request this filter times, so a second dispatch is not timed again. */
    private final String timed = HttpMetricsServletFilter.class.getName() + ".timed." + INSTANCES.incrementAndGet();
    private volatile boolean warnedRecordFailure;

    private HttpMetricsServletFilter(Builder b) {
        this.registry = b.registry;
        this.clock = b.registry.config().clock();
        this.routes = b.routes != null ? b.routes : RouteTemplates.of();
    }

    /**
     * A builder for a filter recording into {@code registry}.
     *
     * @throws NullPointerException if {@code registry} is null
     */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)
                || request.getAttribute(timed) != null) {
            chain.doFilter(request, response);
            return;
        }
        request.setAttribute(timed, Boolean.TRUE);
        HttpServletRequest http = (HttpServletRequest) request;
        HttpServletResponse answer = (HttpServletResponse) response;
        long start = clock.monotonicTime();
        boolean threw = true;
        try {
            chain.doFilter(request, response);
            threw = false;
        } finally {
            if (!http.isAsyncStarted() || !followed(http, answer, start)) {
                record(http, threw && !answer.isCommitted() ? 500 : answer.getStatus(), start);
            }
        }
    }

    /**
     * Adds the listener that records the request when it completes. Still in the dispatch that
     * started async mode, a listener added now hears the completion even if the async work already
     * called {@code dispatch()} or {@code complete()}. False if the container refuses it.
     */
    private boolean followed(HttpServletRequest request, HttpServletResponse response, long start) {
        try {
            request.getAsyncContext().addListener(new Completion(request, response, start));
            return true;
        } catch (IllegalStateException e) { // async mode ended in a way the container no longer follows
            return false;
        }
    }

    private void record(HttpServletRequest request, int status, long start) {
        try {
            String uri = request.getRequestURI();
            String path = uri.substring(Math.min(request.getContextPath().length(), uri.length()));
            Timer.builder(HttpMetricTags.METRIC_NAME)
                    .description("HTTP requests served, by method, route template, status and outcome")
                    .tag("method", HttpMetricTags.method(request.getMethod()))
                    .tag("uri", routes.match(path))
                    .tag("status", HttpMetricTags.status(status))
                    .tag("outcome", HttpMetricTags.outcome(status))
                    .publishPercentiles(0.5, 0.95, 0.99)
                    .register(registry)
                    .record(clock.monotonicTime() - start, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            if (!warnedRecordFailure) {
                warnedRecordFailure = true;
                LOG.warn("A request could not be recorded in {} (logged once): {}", HttpMetricTags.METRIC_NAME,
                        ClientText.forLog(e.toString(), 500));
            }
        }
    }

    @Override
    public String toString() {
        return "HttpMetricsServletFilter" + routes.templates();
    }

    /** Records an async request when it completes; follows it into a further async cycle. */
    private final class Completion implements AsyncListener {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final long start;

        Completion(HttpServletRequest request, HttpServletResponse response, long start) {
            this.request = request;
            this.response = response;
            this.start = start;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            record(request, response.getStatus(), start);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // The container answers (500) and completes: recorded in onComplete.
        }

        @Override
        public void onError(AsyncEvent event) {
            // As for a timeout: recorded in onComplete with the status the request ended with.
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A new async cycle drops the listeners of the last one: stay for the completion.
            event.getAsyncContext().addListener(this);
        }
    }

    /**
     * Builds an {@link HttpMetricsServletFilter}. Each setting may be given once: a second call throws
     * {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final MeterRegistry registry;
        private RouteTemplates routes;

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * The route templates that name the {@code uri} tag (default: none, so every request's
         * {@code uri} is {@code OTHER}).
         *
         * @throws IllegalStateException if they were already set
         */
        public Builder routes(RouteTemplates routes) {
            Arguments.setOnce(this.routes, "routes");
            this.routes = Objects.requireNonNull(routes, "routes");
            return this;
        }

        /** The filter. */
        public HttpMetricsServletFilter build() {
            return new HttpMetricsServletFilter(this);
        }
    }
}
