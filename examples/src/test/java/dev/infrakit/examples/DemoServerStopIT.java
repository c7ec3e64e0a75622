package dev.infrakit.examples;

import dev.infrakit.web.SecurityHeaders;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DemoServer#stop()}: it stops accepting at once, lets a request in flight finish (up to a
 * second), then closes; a request still running after that second is cut off, and the stop does
 * not wait for it.
 */
class DemoServerStopIT {
    private static DemoServer server(long servletMillis, CountDownLatch entered) throws IOException {
        DemoServer server = new DemoServer(new DemoServer.Limits(0, Duration.ofSeconds(5), 8, 16, 8, 16 * 1024),
                SecurityHeaders.defaults());
        server.servlet("/slow", new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                entered.countDown();
                try {
                    Thread.sleep(servletMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                resp.getOutputStream().write("done".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
        return server;
    }

    private static CompletableFuture<RawHttp.Answer> slowRequest(int port) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return RawHttp.exchange(port, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            } catch (IOException e) {
                return new RawHttp.Answer(-1, e.toString(), "");
            }
        });
    }

    @Test
    void aRequestInFlightFinishesWhileNoNewConnectionIsAccepted() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        DemoServer server = server(400, entered);
        int port = server.port();
        CompletableFuture<RawHttp.Answer> inFlight = slowRequest(port);
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        long start = System.nanoTime();
        server.stop();
        long stopMillis = (System.nanoTime() - start) / 1_000_000;
        RawHttp.Answer answer = inFlight.get(10, TimeUnit.SECONDS);
        assertEquals(200, answer.status(), answer.toString());
        assertEquals("done", answer.body());
        assertTrue(stopMillis < 1500, "stopped after " + stopMillis + " ms");
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    }

    @Test
    void aRequestStillRunningAfterASecondIsCutOffAndTheStopDoesNotWaitForIt() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        DemoServer server = server(30_000, entered);
        CompletableFuture<RawHttp.Answer> inFlight = slowRequest(server.port());
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        long start = System.nanoTime();
        server.stop();
        long stopMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(stopMillis >= 900 && stopMillis < 5000, "stopped after " + stopMillis + " ms");
        RawHttp.Answer answer = inFlight.get(10, TimeUnit.SECONDS);
        assertTrue(answer.status() != 200, "the cut-off request was not answered as done: " + answer);
    }
}
