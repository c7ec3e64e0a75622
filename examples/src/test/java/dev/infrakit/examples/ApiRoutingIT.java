package dev.infrakit.examples;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's routing through the whole server, over raw sockets: a method a known route does not
 * take is 405 with {@code Allow}, an unknown path 404, whatever the method, each problem+json with
 * the security headers; the route's own checks come after (an anonymous caller of a known route
 * with a known method is 401).
 */
class ApiRoutingIT {
    @TempDir
    static Path data;
    private static DemoService service;

    @BeforeAll
    static void start() throws IOException {
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0ms", "--rate-anonymous", "1000/15m"),
                Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-routing")),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static RawHttp.Answer send(String method, String path) throws IOException {
        return RawHttp.exchange(service.port(), method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\n\r\n");
    }

    private static void assertProblem(RawHttp.Answer answer, int status) {
        assertEquals(status, answer.status(), answer.toString());
        assertEquals("application/problem+json", answer.header("Content-Type"), answer.toString());
        assertEquals("nosniff", answer.header("X-Content-Type-Options"), answer.toString());
        assertTrue(answer.header("Content-Security-Policy").startsWith("default-src 'self'"), answer.toString());
        assertTrue(answer.body().contains("\"status\":" + status), answer.body());
    }

    @Test
    void aMethodAKnownRouteDoesNotTakeIs405WithAllow() throws IOException {
        Map<String, String> allowed = Map.of("/api/v1/credentials", "GET", "/api/v1/credentials/billing",
                "GET, PUT, DELETE", "/api/v1/credentials/billing/rotate", "POST", "/api/v1/auth/login", "POST",
                "/api/v1/apikeys", "POST, GET", "/api/v1/users/alice", "DELETE", "/.well-known/jwks.json", "GET, HEAD",
                "/admin/app.js", "GET, HEAD");
        for (Map.Entry<String, String> e : allowed.entrySet()) {
            for (String method : List.of("PATCH", "FROBNICATE")) {
                RawHttp.Answer answer = send(method, e.getKey());
                assertProblem(answer, 405);
                assertEquals(e.getValue(), answer.header("Allow"), method + " " + e.getKey());
            }
        }
    }

    @Test
    void anUnknownPathIs404WhateverTheMethod() throws IOException {
        for (String path : List.of("/api/v1/nothing", "/api/v2/credentials/billing/versions", "/nothing", "/api",
                "/administrator", "/api/v1/credentials/billing/versions/1")) {
            for (String method : List.of("GET", "POST", "FROBNICATE")) {
                assertProblem(send(method, path), 404);
            }
        }
    }

    @Test
    void aKnownRouteChecksItsCallerAfterTheMethod() throws IOException {
        RawHttp.Answer anonymous = send("GET", "/api/v1/credentials/billing");
        assertProblem(anonymous, 401);
        assertEquals("Bearer", anonymous.header("WWW-Authenticate"));
    }
}
