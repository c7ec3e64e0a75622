package dev.infrakit.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loadtest}'s Jetty sender against raw sockets: the connection bound and keep-alive reuse, each
 * request's bearer token, and every failure counted as its kind (a stalled service: timeouts; a closed port:
 * connection refused; a 500: an HTTP error).
 */
class LoadSenderTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A one-route HTTP/1.1 server on raw sockets: answers {@code status} to every request after {@code delayMs}. */
    private final class RawServer {
        final LoopbackServer server;
        final AtomicInteger requests = new AtomicInteger();
        final Set<String> authorizations = ConcurrentHashMap.newKeySet();

        RawServer(int status, long delayMs, boolean answer) throws IOException {
            server = new LoopbackServer("raw-server", s -> serve(s, status, delayMs, answer));
            open.add(server);
        }

        private void serve(Socket s, int status, long delayMs, boolean answer) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1)); OutputStream out = s.getOutputStream()) {
                for (String line = in.readLine(); line != null; line = in.readLine()) { // a request line
                    for (line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        if (line.regionMatches(true, 0, "Authorization:", 0, 14)) {
                            authorizations.add(line.substring(14).trim());
                        }
                    }
                    if (line == null) {
                        return; // the connection ended inside a header
                    }
                    requests.incrementAndGet();
                    if (!answer) {
                        continue; // read and never answer: a stalled service
                    }
                    Thread.sleep(delayMs);
                    out.write(("HTTP/1.1 " + status + " X\r\nContent-Length: 2\r\n\r\nok")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        }

        URI uri() {
            return server.uri("/api/v1/credentials/x");
        }
    }

    private LoadSender sender(URI target, int connections, Duration timeout) throws Exception {
        LoadSender sender = LoadSender.start(target, connections, 1000, timeout, i -> "token-" + (i % 3));
        open.add(0, sender);
        return sender;
    }

    private static LoadResult run(LoadSender sender, int rate, Duration duration, Duration drain) throws Exception {
        return LoadRun.run(OpenLoadSchedule.of(BigDecimal.valueOf(rate), duration), sender, 1000, drain, QUIET);
    }

    @Test
    void requestsShareAtMostTheGivenConnectionsKeptAliveAndCarryTheirTokens() throws Exception {
        RawServer server = new RawServer(200, 20, true);
        // 200 requests due within 100 ms, each answered after 20 ms: far more due than 4 connections serve at
        // once, so most wait in the client's queue (their wait counted from when they were due).
        LoadResult r = run(sender(server.uri(), 4, Duration.ofSeconds(10)), 2000, Duration.ofMillis(100),
                Duration.ofSeconds(15));
        assertEquals(200, r.planned);
        assertEquals(200, r.ok, r.errorKinds.toString());
        assertEquals(200, server.requests.get());
        assertTrue(server.server.connections() <= 4, "at most 4 connections, got " + server.server.connections());
        assertEquals(Set.of("Bearer token-0", "Bearer token-1", "Bearer token-2"), server.authorizations);
        // 200 answers of 20 ms over 4 connections take ≥ 1 s: the last ones waited, and that wait is counted.
        assertTrue(r.maxLatencyMicros() >= 800_000, "queueing counted: max " + r.maxLatencyMicros() + " µs");
    }

    @Test
    void aServiceThatNeverAnswersEndsInTimeoutsNotInAHang() throws Exception {
        RawServer server = new RawServer(200, 0, false);
        LoadResult r = run(sender(server.uri(), 8, Duration.ofMillis(300)), 100, Duration.ofMillis(100),
                Duration.ofSeconds(10));
        assertEquals(10, r.planned);
        assertEquals(0, r.ok);
        assertEquals(Map.of("timeout", 10L), r.errorKinds);
    }

    @Test
    void aClosedPortIsConnectionRefusedAndA500IsAnError() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        LoadResult refused = run(sender(URI.create("http://127.0.0.1:" + closedPort + "/x"), 4, Duration.ofSeconds(5)),
                100, Duration.ofMillis(50), Duration.ofSeconds(10));
        assertEquals(Map.of("connection refused", 5L), refused.errorKinds);

        RawServer failing = new RawServer(500, 0, true);
        LoadResult errors = run(sender(failing.uri(), 4, Duration.ofSeconds(5)), 100, Duration.ofMillis(50),
                Duration.ofSeconds(10));
        assertEquals(Map.of("HTTP 500", 5L), errors.errorKinds);
        assertEquals(5, errors.completed);
    }

    @Test
    void closingWithRequestsOpenReturnsPromptly() throws Exception {
        RawServer server = new RawServer(200, 0, false);
        LoadSender sender = LoadSender.start(server.uri(), 2, 1000, Duration.ofSeconds(30), i -> "t");
        CountDownLatch failed = new CountDownLatch(1);
        sender.send(0).whenComplete((status, failure) -> failed.countDown());
        long start = System.nanoTime();
        sender.close();
        assertTrue(failed.await(5, TimeUnit.SECONDS), "the open request ends when the client stops");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
    }
}
