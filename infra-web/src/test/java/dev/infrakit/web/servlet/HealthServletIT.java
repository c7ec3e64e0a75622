package dev.infrakit.web.servlet;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.web.SecurityHeaders;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HealthServlet} mapped at {@code /health/*} in a real embedded Jetty 12 (ee10), over real
 * sockets. One server for the class; each test sets the checks' states it needs.
 */
class HealthServletIT {
    private static final AtomicReference<HealthStatus> DB = new AtomicReference<>(HealthStatus.UP);
    private static final AtomicReference<HealthStatus> CACHE = new AtomicReference<>(HealthStatus.UP);
    private static final AtomicBoolean QUEUE_THROWS = new AtomicBoolean();
    private static final CountDownLatch RELEASE_STUCK = new CountDownLatch(1);
    private static HealthRegistry registry;
    /** Holds the check that hangs: once stuck, it stays down until the class ends. */
    private static HealthRegistry stuckRegistry;
    private static Server server;
    private static RawHttp http;

    @BeforeAll
    static void start() throws Exception {
        registry = HealthRegistry.builder().build();
        registry.register(HealthCheck.of("db", () -> HealthResult.of(DB.get(), "db " + DB.get()).build())
                .groups(HealthCheck.READINESS).build());
        registry.register(HealthCheck.of("cache", () -> HealthResult.of(CACHE.get(), "cache " + CACHE.get()).build())
                .groups(HealthCheck.READINESS).critical(false).build());
        registry.register(HealthCheck.of("heap", () -> HealthResult.up().build()).groups(HealthCheck.LIVENESS).build());
        registry.register(HealthCheck.of("queue", () -> {
            if (QUEUE_THROWS.get()) {
                throw new IllegalStateException("queue\nbroker unreachable");
            }
            return HealthResult.up().build();
        }).groups("batch").build());
        stuckRegistry = HealthRegistry.builder().build();
        stuckRegistry.register(HealthCheck.of("stuck", () -> {
            RELEASE_STUCK.await(30, TimeUnit.SECONDS);
            return HealthResult.up().build();
        }).groups("slow").timeout(Duration.ofMillis(300)).build());

        server = new Server();
        ServerConnector connector = JettyServers.onLoopback(new ServerConnector(server));
        ServletContextHandler context = new ServletContextHandler("/");
        // README infra-web health
        context.addServlet(new ServletHolder(HealthServlet.of(registry)), "/health/*");
        // END README
        context.addServlet(new ServletHolder(HealthServlet.of(stuckRegistry)), "/stuck-health/*");
        // A filter before the servlet (a request id, the RateLimit headers): its headers are kept.
        context.addFilter((request, response, chain) -> {
            ((jakarta.servlet.http.HttpServletResponse) response).setHeader("X-Request-Id", "r-1");
            chain.doFilter(request, response);
        }, "/health/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
        http = new RawHttp(JettyServers.start(connector, context));
    }

    @AfterAll
    static void stop() throws Exception {
        RELEASE_STUCK.countDown();
        server.stop();
        registry.close();
        stuckRegistry.close();
    }

    @BeforeEach
    void allUp() {
        DB.set(HealthStatus.UP);
        CACHE.set(HealthStatus.UP);
        QUEUE_THROWS.set(false);
    }

    private static RawHttp.Response request(String method, String path) throws Exception {
        return http.send(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close");
    }

    private static void assertSecurityHeaders(RawHttp.Response r) {
        SecurityHeaders.defaults().headers().forEach((name, value) -> assertEquals(value, r.header(name), name));
        assertEquals("no-store", r.header("Cache-Control"));
    }

    @Test
    void servesEveryCheckEachGroupAndTheSecurityHeaders() throws Exception {
        RawHttp.Response all = request("GET", "/health");
        assertEquals(200, all.status(), all.raw());
        assertEquals("application/health+json", all.header("Content-Type"));
        assertSecurityHeaders(all);
        assertEquals("r-1", all.header("X-Request-Id"), "headers a filter set before are kept");
        assertTrue(all.body().startsWith("{\"status\":\"pass\""), all.body());
        assertTrue(all.body().contains("\"db\"") && all.body().contains("\"heap\""), all.body());
        assertEquals(200, request("GET", "/health/").status());

        RawHttp.Response live = request("GET", "/health/live");
        assertEquals(200, live.status());
        assertTrue(live.body().contains("\"heap\"") && !live.body().contains("\"db\""), live.body());
        RawHttp.Response ready = request("GET", "/health/ready/");
        assertEquals(200, ready.status());
        assertTrue(ready.body().contains("\"db\"") && !ready.body().contains("\"heap\""), ready.body());
        assertSecurityHeaders(ready);
    }

    @Test
    void aCriticalCheckDownIs503ANonCriticalOneOnlyDegrades() throws Exception {
        DB.set(HealthStatus.DOWN);
        RawHttp.Response ready = request("GET", "/health/ready");
        assertEquals(503, ready.status());
        assertTrue(ready.body().contains("\"status\":\"fail\"") && ready.body().contains("db DOWN"), ready.body());
        assertSecurityHeaders(ready);
        assertEquals(200, request("GET", "/health/live").status(), "liveness does not depend on the database");

        DB.set(HealthStatus.UP);
        CACHE.set(HealthStatus.DOWN);
        RawHttp.Response degraded = request("GET", "/health/ready");
        assertEquals(200, degraded.status(), degraded.body());
        assertTrue(degraded.body().startsWith("{\"status\":\"warn\""), degraded.body());
        CACHE.set(HealthStatus.DEGRADED);
        assertEquals(200, request("GET", "/health").status());
    }

    @Test
    void aCheckThatThrowsIsDownWithItsMessageAndNoStackTrace() throws Exception {
        assertEquals(200, request("GET", "/health/batch").status());
        QUEUE_THROWS.set(true);
        RawHttp.Response batch = request("GET", "/health/batch");
        assertEquals(503, batch.status(), batch.body());
        assertEquals("application/health+json", batch.header("Content-Type"));
        assertTrue(batch.body().contains("IllegalStateException: queue broker unreachable"), batch.body());
        assertFalse(batch.body().contains("\tat ") || batch.body().contains("at dev.infrakit"), batch.body());
        assertSecurityHeaders(batch);
        assertEquals(503, request("GET", "/health").status(), "a critical check: the whole service is down");
    }

    @Test
    void aCheckThatHangsIsDownAfterItsTimeoutAndTheAnswerDoesNotWait() throws Exception {
        long start = System.nanoTime();
        RawHttp.Response slow = request("GET", "/stuck-health/slow");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(503, slow.status(), slow.body());
        assertTrue(slow.body().contains("timed out after 300ms"), slow.body());
        assertTrue(tookMs < 5_000, "answered after the check's 300 ms timeout, not when it ends: " + tookMs + " ms");
        RawHttp.Response again = request("GET", "/stuck-health");
        assertEquals(503, again.status(), "still running: still down");
        assertTrue(again.body().contains("timed out after 300ms"), again.body());
    }

    @Test
    void headAnswersTheStatusAndHeadersWithoutABody() throws Exception {
        RawHttp.Response head = request("HEAD", "/health");
        assertEquals(200, head.status(), head.raw());
        assertEquals("application/health+json", head.header("Content-Type"));
        assertEquals("", head.body());
        assertSecurityHeaders(head);
        DB.set(HealthStatus.DOWN);
        assertEquals(503, request("HEAD", "/health/ready").status());
    }

    @Test
    void anyOtherMethodIs405WithAllowAndAProblem() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS", "BREW")) {
            RawHttp.Response r = request(method, "/health");
            assertEquals(405, r.status(), method + ": " + r.raw());
            assertEquals("GET, HEAD", r.header("Allow"), method);
            assertEquals("application/problem+json", r.header("Content-Type"), method);
            assertTrue(r.body().contains("\"detail\":\"The method " + method + " is not allowed here; use GET or HEAD.\""),
                    r.body());
            assertSecurityHeaders(r);
        }
    }

    @Test
    void unknownAndHostileSubpathsAre404ProblemsThatNeverEchoRawText() throws Exception {
        for (String path : List.of("/health/nope", "/health/ready/extra", "/health/%3Cscript%3Ealert(1)%3C",
                "/health/" + "a".repeat(4000))) {
            RawHttp.Response r = request("GET", path);
            assertEquals(404, r.status(), path + ": " + r.raw());
            assertEquals("application/problem+json", r.header("Content-Type"), path);
            assertTrue(r.body().contains("\"title\":\"Not Found\""), r.body());
            assertTrue(r.body().length() < 400, "the name is cut short in the detail: " + r.body());
            assertSecurityHeaders(r);
        }
        RawHttp.Response injected = request("GET", "/health/x%0d%0aX-Injected:%20yes");
        assertNull(injected.header("X-Injected"), injected.raw());
        assertTrue(injected.status() == 400 || injected.status() == 404, injected.raw());
        for (String path : List.of("/health/..%2F..%2Fetc%2Fpasswd", "/health/%00", "/health/x%09y", "/health/../health/ready")) {
            RawHttp.Response r = request("GET", path);
            assertTrue(r.status() == 400 || r.status() == 404 || r.status() == 200, path + ": " + r.raw());
            assertFalse(r.raw().contains("root:"), path);
        }
    }
}
