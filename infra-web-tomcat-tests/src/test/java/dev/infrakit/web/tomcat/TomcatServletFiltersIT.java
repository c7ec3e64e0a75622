package dev.infrakit.web.tomcat;

import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.servlet.BodyLimitServletFilter;
import dev.infrakit.web.servlet.RawHttp;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static dev.infrakit.web.servlet.FilterAssertions.assertProblem;
import static dev.infrakit.web.servlet.FilterAssertions.assertSecurityHeaders;
import static dev.infrakit.web.servlet.RawHttp.get;
import static dev.infrakit.web.servlet.RawHttp.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SecurityHeadersServletFilter} and {@link BodyLimitServletFilter} in a real embedded Tomcat
 * 11, wired through the Servlet API exactly as infra-web's README shows, talked to over raw
 * sockets. One server for the class.
 */
class TomcatServletFiltersIT {
    private static final int LIMIT = 1024;
    private static final AtomicLong BYTES_READ = new AtomicLong();
    private static final AtomicLong SERVLET_CALLS = new AtomicLong();
    private static EmbeddedTomcat tomcat;
    private static RawHttp http;

    @BeforeAll
    static void start() throws Exception {
        tomcat = EmbeddedTomcat.start(8, (classes, context) -> {
            wireAsReadmeShows(context);
            servlet(context, "/ok", new HttpServlet() {
                @Override
                protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    SERVLET_CALLS.incrementAndGet();
                    text(resp, "ok");
                }
            });
            servlet(context, "/boom", new HttpServlet() {
                @Override
                protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                    throw new IllegalStateException("internal detail 5ecret");
                }
            });
            servlet(context, "/override", new HttpServlet() {
                @Override
                protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    resp.setHeader("X-Frame-Options", "SAMEORIGIN");
                    text(resp, "own");
                }
            });
            servlet(context, "/echo", new HttpServlet() {
                @Override
                protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    SERVLET_CALLS.incrementAndGet();
                    text(resp, "read " + count(req.getInputStream()));
                }
            });
        });
        http = new RawHttp(tomcat.port());
    }

    private static void wireAsReadmeShows(ServletContext context) {
        FilterRegistration.Dynamic headers =
                context.addFilter("securityHeaders", SecurityHeadersServletFilter.defaults());
        headers.setAsyncSupported(true);
        headers.addMappingForUrlPatterns(SecurityHeadersServletFilter.DISPATCHER_TYPES, false, "/*");
        FilterRegistration.Dynamic bodyLimit =
                context.addFilter("bodyLimit", BodyLimitServletFilter.of(BodyLimit.of(LIMIT)));
        bodyLimit.setAsyncSupported(true);
        bodyLimit.addMappingForUrlPatterns(BodyLimitServletFilter.DISPATCHER_TYPES, true, "/*");
    }

    private static void servlet(ServletContext context, String path, HttpServlet servlet) {
        context.addServlet(path, servlet).addMapping(path);
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
    }

    @BeforeEach
    void reset() {
        BYTES_READ.set(0);
        SERVLET_CALLS.set(0);
    }

    private static long count(InputStream in) throws IOException {
        byte[] buffer = new byte[256];
        long n = 0;
        for (int r; (r = in.read(buffer)) >= 0;) {
            n += r;
            BYTES_READ.addAndGet(r);
        }
        return n;
    }

    private static void text(HttpServletResponse resp, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setContentType("text/plain;charset=utf-8");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    @Test
    void theOnlyServletApiOnTheClassPathIsTomcats() {
        String source = HttpServlet.class.getProtectionDomain().getCodeSource().getLocation().toString();
        assertTrue(source.contains("tomcat-embed-core"), source);
    }

    @Test
    void aSuccessfulResponseCarriesTheSecurityHeadersOnce() throws IOException {
        RawHttp.Response response = http.send(get("/ok"));
        assertEquals(200, response.status(), response.raw());
        assertEquals("ok", response.body());
        assertSecurityHeaders(response);
    }

    @Test
    void aServletMayOverrideOneHeaderWhichIsThenSentOnce() throws IOException {
        RawHttp.Response response = http.send(get("/override"));
        assertEquals(List.of("SAMEORIGIN"), response.headers("X-Frame-Options"), response.raw());
        assertEquals("nosniff", response.header("X-Content-Type-Options"));
    }

    @Test
    void tomcats404CarriesTheSecurityHeadersOnce() throws IOException {
        RawHttp.Response response = http.send(get("/nothing-here"));
        assertEquals(404, response.status(), response.raw());
        assertSecurityHeaders(response);
    }

    @Test
    void tomcats500AfterAServletThrewCarriesTheSecurityHeadersOnce() throws IOException {
        RawHttp.Response response = http.send(get("/boom"));
        assertEquals(500, response.status(), response.raw());
        assertSecurityHeaders(response);
        // With the report off (EmbeddedTomcat, as README advises), nothing of the exception shows.
        assertFalse(response.raw().contains("5ecret") || response.raw().contains("IllegalStateException"),
                response.raw());
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeTheServletReads() throws IOException {
        RawHttp.Response response = http.send(post("/echo", "Content-Length: " + (LIMIT + 1)), new byte[LIMIT + 1]);
        assertProblem(response, 413, "larger than 1024 bytes");
        assertEquals("close", response.header("Connection"), response.raw());
        assertEquals(0, SERVLET_CALLS.get());
        assertEquals(0, BYTES_READ.get());
    }

    @Test
    void aHugeDeclaredLengthIsAnsweredBeforeAnyBodyByteAndClosedAfterTheConnectionTimeout() throws IOException {
        // Only the head is sent. The 413 comes at once; Tomcat then waits for the body it drains
        // before closing, up to its connectionTimeout, and closes when none comes.
        try (Socket socket = new Socket("127.0.0.1", tomcat.port())) {
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            socket.getOutputStream().write((post("/echo", "Content-Length: 10000000000") + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            while (!wholeAnswer(received.toByteArray())) {
                int b = in.read();
                assertTrue(b >= 0, "closed before the answer: " + received);
                received.write(b);
            }
            Duration answered = Duration.ofNanos(System.nanoTime() - start);
            assertProblem(RawHttp.Response.parse(received.toByteArray()), 413, "larger than 1024 bytes");
            assertTrue(answered.compareTo(EmbeddedTomcat.CONNECTION_TIMEOUT) < 0, "answered after " + answered);
            assertEquals(-1, in.read());
            Duration closed = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(closed.compareTo(EmbeddedTomcat.CONNECTION_TIMEOUT.plusSeconds(5)) < 0, "closed after " + closed);
        }
        assertEquals(0, SERVLET_CALLS.get());
    }

    /** Whether {@code bytes} hold a head and as many body bytes as its Content-Length says. */
    private static boolean wholeAnswer(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String length = RawHttp.Response.parse(bytes).header("Content-Length");
        return length != null && bytes.length - end - 4 >= Integer.parseInt(length);
    }

    @Test
    void aBodyOfExactlyTheLimitPasses() throws IOException {
        RawHttp.Response declared = http.send(post("/echo", "Content-Length: " + LIMIT), new byte[LIMIT]);
        assertEquals(200, declared.status(), declared.raw());
        assertEquals("read 1024", declared.body());
        assertSecurityHeaders(declared);
        RawHttp.Response chunked = http.send(post("/echo", "Transfer-Encoding: chunked"), RawHttp.chunked(LIMIT));
        assertEquals(200, chunked.status(), chunked.raw());
        assertEquals("read 1024", chunked.body());
    }

    @Test
    void aChunkedBodyPastTheLimitIs413AndTheConnectionIsClosed() throws IOException {
        // A keep-alive request: the answer says close, and the server does close (RawHttp reads to
        // the end of the stream, so a connection kept open would fail this on its read timeout).
        String keepAlive = "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked";
        RawHttp.Response response = http.send(keepAlive, RawHttp.chunked(LIMIT + 1));
        assertProblem(response, 413, "larger than 1024 bytes");
        assertEquals("close", response.header("Connection"), response.raw());
        assertTrue(BYTES_READ.get() <= LIMIT, "the servlet read " + BYTES_READ.get());
        assertFalse(response.body().contains("read "), response.body());
    }

    @Test
    void aLongChunkedBodyIsCutOffAtTheLimit() throws IOException {
        RawHttp.Response response = http.send(post("/echo", "Transfer-Encoding: chunked"), RawHttp.chunked(64 * 1024));
        assertProblem(response, 413, "larger than 1024 bytes");
        assertTrue(BYTES_READ.get() <= LIMIT, "the servlet read " + BYTES_READ.get());
    }

    @Test
    void aMalformedOrRepeatedContentLengthIs400NeverEchoedAndNeverReachesTheServlet() throws IOException {
        String[][] cases = {
                {"Content-Length: -1"}, {"Content-Length: abc<script>"}, {"Content-Length: 1e3"},
                {"Content-Length: 99999999999999999999999"}, {"Content-Length: +4"},
                {"Content-Length: 4", "Content-Length: 5"}, {"Content-Length: 4", "Content-Length: 4"},
        };
        for (String[] headers : cases) {
            RawHttp.Response response = http.send(post("/echo", headers), new byte[5]);
            String what = String.join(", ", headers);
            assertEquals(400, response.status(), what + ": " + response.raw());
            assertFalse(response.raw().contains("<script>"), what + ": " + response.raw());
            assertEquals(0, SERVLET_CALLS.get(), what);
        }
    }

    @Test
    void traceIsRefusedAndEchoesNoHeaderBack() throws IOException {
        // HttpServlet.doTrace would echo the request's headers, cookies included; Tomcat's connector
        // refuses TRACE first (allowTrace is false by default).
        RawHttp.Response trace = http.send("TRACE /ok HTTP/1.1\r\nHost: localhost\r\nConnection: close"
                + "\r\nCookie: session=5ecret");
        assertEquals(405, trace.status(), trace.raw());
        assertFalse(trace.raw().contains("5ecret"), trace.raw());
        assertEquals(0, SERVLET_CALLS.get());
    }

    @Test
    void aHeaderWithANulOrABareCarriageReturnIsRefusedAndNeverEchoedRaw() throws IOException {
        RawHttp.Response nul = http.send(get("/ok") + "\r\nX-Evil: a\u0000injected");
        assertEquals(400, nul.status(), nul.raw());
        assertFalse(nul.raw().contains("\u0000") || nul.raw().contains("injected"), nul.raw());
        RawHttp.Response cr = http.send(get("/ok") + "\r\nX-Evil: a\rSet-Cookie: injected=1");
        assertEquals(400, cr.status(), cr.raw());
        assertFalse(cr.raw().contains("injected"), cr.raw());
        assertNull(cr.header("Set-Cookie"), cr.raw());
        assertEquals(0, SERVLET_CALLS.get());
    }
}
