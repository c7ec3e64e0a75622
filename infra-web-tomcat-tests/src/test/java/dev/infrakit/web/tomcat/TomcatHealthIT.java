package dev.infrakit.web.tomcat;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.web.servlet.HealthServlet;
import dev.infrakit.web.servlet.RawHttp;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.FilterRegistration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

import static dev.infrakit.web.servlet.FilterAssertions.assertProblem;
import static dev.infrakit.web.servlet.FilterAssertions.assertSecurityHeaders;
import static dev.infrakit.web.servlet.RawHttp.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HealthServlet} mapped at {@code /health/*} in a real embedded Tomcat 11, behind the
 * security-header filter (so both set the headers: each must still be sent once), over raw
 * sockets. The {@code db} check (readiness) is switched by the tests; {@code heap} (liveness) is
 * always up.
 */
class TomcatHealthIT {
    private static final AtomicReference<HealthStatus> DB = new AtomicReference<>(HealthStatus.UP);
    private static HealthRegistry registry;
    private static EmbeddedTomcat tomcat;
    private static RawHttp http;

    @BeforeAll
    static void start() throws Exception {
        registry = HealthRegistry.builder().build();
        registry.register(HealthCheck.of("db", () -> HealthResult.of(DB.get(),
                DB.get() == HealthStatus.UP ? null : "db " + DB.get()).build()).groups(HealthCheck.READINESS).build());
        registry.register(HealthCheck.of("heap", () -> HealthResult.up().build()).groups(HealthCheck.LIVENESS).build());
        tomcat = EmbeddedTomcat.start(4, (classes, context) -> {
            FilterRegistration.Dynamic headers =
                    context.addFilter("securityHeaders", SecurityHeadersServletFilter.defaults());
            headers.setAsyncSupported(true);
            headers.addMappingForUrlPatterns(SecurityHeadersServletFilter.DISPATCHER_TYPES, false, "/*");
            context.addServlet("health", HealthServlet.of(registry)).addMapping("/health/*");
        });
        http = new RawHttp(tomcat.port());
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
        registry.close();
    }

    @AfterEach
    void up() {
        DB.set(HealthStatus.UP);
    }

    private static RawHttp.Response send(String method, String path) throws IOException {
        return http.send(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close");
    }

    @Test
    void everyCheckAndEachGroupIs200HealthJsonWithTheSecurityHeadersOnce() throws IOException {
        RawHttp.Response all = http.send(get("/health"));
        assertEquals(200, all.status(), all.raw());
        assertEquals("application/health+json", all.header("Content-Type"), all.raw());
        assertEquals("no-store", all.header("Cache-Control"), all.raw());
        assertTrue(all.body().contains("\"db\"") && all.body().contains("\"heap\""), all.body());
        assertSecurityHeaders(all);
        RawHttp.Response live = http.send(get("/health/live"));
        assertEquals(200, live.status(), live.raw());
        assertTrue(live.body().contains("\"heap\"") && !live.body().contains("\"db\""), live.body());
        RawHttp.Response ready = http.send(get("/health/ready"));
        assertEquals(200, ready.status(), ready.raw());
        assertTrue(ready.body().contains("\"db\"") && !ready.body().contains("\"heap\""), ready.body());
    }

    @Test
    void aDownReadinessCheckIs503WhileLivenessStays200() throws IOException {
        DB.set(HealthStatus.DOWN);
        RawHttp.Response ready = http.send(get("/health/ready"));
        assertEquals(503, ready.status(), ready.raw());
        assertTrue(ready.body().contains("\"status\":\"fail\"") && ready.body().contains("db DOWN"), ready.body());
        assertSecurityHeaders(ready);
        assertEquals(503, http.send(get("/health")).status());
        assertEquals(200, http.send(get("/health/live")).status(), "liveness does not depend on the database");
    }

    @Test
    void aMethodOtherThanGetOrHeadIs405ProblemWithAllow() throws IOException {
        for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"}) {
            RawHttp.Response response = send(method, "/health");
            assertProblem(response, 405, "");
            assertEquals("GET, HEAD", response.header("Allow"), method + ": " + response.raw());
        }
        RawHttp.Response head = send("HEAD", "/health/live");
        assertEquals(200, head.status(), head.raw());
        assertEquals("", head.body());
    }

    @Test
    void anUnknownGroupIs404ProblemAndAHostilePathIs400Or404WithoutEcho() throws IOException {
        assertProblem(http.send(get("/health/nope")), 404, "");
        for (String hostile : new String[] {"/health/%00", "/health/..%2f..%2fetc", "/health/" + "a".repeat(4000)}) {
            RawHttp.Response response = http.send(get(hostile));
            assertTrue(response.status() == 400 || response.status() == 404, hostile + ": " + response.raw());
            assertFalse(response.raw().contains("\u0000") || response.raw().contains("a".repeat(100)), response.raw());
        }
    }
}
