package dev.infrakit.web.jdk;

import dev.infrakit.core.http.Problem;
import dev.infrakit.web.SecurityHeaders;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The security-header and body-limit filters in a real JDK HttpServer. */
class HttpFiltersIT {
    private HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        var context = server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = ("got " + in.readAllBytes().length + " bytes").getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        context.getFilters().add(SecurityHeadersFilter.of(SecurityHeaders.builder().without("Strict-Transport-Security")
                .header("Permissions-Policy", "camera=()").build()));
        context.getFilters().add(BodyLimitFilter.of(1024));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void everyResponseCarriesTheSecurityHeaders() throws Exception {
        for (String path : new String[] {"/ok", "/missing"}) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow(), path);
            assertTrue(r.headers().firstValue("Content-Security-Policy").orElseThrow().contains("frame-ancestors 'none'"));
            assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElseThrow());
            assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElseThrow());
            assertEquals("camera=()", r.headers().firstValue("Permissions-Policy").orElseThrow());
            assertFalse(r.headers().firstValue("Strict-Transport-Security").isPresent(), "left out on request");
        }
        assertTrue(SecurityHeadersFilter.defaults().headers().containsKey("Strict-Transport-Security"));
    }

    @Test
    void bodiesOverTheLimitAre413AndOthersReachTheHandler() throws Exception {
        HttpResponse<String> small = client.send(HttpRequest.newBuilder(uri("/post")).POST(
                HttpRequest.BodyPublishers.ofString("x".repeat(1000))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, small.statusCode());
        assertEquals("got 1000 bytes", small.body());

        HttpResponse<String> declared = client.send(HttpRequest.newBuilder(uri("/post")).POST(
                HttpRequest.BodyPublishers.ofString("x".repeat(5000))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, declared.statusCode());
        assertEquals(Problem.MEDIA_TYPE, declared.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(declared.body().contains("\"status\":413") && declared.body().contains("larger than 1024 bytes"),
                declared.body());

        // Chunked: no Content-Length, so the filter counts while reading.
        HttpResponse<String> chunked = client.send(HttpRequest.newBuilder(uri("/post")).POST(
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[4096]))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode());
        assertThrows(IllegalArgumentException.class, () -> BodyLimitFilter.of(0));
    }

    @Test
    void aClientStillSendingAnOversizedBodyGetsThe413NotAReset() throws Exception {
        // Bodies far past the limit and past the JDK server's own 64 KiB drain: without draining them
        // first, closing the connection resets it and the client loses the answer (intermittently).
        for (int i = 0; i < 40; i++) {
            int size = i % 2 == 0 ? 200_000 : 70_000;
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri("/post")).POST(
                    i % 4 < 2 ? HttpRequest.BodyPublishers.ofString("x".repeat(size))
                            : HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[size])))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(413, r.statusCode());
            assertTrue(r.body().contains("larger than 1024 bytes"), r.body());
        }
    }

    @Test
    void aSignedContentLengthIs400NamingTheHeader() throws Exception {
        // A doubled Content-Length never gets here: the JDK server refuses it itself.
        for (String lengths : new String[] {"Content-Length: +5"}) {
            String answer = raw("POST /post HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + lengths
                    + "\r\n\r\nhello");
            assertTrue(answer.startsWith("HTTP/1.1 400"), lengths + ": " + answer);
            assertTrue(answer.contains("Content-Length must be"), answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("x-content-type-options: nosniff"), answer);
        }
    }

    private String raw(String request) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
