package dev.infrakit.web.jdk;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.core.ManualClock;
import dev.infrakit.ratelimit.LocalRateLimitStore;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.ratelimit.SlowDown;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a real JDK HttpServer on loopback. */
class RateLimitFilterTest {
    private final ManualClock time = ManualClock.create();
    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicInteger handled = new AtomicInteger();
    private HttpServer server;
    private ScheduledExecutorService scheduler;
    private ExecutorService serverExecutor;

    private void start(RateLimitFilter filter) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", exchange -> {
            handled.incrementAndGet();
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        }).getFilters().add(filter);
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (serverExecutor != null) {
            serverExecutor.shutdownNow();
        }
    }

    private HttpResponse<String> get(String path, String user) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path));
        if (user != null) {
            request.header("X-User", user);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private RateLimiter limiter(RateLimitPolicy... tiers) {
        RateLimiter.Builder builder = RateLimiter.builder()
                .store(LocalRateLimitStore.builder().ticker(time).sweepExecutor(Runnable::run).build(), true);
        for (RateLimitPolicy tier : tiers) {
            builder.tier(tier);
        }
        return builder.build();
    }

    @Test
    void limitsByResolvedKeyAndAnswers429WithHeadersAndProblem() throws Exception {
        RateLimiter limiter = limiter(RateLimitPolicy.parse("anonymous", "2/1m"), RateLimitPolicy.parse("user", "3/1m"));
        start(RateLimitFilter.builder(limiter)
                .keyResolver(exchange -> {
                    String user = exchange.getRequestHeaders().getFirst("X-User");
                    return user == null ? new RateLimitKey("anonymous", "127.0.0.1") : new RateLimitKey("user", user);
                })
                .exemptPaths("/health")
                .legacyHeaders(true)
                .build());
        HttpResponse<String> first = get("/api/x", null);
        assertEquals(200, first.statusCode());
        assertEquals("\"anonymous\";q=2;w=60", first.headers().firstValue("RateLimit-Policy").orElseThrow());
        assertEquals("\"anonymous\";r=1;t=30", first.headers().firstValue("RateLimit").orElseThrow());
        assertEquals("1", first.headers().firstValue("X-RateLimit-Remaining").orElseThrow());
        assertEquals(200, get("/api/x", null).statusCode());
        HttpResponse<String> limited = get("/api/x", null);
        assertEquals(429, limited.statusCode());
        assertEquals("30", limited.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("application/problem+json", limited.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(limited.body().contains("\"status\":429"), limited.body());
        assertEquals(2, handled.get(), "the rejected request never reached the handler");

        for (int i = 0; i < 3; i++) {
            assertEquals(200, get("/api/x", "alice").statusCode(), "users have their own tier and bucket");
        }
        assertEquals(429, get("/api/x", "alice").statusCode());
        assertEquals(200, get("/health", null).statusCode(), "exempt paths pass");
        assertFalse(get("/health", null).headers().firstValue("RateLimit").isPresent());
        time.advance(Duration.ofSeconds(30));
        assertEquals(200, get("/api/x", null).statusCode());
    }

    @Test
    void aNullKeyPassesUnlimited() throws Exception {
        RateLimiter limiter = limiter(RateLimitPolicy.parse("anonymous", "1/1h"));
        start(RateLimitFilter.builder(limiter).keyResolver(exchange -> null).build());
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get("/", null).statusCode());
        }
    }

    @Test
    void slowedDownRequestsAreHeldOnTheSchedulerThenServed() throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("anonymous", "100/1h")
                .withSlowDown(SlowDown.after(1, Duration.ofMillis(200), Duration.ofSeconds(1)));
        RateLimiter limiter = limiter(policy);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        start(RateLimitFilter.builder(limiter).delayScheduler(scheduler).build());
        assertEquals(200, get("/", null).statusCode());
        long start = System.nanoTime();
        HttpResponse<String> delayed = get("/", null);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, delayed.statusCode());
        assertEquals("ok", delayed.body());
        assertTrue(tookMs >= 190, "held for the 200 ms slow-down, took " + tookMs + " ms");
        assertEquals(2, handled.get());
    }

    /**
     * Two clients, each delayed by the slow-down: alice's request has a slow handler (it runs until
     * the test lets it finish), bob's is delayed 100 ms behind it. Bob is answered while alice's
     * handler still runs, and no handler ever runs on the scheduler's (single) thread. Before the
     * fix the scheduler's thread ran alice's handler, so bob's request waited for it to end (here:
     * never, as the test lets it end only after bob's answer).
     */
    @Test
    void aDelayedRequestResumesOffTheSchedulerAndIsNotHeldUpByAnotherClientsSlowHandler() throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("user", "100/1h")
                .withSlowDown(SlowDown.after(1, Duration.ofMillis(100), Duration.ofSeconds(1)));
        RateLimiter limiter = limiter(policy);
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-delay-scheduler"));
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch finishSlow = new CountDownLatch(1);
        AtomicBoolean slowFinished = new AtomicBoolean();
        List<String> handlerThreads = new CopyOnWriteArrayList<>();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverExecutor = Executors.newFixedThreadPool(4, r -> new Thread(r, "test-server-worker"));
        server.setExecutor(serverExecutor);
        server.createContext("/", exchange -> {
            handlerThreads.add(Thread.currentThread().getName());
            if (exchange.getRequestURI().getPath().equals("/slow")) {
                slowStarted.countDown();
                try {
                    // A slow handler (a password hash, a database call): here until the test says.
                    finishSlow.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                slowFinished.set(true);
            }
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        }).getFilters().add(RateLimitFilter.builder(limiter).delayScheduler(scheduler)
                .keyResolver(exchange -> new RateLimitKey("user", exchange.getRequestHeaders().getFirst("X-User")))
                .build());
        server.start();

        assertEquals(200, get("/", "alice").statusCode(), "alice's first request: no delay");
        assertEquals(200, get("/", "bob").statusCode(), "bob's first request: no delay");
        HttpRequest slow = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                + "/slow")).header("X-User", "alice").build();
        CompletableFuture<HttpResponse<String>> alice = client.sendAsync(slow, HttpResponse.BodyHandlers.ofString());
        try {
            assertTrue(slowStarted.await(30, TimeUnit.SECONDS), "alice's delayed request reached its handler");

            HttpRequest fast = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                    + "/")).header("X-User", "bob").timeout(Duration.ofSeconds(20)).build();
            HttpResponse<String> bob = client.send(fast, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, bob.statusCode());
            assertTrue(bob.headers().firstValue("RateLimit").isPresent());
            assertFalse(slowFinished.get(), "bob was answered while alice's slow handler was still running");
        } finally {
            finishSlow.countDown();
        }
        assertEquals(200, alice.get(30, TimeUnit.SECONDS).statusCode());
        assertEquals(4, handlerThreads.size());
        assertTrue(handlerThreads.stream().allMatch("test-server-worker"::equals),
                "every handler ran on the server's executor, none on the scheduler: " + handlerThreads);
    }

    @Test
    void theClientAddressResolverCountsAnIpv6Slash64AsOneClient() throws Exception {
        RateLimiter limiter = limiter(RateLimitPolicy.parse("anonymous", "1/1h"));
        start(RateLimitFilter.builder(limiter).keyResolver(RateLimitFilter.KeyResolver.clientAddress("anonymous",
                dev.infrakit.core.http.ClientAddress.resolver().trustedProxies(1).build())).build());
        assertEquals(200, forwardedFor("2001:db8:1:2::1").statusCode());
        assertEquals(429, forwardedFor("2001:db8:1:2::2").statusCode(), "another address of the same /64");
        assertEquals(200, forwardedFor("2001:db8:1:3::1").statusCode(), "another /64");
        assertEquals(200, forwardedFor("nonsense").statusCode(), "an invalid entry: the peer address");
        assertEquals(429, forwardedFor(null).statusCode());
    }

    private HttpResponse<String> forwardedFor(String value) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
        if (value != null) {
            request.header("X-Forwarded-For", value);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theDefaultResolverLimitsByClientAddress() throws Exception {
        RateLimiter limiter = limiter(RateLimitPolicy.parse("anonymous", "1/1h"));
        start(RateLimitFilter.builder(limiter).build());
        assertEquals(200, get("/", null).statusCode());
        assertEquals(429, get("/", "alice").statusCode(), "same address, whatever the headers");
    }
}
