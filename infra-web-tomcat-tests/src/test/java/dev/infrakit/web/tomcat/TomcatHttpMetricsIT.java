package dev.infrakit.web.tomcat;

import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.ratelimit.SlowDown;
import dev.infrakit.web.HttpMetricTags;
import dev.infrakit.web.RouteTemplates;
import dev.infrakit.web.servlet.HttpMetricsServletFilter;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import dev.infrakit.web.servlet.RawHttp;
import dev.infrakit.web.servlet.RecordedTimers;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.infrakit.web.servlet.RawHttp.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HttpMetricsServletFilter} in a real embedded Tomcat 11, first in the chain before a
 * rate-limit filter, over raw sockets: {@code /slow/*} is delayed 300 ms (so it completes on an
 * async dispatch, answered 202 by the servlet), {@code /strict/*} admits one request an hour,
 * {@code /boom} throws.
 */
class TomcatHttpMetricsIT {
    private static final Duration DELAY = Duration.ofMillis(300);
    private static final RouteTemplates ROUTES = RouteTemplates.of("/api/users", "/api/users/{name}",
            "/slow/{x}", "/strict/{x}", "/boom");
    private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
    private static EmbeddedTomcat tomcat;
    private static RawHttp http;

    @BeforeAll
    static void start() throws Exception {
        RateLimiter limiter = RateLimiter.builder()
                .tier(RateLimitPolicy.parse("slow", "1000/1h").withSlowDown(SlowDown.after(0, DELAY, DELAY)))
                .tier(RateLimitPolicy.parse("strict", "1/1h"))
                .build();
        tomcat = EmbeddedTomcat.start(4, (classes, context) -> {
            FilterRegistration.Dynamic metrics = context.addFilter("metrics",
                    HttpMetricsServletFilter.builder(REGISTRY).routes(ROUTES).build());
            metrics.setAsyncSupported(true);
            metrics.addMappingForUrlPatterns(HttpMetricsServletFilter.DISPATCHER_TYPES, false, "/*");
            FilterRegistration.Dynamic rateLimit = context.addFilter("rateLimit", RateLimitServletFilter.builder(limiter)
                    .keyResolver(request -> {
                        String tier = request.getRequestURI().split("/", 3)[1];
                        return tier.equals("slow") || tier.equals("strict") ? new RateLimitKey(tier, "everyone") : null;
                    }).build());
            rateLimit.setAsyncSupported(true);
            rateLimit.addMappingForUrlPatterns(RateLimitServletFilter.DISPATCHER_TYPES, true, "/*");
            ServletRegistration.Dynamic servlet = context.addServlet("answer", new HttpServlet() {
                @Override
                protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    if (req.getRequestURI().equals("/boom")) {
                        throw new IllegalStateException("the servlet failed");
                    }
                    resp.setStatus(req.getDispatcherType() == DispatcherType.ASYNC ? 202 : 200);
                    resp.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
                }
            });
            servlet.setAsyncSupported(true);
            servlet.addMapping("/*");
        });
        http = new RawHttp(tomcat.port());
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
    }

    private static Timer recorded(long count, String method, String uri, String status) throws InterruptedException {
        return RecordedTimers.recorded(REGISTRY, count, method, uri, status);
    }

    @Test
    void aRequestIsTimedByMethodRouteTemplateStatusAndOutcome() throws Exception {
        assertEquals(200, http.send(get("/api/users/alice")).status());
        assertEquals(200, http.send(get("/api/users/bob")).status());
        Timer timer = recorded(2, "GET", "/api/users/{name}", "200");
        assertEquals(2, timer.count(), "both names are one route");
        assertEquals("SUCCESS", timer.getId().getTag("outcome"));
    }

    @Test
    void aRequestSuspendedByTheSlowDownIsTimedOnceUntilItCompletes() throws Exception {
        RawHttp.Response response = http.send(get("/slow/a"));
        assertEquals(202, response.status(), "resumed by an async dispatch: " + response.raw());
        Timer timer = recorded(1, "GET", "/slow/{x}", "202");
        assertEquals(1, timer.count());
        assertEquals(1, REGISTRY.find(HttpMetricTags.METRIC_NAME).tag("uri", "/slow/{x}").timers().size(),
                "never as the 200 of the suspended dispatch");
        assertTrue(timer.totalTime(TimeUnit.MILLISECONDS) >= DELAY.toMillis(),
                "timed until it completed: " + timer.totalTime(TimeUnit.MILLISECONDS) + " ms");
    }

    @Test
    void aRefusedRequestAndAFailedOneAreTimedWithTheirStatus() throws Exception {
        assertEquals(200, http.send(get("/strict/a")).status());
        assertEquals(429, http.send(get("/strict/a")).status());
        assertEquals("CLIENT_ERROR", recorded(1, "GET", "/strict/{x}", "429").getId().getTag("outcome"));
        assertEquals(500, http.send(get("/boom")).status());
        assertEquals("SERVER_ERROR", recorded(1, "GET", "/boom", "500").getId().getTag("outcome"));
    }

    @Test
    void inventedMethodsAndHostilePathsAddOnlyBoundedSeries() throws Exception {
        List<String> hostile = List.of("%2F", "%00", "..", "%2e%2e", ";x=1", "%G0", "%C3%A9", "~", "a" + "/a".repeat(500));
        SplittableRandom random = new SplittableRandom(20);
        for (int i = 0; i < 300; i++) {
            String method = "X" + Long.toString(random.nextLong(1L << 40), 36).toUpperCase(Locale.ROOT);
            String path = i % 2 == 0 ? "/api/users/" + Long.toString(random.nextLong(1L << 40), 36)
                    : "/" + Long.toString(random.nextLong(1L << 30), 36) + "/" + hostile.get(random.nextInt(hostile.size()));
            int status = http.send(method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close").status();
            assertTrue(status >= 200 && status < 500, method + " " + path + " -> " + status);
        }
        Collection<Timer> timers = REGISTRY.find(HttpMetricTags.METRIC_NAME).timers();
        for (Timer timer : timers) {
            String method = timer.getId().getTag("method");
            String uri = timer.getId().getTag("uri");
            assertTrue(HttpMetricTags.METHODS.contains(method) || method.equals("OTHER"), method);
            assertTrue(ROUTES.templates().contains(uri) || uri.equals("OTHER"), uri);
        }
        assertTrue(timers.size() <= 16, timers.size() + " timers: "
                + timers.stream().map(t -> t.getId().getTags().toString()).toList());
        recorded(150, "OTHER", "/api/users/{name}", "200");
    }
}
