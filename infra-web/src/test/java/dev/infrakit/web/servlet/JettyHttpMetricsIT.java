package dev.infrakit.web.servlet;

import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.ratelimit.SlowDown;
import dev.infrakit.web.HttpMetricTags;
import dev.infrakit.web.RouteTemplates;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HttpMetricsServletFilter} in a real embedded Jetty 12 (ee10), first in the chain before the
 * rate-limit filter, over real sockets. Time is the registry's {@link MockClock}, moved by the test.
 * {@code /slow/*} is delayed an hour by the rate-limit filter on a scheduler the test releases by
 * hand; {@code /strict/*} admits one request an hour. The servlet answers 202 to a request resumed
 * by an async dispatch, 200 otherwise, and throws for {@code /boom}.
 */
class JettyHttpMetricsIT {
    private static final RouteTemplates ROUTES = RouteTemplates.of("/api/users", "/api/users/{name}",
            "/api/users/{name}/roles", "/slow/{x}", "/strict/{x}", "/boom", "/broken");
    private static final MockClock CLOCK = new MockClock();
    private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry(SimpleConfig.DEFAULT, CLOCK);
    /** A registry that fails on every meter: the requests it should time must not notice. */
    private static final SimpleMeterRegistry BROKEN = new SimpleMeterRegistry();
    private static final ParkingScheduler DELAYS = new ParkingScheduler();
    private static Server server;
    private static int port;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        RateLimiter limiter = RateLimiter.builder()
                .tier(RateLimitPolicy.parse("slow", "1000/1h")
                        .withSlowDown(SlowDown.after(0, Duration.ofHours(1), Duration.ofHours(1))))
                .tier(RateLimitPolicy.parse("strict", "1/1h"))
                .tier(RateLimitPolicy.parse("free", "1000000/1s"))
                .build();
        server = new Server();
        ServerConnector connector = JettyServers.onLoopback(new ServerConnector(server, 1, 1));
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder metrics = new FilterHolder(HttpMetricsServletFilter.builder(REGISTRY).routes(ROUTES).build());
        metrics.setAsyncSupported(true);
        context.addFilter(metrics, "/*", HttpMetricsServletFilter.DISPATCHER_TYPES);
        BROKEN.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                throw new IllegalStateException("this registry refuses every meter");
            }
        });
        FilterHolder brokenMetrics = new FilterHolder(HttpMetricsServletFilter.builder(BROKEN).routes(ROUTES).build());
        brokenMetrics.setAsyncSupported(true);
        context.addFilter(brokenMetrics, "/broken", HttpMetricsServletFilter.DISPATCHER_TYPES);
        FilterHolder rateLimit = new FilterHolder(RateLimitServletFilter.builder(limiter).delayScheduler(DELAYS)
                .keyResolver(request -> {
                    String[] parts = request.getRequestURI().split("/");
                    String tier = parts.length > 1 && (parts[1].equals("slow") || parts[1].equals("strict"))
                            ? parts[1] : "free";
                    return new RateLimitKey(tier, request.getRemoteAddr());
                }).build());
        rateLimit.setAsyncSupported(true);
        context.addFilter(rateLimit, "/*", RateLimitServletFilter.DISPATCHER_TYPES);
        ServletHolder servlet = new ServletHolder(new HttpServlet() {
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
        context.addServlet(servlet, "/*");
        port = JettyServers.start(connector, context);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
        DELAYS.shutdownNow();
    }

    private static HttpRequest request(String method, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
    }

    private static int send(String method, String path) throws Exception {
        return client.send(request(method, path), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Collection<Timer> timers(String uri) {
        return REGISTRY.find(HttpMetricTags.METRIC_NAME).tag("uri", uri).timers();
    }

    private static Timer recorded(long count, String method, String uri, String status) throws InterruptedException {
        return RecordedTimers.recorded(REGISTRY, count, method, uri, status);
    }

    @Test
    void aRequestIsTimedByMethodRouteTemplateStatusAndOutcomeWithPercentiles() throws Exception {
        assertEquals(200, send("GET", "/api/users/alice"));
        assertEquals(200, send("GET", "/api/users/bob"));
        Timer timer = recorded(2, "GET", "/api/users/{name}", "200");
        assertEquals(2, timer.count(), "both names are one route");
        assertEquals("SUCCESS", timer.getId().getTag("outcome"));
        assertEquals("HTTP requests served, by method, route template, status and outcome",
                timer.getId().getDescription());
        assertEquals(3, timer.takeSnapshot().percentileValues().length);
        assertEquals(200, send("DELETE", "/not/a/route"));
        assertEquals(1, recorded(1, "DELETE", "OTHER", "200").count());
    }

    @Test
    void aRequestSuspendedByTheRateLimitersSlowDownIsTimedUntilItCompletes() throws Exception {
        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(request("GET", "/slow/a"),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(DELAYS.parked.tryAcquire(20, TimeUnit.SECONDS), "the request waits for its delay");
        assertTrue(timers("/slow/{x}").isEmpty(), "not recorded when the container's thread returned");
        CLOCK.add(Duration.ofMinutes(5));
        DELAYS.releaseAll();
        HttpResponse<String> response = answer.get(20, TimeUnit.SECONDS);
        assertEquals(202, response.statusCode(), "resumed by an async dispatch");
        Timer timer = recorded(1, "GET", "/slow/{x}", "202");
        assertEquals(1, timer.count(), "timed once, with the status it completed with");
        assertEquals(1, timers("/slow/{x}").size(), "never as the 200 of the suspended dispatch");
        assertTrue(timer.totalTime(TimeUnit.MINUTES) >= 5, "timed until it completed: " + timer.totalTime(TimeUnit.SECONDS));
    }

    @Test
    void aRefusedRequestAndAFailedOneAreTimedWithTheirStatus() throws Exception {
        assertEquals(200, send("GET", "/strict/a"));
        assertEquals(429, send("GET", "/strict/a"));
        assertEquals("CLIENT_ERROR", recorded(1, "GET", "/strict/{x}", "429").getId().getTag("outcome"));
        assertEquals(500, send("POST", "/boom"));
        Timer failed = recorded(1, "POST", "/boom", "500");
        assertEquals(1, failed.count());
        assertEquals("SERVER_ERROR", failed.getId().getTag("outcome"));
    }

    @Test
    void aRegistryThatFailsNeverBreaksTheRequest() throws Exception {
        assertThrows(IllegalStateException.class, () -> Timer.builder("any").register(BROKEN));
        HttpResponse<String> response = client.send(request("GET", "/broken"), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("hello", response.body());
    }

    /**
     * Invented methods and random paths, hostile ones among them (encoded separators and NULs, dot
     * segments, 3,000 segments), over raw sockets: the number of timers stays within
     * the fixed set the tags allow, and every tag value is one of it.
     */
    @Test
    void aFloodOfInventedMethodsAndRandomPathsAddsOnlyAFewSeries() throws Exception {
        int before = REGISTRY.getMeters().size();
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        List<String> hostile = List.of("%2F", "%2f", "%00", "..", ".", "%2e%2e", ";x=1", "%", "%G0", "%C3%A9", "~", "",
                "\u0000", "\\", "{name}", "a" + "/a".repeat(3_000));
        int requests = 2_000;
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = 20 + t;
                done.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    RawHttp raw = new RawHttp(port);
                    while (sent.getAndIncrement() < requests) {
                        // X and letters: never one of the known methods.
                        String method = "X" + word(random, alphabet, 2, 11).toUpperCase(Locale.ROOT);
                        String odd = hostile.get(random.nextInt(hostile.size()));
                        String path = switch (random.nextInt(3)) {
                            case 0 -> "/api/users/" + word(random, alphabet, 1, 30);
                            case 1 -> "/api/users/" + word(random, alphabet, 0, 9) + odd + "/" + word(random, alphabet, 1, 9);
                            default -> "/" + word(random, alphabet, 1, 20) + "/" + odd + word(random, alphabet, 0, 20);
                        };
                        int status = raw.send(method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close").status();
                        assertTrue(status >= 200 && status < 500, method + " " + path + " -> " + status);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        Collection<Timer> timers = REGISTRY.find(HttpMetricTags.METRIC_NAME).timers();
        Set<String> uris = Set.copyOf(ROUTES.templates());
        for (Timer timer : timers) {
            String method = timer.getId().getTag("method");
            String uri = timer.getId().getTag("uri");
            assertTrue(HttpMetricTags.METHODS.contains(method) || method.equals("OTHER"), method);
            assertTrue(uris.contains(uri) || uri.equals("OTHER"), uri);
        }
        assertTrue(timers.stream().anyMatch(t -> t.getId().getTag("method").equals("OTHER")
                && t.getId().getTag("uri").equals("/api/users/{name}")), "invented methods counted as OTHER");
        int added = REGISTRY.getMeters().size() - before;
        assertTrue(added <= 12, added + " meters after " + requests + " hostile requests: " + timers.stream()
                .map(t -> t.getId().getTags().toString()).toList());
    }

    private static String word(SplittableRandom random, String alphabet, int min, int max) {
        StringBuilder b = new StringBuilder();
        for (int n = min + random.nextInt(max - min + 1); n > 0; n--) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** A scheduler that runs nothing by itself: it parks each delayed task until the test releases it. */
    private static final class ParkingScheduler extends ScheduledThreadPoolExecutor {
        final Semaphore parked = new Semaphore(0);

        ParkingScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            ScheduledFuture<?> queued = super.schedule(command, delay, unit);
            parked.release();
            return queued;
        }

        /** Runs every parked task now, on the calling thread. */
        void releaseAll() {
            for (Runnable task : getQueue().toArray(new Runnable[0])) {
                if (remove(task)) {
                    task.run();
                }
            }
            assertNull(getQueue().peek());
        }
    }
}
