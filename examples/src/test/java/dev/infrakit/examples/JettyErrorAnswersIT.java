package dev.infrakit.examples;

import dev.infrakit.web.SecurityHeaders;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every error the demo's server answers itself, over raw sockets: what Jetty refuses before any
 * servlet (a malformed request line, a header with a NUL or without a colon, 64 KiB of header, an
 * over-long URI, an unknown HTTP version, a malformed Content-Length), an unknown path with an
 * invented method, and a servlet that throws. Each is problem+json with the security headers and a
 * fixed detail: never HTML, never the exception's name or message, nothing of the request echoed.
 * One {@link DemoServer} (the demo's own server class) for the class.
 */
class JettyErrorAnswersIT {
    private static final SecurityHeaders HEADERS = SecurityHeaders.builder().without("Strict-Transport-Security").build();
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static DemoServer server;

    @BeforeAll
    static void start() throws IOException {
        server = new DemoServer(new DemoServer.Limits(0, Duration.ofSeconds(5), 16, 64, 16, MAX_HEADER_BYTES), HEADERS);
        server.servlet("/ok", new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setContentType("text/plain;charset=utf-8");
                resp.getOutputStream().write("ok".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.servlet("/boom", new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                throw new IllegalStateException("internal detail 5ecret");
            }
        });
        server.servlet("/refused", new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.sendError(503, "<b>detail 5ecret</b>");
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static RawHttp.Answer send(String request) throws IOException {
        return RawHttp.exchange(server.port(), request);
    }

    /** A problem of {@code status} with the security headers, naming nothing it was sent. */
    private static void assertProblem(RawHttp.Answer answer, int status, String... notEchoed) {
        assertEquals(status, answer.status(), answer.toString());
        assertEquals("application/problem+json", answer.header("Content-Type"), answer.toString());
        assertEquals("no-store", answer.header("Cache-Control"), answer.toString());
        for (Map.Entry<String, String> h : HEADERS.headers().entrySet()) {
            assertEquals(h.getValue(), answer.header(h.getKey()), h.getKey() + " in\n" + answer);
        }
        assertTrue(answer.body().startsWith("{\"type\":\"about:blank\"") && answer.body().contains("\"status\":" + status),
                answer.body());
        String all = answer.toString();
        assertFalse(all.toLowerCase(java.util.Locale.ROOT).contains("<html"), all);
        assertFalse(all.contains("Exception") || all.contains("5ecret") || all.contains("jetty"), all);
        for (String sent : notEchoed) {
            assertFalse(all.contains(sent), "echoed '" + sent + "': " + all);
        }
    }

    @Test
    void aWellFormedRequestIsServed() throws IOException {
        RawHttp.Answer ok = send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(200, ok.status(), ok.toString());
        assertEquals("ok", ok.body());
        assertEquals("nosniff", ok.header("X-Content-Type-Options"));
        assertEquals(null, ok.header("Server"), "no server version");
    }

    @Test
    void aMalformedRequestLineIs400() throws IOException {
        assertProblem(send("GET\r\nHost: x\r\n\r\n"), 400);
        assertProblem(send("GET /ok HTTP/1.1 trailing-garbage-marker\r\nHost: x\r\n\r\n"), 400, "trailing-garbage-marker");
        assertProblem(send("\u0001\u0002garbage-marker\r\n\r\n"), 400, "garbage-marker");
    }

    @Test
    void aHeaderWithANulOrWithoutAColonIs400() throws IOException {
        assertProblem(send("GET /ok HTTP/1.1\r\nHost: x\r\nX-Evil: a\u0000nul-marker\r\n\r\n"), 400, "nul-marker");
        assertProblem(send("GET /ok HTTP/1.1\r\nHost: x\r\nno-colon-marker\r\n\r\n"), 400, "no-colon-marker");
        assertProblem(send("GET /ok HTTP/1.1\r\nHost: x\r\nX-Evil: a\rSet-Cookie: injected=1\r\n\r\n"), 400, "injected");
    }

    @Test
    void sixtyFourKibibytesOfHeaderIs431() throws IOException {
        assertProblem(send("GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(64 * 1024) + "\r\n\r\n"), 431, "hhhh");
    }

    @Test
    void anOverLongUriIs414() throws IOException {
        assertProblem(send("GET /ok?q=" + "u".repeat(MAX_HEADER_BYTES + 100) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414,
                "uuuu");
    }

    @Test
    void anUnknownHttpVersionIs505Or400() throws IOException {
        RawHttp.Answer answer = send("GET /ok HTTP/3.0\r\nHost: x\r\n\r\n");
        assertProblem(answer, answer.status() == 400 ? 400 : 505);
        assertProblem(send("GET /ok HTTP/9.9\r\nHost: x\r\n\r\n"), answer.status() == 400 ? 400 : 505);
    }

    @Test
    void aMalformedContentLengthIs400() throws IOException {
        assertProblem(send("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n"), 400, "12abc");
        assertProblem(send("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"), 400);
    }

    @Test
    void anInventedMethodOnAnUnknownPathIsA404ProblemWithABody() throws IOException {
        assertProblem(send("FROBNICATE /nothing-marker HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 404,
                "nothing-marker", "FROBNICATE");
        assertProblem(send("GET /nothing-marker HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 404, "nothing-marker");
    }

    @Test
    void aServletThatThrowsIs500WithoutTheException() throws IOException {
        assertProblem(send("GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 500, "IllegalState");
    }

    @Test
    void aSendErrorIsAProblemWithoutItsMessage() throws IOException {
        assertProblem(send("GET /refused HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 503, "<b>");
    }

    @Test
    void aMalformedRequestOnAKeptAliveConnectionIsAnsweredAndTheConnectionClosedAsAnnounced() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                java.io.OutputStream out = socket.getOutputStream();
                java.io.InputStream in = socket.getInputStream();
                out.write("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                byte[] first = new byte[4096];
                int n = in.read(first);
                String answer = new String(first, 0, n, StandardCharsets.ISO_8859_1);
                assertTrue(answer.startsWith("HTTP/1.1 200") && answer.endsWith("ok"), answer);
                out.write("DELETE /ok/NO%00PE HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                RawHttp.Answer refused = RawHttp.Answer.parse(RawHttp.readToEnd(in));
                assertProblem(refused, 400);
                // The server closes the connection after it: it says so, or a client would send its next request there.
                assertEquals("close", refused.header("Connection"), refused.toString());
            }
        }
    }
}
