package dev.infrakit.web.servlet;

import dev.infrakit.core.http.Problem;
import dev.infrakit.web.BodyLimit;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * The servlet filters in a real embedded Jetty 12 (ee10), wired as README shows (through
 * {@code ServletContext.addFilter} in a listener), talked to over real sockets. One server for the
 * class.
 */
class JettyServletFiltersIT {
    private static final int LIMIT = 1024;
    private static final AtomicLong BYTES_READ = new AtomicLong();
    private static final AtomicLong SERVLET_CALLS = new AtomicLong();
    private static Server server;
    private static RawHttp http;

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        ServerConnector connector = JettyServers.onLoopback(new ServerConnector(server));
        ServletContextHandler context = new ServletContextHandler("/");
        context.addEventListener(new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent event) {
                // README infra-web
                ServletContext context = event.getServletContext();
                FilterRegistration.Dynamic headers =
                        context.addFilter("securityHeaders", SecurityHeadersServletFilter.defaults());
                headers.setAsyncSupported(true);
                // REQUEST and ERROR: the container's error pages get the headers too
                headers.addMappingForUrlPatterns(SecurityHeadersServletFilter.DISPATCHER_TYPES, false, "/*");
                FilterRegistration.Dynamic bodyLimit =
                        context.addFilter("bodyLimit", BodyLimitServletFilter.of(BodyLimit.of(LIMIT)));
                bodyLimit.setAsyncSupported(true);
                // REQUEST and ASYNC: a request resumed after a rate-limit delay is limited too
                bodyLimit.addMappingForUrlPatterns(BodyLimitServletFilter.DISPATCHER_TYPES, true, "/*");
                // END README
            }
        });
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                SERVLET_CALLS.incrementAndGet();
                text(resp, 200, "ok");
            }
        }), "/ok");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                throw new IllegalStateException("internal detail 5ecret");
            }
        }), "/boom");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                SERVLET_CALLS.incrementAndGet();
                long n = count(req.getInputStream());
                text(resp, 200, "read " + n);
            }
        }), "/echo");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                long n = 0;
                while (req.getReader().read() >= 0) {
                    n++;
                }
                text(resp, 200, "chars " + n);
            }
        }), "/reader");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                try {
                    count(req.getInputStream());
                } catch (IOException e) {
                    resp.setStatus(200);
                    resp.getWriter().print("swallowed");
                    return;
                }
                text(resp, 200, "whole");
            }
        }), "/swallow");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setHeader("X-Frame-Options", "SAMEORIGIN");
                text(resp, 200, "own");
            }
        }), "/override");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setHeader("X-Leftover", "from before");
                resp.getWriter().print("half an answer");
                ProblemResponses.defaults().send(resp, Problem.of(409, "Conflict", "The name is taken."));
            }
        }), "/conflict");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setStatus(200);
                resp.getWriter().print("committed ");
                resp.flushBuffer();
                try {
                    ProblemResponses.defaults().send(resp, Problem.of(409, "Conflict", "Too late."));
                } catch (IllegalStateException e) {
                    resp.getWriter().print(e.getMessage());
                }
            }
        }), "/committed");
        http = new RawHttp(JettyServers.start(connector, context));
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
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

    private static void text(HttpServletResponse resp, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("text/plain;charset=utf-8");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    @Test
    void aSuccessfulResponseCarriesTheSecurityHeaders() throws IOException {
        RawHttp.Response response = http.send(get("/ok"));
        assertEquals(200, response.status());
        assertEquals("ok", response.body());
        assertSecurityHeaders(response);
    }

    @Test
    void aServletMayOverrideOneHeader() throws IOException {
        RawHttp.Response response = http.send(get("/override"));
        assertEquals("SAMEORIGIN", response.header("X-Frame-Options"));
        assertEquals("nosniff", response.header("X-Content-Type-Options"));
    }

    @Test
    void theContainers404CarriesTheSecurityHeaders() throws IOException {
        RawHttp.Response response = http.send(get("/nothing-here"));
        assertEquals(404, response.status(), response.raw());
        assertSecurityHeaders(response);
    }

    @Test
    void theContainers500AfterAnExceptionCarriesTheSecurityHeaders() throws IOException {
        RawHttp.Response response = http.send(get("/boom"));
        assertEquals(500, response.status(), response.raw());
        assertSecurityHeaders(response);
    }

    @Test
    void aProblemAnswerReplacesWhatTheResponseHeldAndCarriesTheSecurityHeaders() throws IOException {
        RawHttp.Response response = http.send(get("/conflict"));
        assertProblem(response, 409, "The name is taken.");
        assertNull(response.header("X-Leftover"), response.raw());
        assertFalse(response.body().contains("half an answer"), response.body());
    }

    @Test
    void aProblemCannotReplaceACommittedResponse() throws IOException {
        RawHttp.Response response = http.send(get("/committed"));
        assertEquals(200, response.status());
        assertEquals("committed The response is already committed; cannot answer 409", response.body());
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeTheServletRuns() throws IOException {
        RawHttp.Response response = http.send(post("/echo", "Content-Length: " + (LIMIT + 1)), new byte[LIMIT + 1]);
        assertProblem(response, 413, "larger than 1024 bytes");
        assertEquals("close", response.header("Connection"));
        assertEquals(0, SERVLET_CALLS.get());
    }

    @Test
    void aRefusedDeclaredBodyIsReadFirstSoTheClientGetsThe413NotAReset() throws IOException {
        // 200 KB: more than the socket buffers hold unless the server reads. A server that answers
        // and closes with the body unread resets the connection, and the client loses the 413.
        int size = LIMIT * 200;
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        for (int attempt = 0; attempt < 2; attempt++) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                socket.setSoTimeout(10_000);
                java.io.OutputStream out = socket.getOutputStream();
                out.write((post("/echo", "Content-Length: " + size) + "\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                out.flush();
                // The body comes later and in parts, as from a client on a real network: a server
                // that does not wait for it has answered and closed by then.
                for (int part = 0; part < 4; part++) {
                    sleep(100);
                    out.write(new byte[size / 4]);
                    out.flush();
                }
                String answer = new String(socket.getInputStream().readAllBytes(),
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
                assertTrue(answer.contains("larger than 1024 bytes"), answer);
            }
        }
        assertEquals(0, SERVLET_CALLS.get());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aBodyOfExactlyTheLimitPasses() throws IOException {
        RawHttp.Response response = http.send(post("/echo", "Content-Length: " + LIMIT), new byte[LIMIT]);
        assertEquals(200, response.status(), response.raw());
        assertEquals("read 1024", response.body());
        assertSecurityHeaders(response);
    }

    @Test
    void aChunkedBodyStreamingPastTheLimitIsCutOffWith413() throws IOException {
        RawHttp.Response response = http.send(post("/echo", "Transfer-Encoding: chunked"), RawHttp.chunked(64 * 1024));
        assertProblem(response, 413, "larger than 1024 bytes");
        assertEquals("close", response.header("Connection"));
        assertTrue(BYTES_READ.get() <= LIMIT, "the servlet read " + BYTES_READ.get());
    }

    @Test
    void aChunkedBodyWithinTheLimitPasses() throws IOException {
        RawHttp.Response response = http.send(post("/echo", "Transfer-Encoding: chunked"), RawHttp.chunked(LIMIT));
        assertEquals(200, response.status(), response.raw());
        assertEquals("read 1024", response.body());
    }

    @Test
    void aBodyReadThroughTheReaderIsCountedToo() throws IOException {
        RawHttp.Response response = http.send(post("/reader", "Transfer-Encoding: chunked"), RawHttp.chunked(5000));
        assertProblem(response, 413, "larger than 1024 bytes");
        RawHttp.Response within = http.send(post("/reader", "Transfer-Encoding: chunked"), RawHttp.chunked(100));
        assertEquals("chars 100", within.body());
    }

    @Test
    void aServletThatSwallowsTheOverflowStillAnswers413() throws IOException {
        RawHttp.Response response = http.send(post("/swallow", "Transfer-Encoding: chunked"), RawHttp.chunked(5000));
        assertProblem(response, 413, "larger than 1024 bytes");
        assertFalse(response.body().contains("swallowed"), response.body());
    }

    @Test
    void aNegativeOrInventedContentLengthIs400NamingTheHeaderAndNeverEchoed() throws IOException {
        for (String value : new String[] {"-1", "abc<script>", "1e3", "99999999999999999999999"}) {
            RawHttp.Response response = http.send(post("/echo", "Content-Length: " + value), new byte[4]);
            assertEquals(400, response.status(), value + ": " + response.raw());
            assertTrue(response.raw().contains("Content-Length"), value + ": " + response.raw());
            assertFalse(response.raw().contains("<script>"), value + ": " + response.raw());
            assertEquals(0, SERVLET_CALLS.get(), value);
        }
    }

    @Test
    void aDuplicateContentLengthIs400() throws IOException {
        RawHttp.Response differing = http.send(post("/echo", "Content-Length: 4", "Content-Length: 5"), new byte[5]);
        assertEquals(400, differing.status(), differing.raw());
        assertTrue(differing.raw().contains("Content-Length"), differing.raw());
        RawHttp.Response same = http.send(post("/echo", "Content-Length: 4", "Content-Length: 4"), new byte[4]);
        assertEquals(400, same.status(), same.raw());
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
