package dev.infrakit.web.servlet;

import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.ratelimit.SlowDown;
import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.SecurityHeaders;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RateLimitServletFilter} in a real embedded Jetty 12 (ee10) with a small thread pool,
 * talked to over real sockets. Tiers by path: {@code /slow} delays every request 300 ms,
 * {@code /strict} admits 2 per hour, {@code /gated} delays every request on a scheduler the test
 * releases, {@code /free} is exempt. The subject is the {@code X-Client} header.
 */
class JettyRateLimitIT {
    private static final int MAX_THREADS = 12;
    private static final GatedScheduler GATE = new GatedScheduler();
    private static Server server;
    private static int port;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        RateLimiter limiter = RateLimiter.builder()
                .tier(RateLimitPolicy.parse("slow", "1000/1h")
                        .withSlowDown(SlowDown.after(0, Duration.ofMillis(300), Duration.ofMillis(300))))
                .tier(RateLimitPolicy.parse("strict", "2/1h"))
                .tier(RateLimitPolicy.parse("nonasync", "1000/1h")
                        .withSlowDown(SlowDown.after(0, Duration.ofSeconds(5), Duration.ofSeconds(5))))
                .tier(RateLimitPolicy.parse("gated", "1000/1h")
                        .withSlowDown(SlowDown.after(0, Duration.ofMillis(1), Duration.ofMillis(1))))
                .build();
        RateLimitServletFilter.KeyResolver byPath = request -> {
            String tier = request.getRequestURI().split("/")[1];
            return new RateLimitKey(tier, request.getHeader("X-Client"));
        };
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        server = new Server(threads);
        ServerConnector connector = JettyServers.onLoopback(new ServerConnector(server, 1, 1));
        ServletContextHandler context = new ServletContextHandler("/");
        context.addFilter(new FilterHolder(SecurityHeadersServletFilter.defaults()), "/*",
                SecurityHeadersServletFilter.DISPATCHER_TYPES);
        FilterHolder limited = new FilterHolder(RateLimitServletFilter.builder(limiter)
                .keyResolver(byPath).exemptPaths("/free", "/gated", "/nonasync").build());
        limited.setAsyncSupported(true);
        context.addFilter(limited, "/*", RateLimitServletFilter.DISPATCHER_TYPES);
        FilterHolder gated = new FilterHolder(RateLimitServletFilter.builder(limiter)
                .keyResolver(byPath).delayScheduler(GATE).build());
        gated.setAsyncSupported(true);
        context.addFilter(gated, "/gated/*", RateLimitServletFilter.DISPATCHER_TYPES);
        FilterHolder notAsync = new FilterHolder(RateLimitServletFilter.builder(limiter).keyResolver(byPath).build());
        notAsync.setAsyncSupported(false);
        context.addFilter(notAsync, "/nonasync/*", RateLimitServletFilter.DISPATCHER_TYPES);
        FilterHolder bodyLimit = new FilterHolder(BodyLimitServletFilter.of(BodyLimit.of(1024)));
        bodyLimit.setAsyncSupported(true);
        context.addFilter(bodyLimit, "/*", BodyLimitServletFilter.DISPATCHER_TYPES);
        ServletHolder hello = new ServletHolder(new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                byte[] body = ("read " + req.getInputStream().readAllBytes().length).getBytes(StandardCharsets.UTF_8);
                resp.setContentLength(body.length);
                resp.getOutputStream().write(body);
            }

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                byte[] body = ("hello " + req.getDispatcherType()).getBytes(StandardCharsets.UTF_8);
                resp.setContentType("text/plain;charset=utf-8");
                resp.setContentLength(body.length);
                resp.getOutputStream().write(body);
            }
        });
        hello.setAsyncSupported(true);
        context.addServlet(hello, "/*");
        port = JettyServers.start(connector, context);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
        GATE.shutdownNow();
    }

    private static HttpResponse<String> get(String path, String clientName) throws Exception {
        return client.send(request(path, clientName), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String path, String clientName) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-Client", clientName)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @Test
    void anAdmittedRequestCarriesTheRateLimitAndSecurityHeaders() throws Exception {
        HttpResponse<String> response = get("/strict/a", "headers");
        assertEquals(200, response.statusCode());
        assertEquals("hello REQUEST", response.body());
        assertEquals("\"strict\";q=2;w=3600", response.headers().firstValue("RateLimit-Policy").orElseThrow());
        assertTrue(response.headers().firstValue("RateLimit").orElseThrow().startsWith("\"strict\";r=1;t="),
                response.headers().map().toString());
        assertEquals("nosniff", response.headers().firstValue("X-Content-Type-Options").orElseThrow());
    }

    @Test
    void aRejectedRequestIs429ProblemWithRetryAfterAndNeverReachesTheServlet() throws Exception {
        get("/strict/a", "rejected");
        get("/strict/a", "rejected");
        HttpResponse<String> response = get("/strict/a", "rejected");
        assertEquals(429, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow()) > 0);
        assertTrue(response.headers().firstValue("RateLimit").orElseThrow().contains("r=0"));
        assertTrue(response.body().contains("\"status\":429") && response.body().contains("\"retryAfter\""),
                response.body());
        assertFalse(response.body().contains("hello"), response.body());
        for (String header : SecurityHeaders.defaults().headers().keySet()) {
            assertTrue(response.headers().firstValue(header).isPresent(), header);
        }
    }

    @Test
    void anExemptPathIsNotLimited() throws Exception {
        HttpResponse<String> response = get("/free/x", "exempt");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("RateLimit").isEmpty());
    }

    @Test
    void aSlowedRequestIsAnsweredAfterItsDelayThroughAnAsyncDispatch() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = get("/slow/x", "slowed");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertEquals("hello ASYNC", response.body());
        assertTrue(tookMillis >= 300, "answered after " + tookMillis + " ms");
        assertTrue(response.headers().firstValue("RateLimit").isPresent());
        assertEquals("DENY", response.headers().firstValue("X-Frame-Options").orElseThrow());
    }

    @Test
    void moreDelayedRequestsThanTheServerHasThreadsWaitAtOnceAndAllComplete() throws Exception {
        int requests = 4 * MAX_THREADS;
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            answers.add(client.sendAsync(request("/gated/x", "gated-" + i), HttpResponse.BodyHandlers.ofString()));
        }
        // Every request is parked on the gate at the same time: none holds one of the server's
        // threads, or at most MAX_THREADS could be parked.
        assertTrue(GATE.parked.tryAcquire(requests, 20, TimeUnit.SECONDS),
                "parked at once: " + GATE.parked.availablePermits() + " of " + requests);
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertFalse(answer.isDone());
        }
        GATE.release();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get(20, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertEquals("hello ASYNC", response.body());
        }
        assertNull(GATE.pending());
    }

    @Test
    void aRequestThatCannotGoAsyncIsLetThroughWithoutItsDelayRatherThanHoldingAThread() throws Exception {
        HttpResponse<String> response = get("/nonasync/x", "wired-wrong");
        assertEquals(200, response.statusCode());
        assertEquals("hello REQUEST", response.body());
        assertTrue(response.headers().firstValue("RateLimit").isPresent());
    }

    @Test
    void aRequestResumedAfterItsDelayIsStillUnderTheBodyLimit() throws Exception {
        HttpRequest tooLarge = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow/upload"))
                .header("X-Client", "uploader").timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[5000])))
                .build();
        HttpResponse<String> response = client.send(tooLarge, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode(), response.body());
        assertTrue(response.body().contains("larger than 1024 bytes"), response.body());
        HttpRequest small = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow/upload"))
                .header("X-Client", "uploader").timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[1000])))
                .build();
        HttpResponse<String> within = client.send(small, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, within.statusCode(), within.body());
        assertEquals("read 1000", within.body());
    }

    /** A scheduler that holds every delayed task until the test releases them. */
    private static final class GatedScheduler extends ScheduledThreadPoolExecutor {
        final Semaphore parked = new Semaphore(0);
        private final List<Runnable> held = new ArrayList<>();

        GatedScheduler() {
            super(1);
        }

        @Override
        public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            held.add(command);
            parked.release();
            return super.schedule(() -> { }, 0, TimeUnit.NANOSECONDS);
        }

        synchronized void release() {
            for (Runnable command : held) {
                super.schedule(command, 0, TimeUnit.NANOSECONDS); // not this.execute: it calls schedule()
            }
            held.clear();
        }

        synchronized Runnable pending() {
            return held.isEmpty() ? null : held.get(0);
        }
    }
}
