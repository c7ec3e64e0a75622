package dev.infrakit.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow clients cannot take the service down (the JDK server's 16 workers read requests without a
 * timeout: 16 stalled POSTs stopped it). Through real sockets: 32 connections each send
 * {@code POST /api/v1/credentials} with {@code Content-Length: 1000} and one body byte, 32 send a
 * login the same way (its body is read, so each holds a request thread while it waits), and 32 send
 * half a request line; all hold still. Meanwhile {@code /health/live} and an authenticated read each
 * answer within a second, and once the read timeout has passed the server has closed every stalled
 * connection (any answer it sent first is a problem: 405 for the POST it never had to read, 408 for
 * a body that did not arrive).
 */
class StalledConnectionsIT {
    private static final String ADMIN_PASSWORD = "admin-password-stalled";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
    private static final int STALLED = 32;

    @TempDir
    Path data;
    private DemoService service;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (service != null) {
            service.close();
        }
    }

    private Socket stall(String request) throws IOException {
        Socket socket = new Socket("127.0.0.1", service.port());
        sockets.add(socket);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    private static String stalledPost(String path) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000\r\n\r\n{";
    }

    @Test
    void stalledRequestsNeitherBlockOthersNorOutliveTheReadTimeout() throws Exception {
        DemoService.Settings settings = ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0ms", "--rate-client", "100000/1m", "--rate-anonymous",
                "100000/15m"), Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD));
        settings.readTimeout = READ_TIMEOUT;
        service = DemoService.start(settings, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        int port = service.port();
        String admin = DemoHttp.login(port, "admin", ADMIN_PASSWORD);
        assertEquals(201, DemoHttp.call(port, "PUT", "/api/v1/credentials/billing", admin, "{\"password\":\"p\"}")
                .statusCode());

        long stalledAt = System.nanoTime();
        List<Socket> posts = new ArrayList<>();
        List<Socket> logins = new ArrayList<>();
        List<Socket> halfLines = new ArrayList<>();
        for (int i = 0; i < STALLED; i++) {
            posts.add(stall(stalledPost("/api/v1/credentials")));
            logins.add(stall(stalledPost("/api/v1/auth/login")));
            halfLines.add(stall("GET /api/v1/credenti"));
        }

        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            HttpResponse<String> live = DemoHttp.call(port, "GET", "/health/live", null, null);
            long liveMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, live.statusCode(), live.body());
            assertTrue(liveMillis < 1000, "/health/live answered after " + liveMillis + " ms");
            start = System.nanoTime();
            HttpResponse<String> read = DemoHttp.call(port, "GET", "/api/v1/credentials/billing", admin, null);
            long readMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, read.statusCode(), read.body());
            assertTrue(readMillis < 1000, "an authenticated read answered after " + readMillis + " ms");
        }

        for (Socket s : posts) {
            assertClosedAfterAtMostAProblem(s, stalledAt, 405, 408);
        }
        for (Socket s : logins) {
            assertClosedAfterAtMostAProblem(s, stalledAt, 408);
        }
        for (Socket s : halfLines) {
            assertClosedAfterAtMostAProblem(s, stalledAt, 408, 400);
        }
        long closedAfter = (System.nanoTime() - stalledAt) / 1_000_000;
        assertTrue(closedAfter < READ_TIMEOUT.toMillis() + 5000, "every stalled connection closed after "
                + closedAfter + " ms");
        assertEquals(200, DemoHttp.call(port, "GET", "/health/live", null, null).statusCode());
    }

    /**
     * The server closes {@code socket} within the read timeout (and a margin) of {@code since}, having
     * sent nothing or one problem of one of {@code statuses}.
     */
    private static void assertClosedAfterAtMostAProblem(Socket socket, long since, int... statuses) throws IOException {
        long left = READ_TIMEOUT.toMillis() + 5000 - (System.nanoTime() - since) / 1_000_000;
        socket.setSoTimeout((int) Math.max(1, left));
        byte[] received = RawHttp.readToEnd(socket.getInputStream());
        RawHttp.Answer answer = RawHttp.Answer.parse(received);
        if (answer.status() == 0) {
            return; // closed without a word: read returned -1
        }
        boolean expected = false;
        for (int status : statuses) {
            expected |= answer.status() == status;
        }
        assertTrue(expected, "answered " + answer);
        assertEquals("application/problem+json", answer.header("Content-Type"), answer.toString());
        assertEquals("nosniff", answer.header("X-Content-Type-Options"), answer.toString());
    }
}
