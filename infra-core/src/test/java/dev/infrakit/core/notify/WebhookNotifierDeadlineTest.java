package dev.infrakit.core.notify;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Against raw sockets playing hostile webhooks: one that never answers, one that dribbles its
 * answer a byte a second, one that answers with 200 MB, one that keeps failing. {@code send()} must
 * return or fail within its deadline (plus a small margin), and read only a bounded part of a body.
 */
class WebhookNotifierDeadlineTest {
    private static final Duration DEADLINE = Duration.ofMillis(1500);
    /** Scheduling and connection set-up on a loaded CI machine. */
    private static final Duration MARGIN = Duration.ofMillis(1000);

    private final ServerSocket server = newServer();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();

    private static ServerSocket newServer() {
        try {
            return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
        threads.shutdownNow();
    }

    /** What the server does with each connection once it has read a request. */
    private interface Answer {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    private void serve(Answer answer) {
        threads.execute(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.add(s);
                threads.execute(() -> {
                    try {
                        readRequest(s.getInputStream());
                        requests.incrementAndGet();
                        answer.write(s.getOutputStream());
                        s.close();
                    } catch (IOException | InterruptedException e) {
                        // the client went away: what the hostile server expects
                    }
                });
            }
        });
    }

    /** Reads the head and the Content-Length body of one request. */
    private static void readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            head.append((char) b);
        }
        String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
        int i = lower.indexOf("content-length:");
        int length = i < 0 ? 0 : Integer.parseInt(lower.substring(i + 15, lower.indexOf('\r', i)).trim());
        in.readNBytes(length);
    }

    private WebhookNotifier notifier(int attempts, Duration backoff) {
        return WebhookNotifier.builder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/hooks/secret"))
                .timeout(DEADLINE).maxAttempts(attempts).backoff(backoff, backoff.multipliedBy(4)).build();
    }

    private static Notification notification() {
        return new Notification("backup:nightly", Notification.Severity.CRITICAL, "Restore drill failed", "row counts differ",
                Instant.parse("2026-11-22T03:00:00Z"), Map.of());
    }

    /**
     * Sends on another thread and waits at most the deadline plus the margin; returns the failure, or
     * null when it was delivered.
     */
    private NotificationException sendWithin(WebhookNotifier notifier) throws Exception {
        long start = System.nanoTime();
        Future<NotificationException> sent = threads.submit(() -> {
            try {
                notifier.send(notification());
                return null;
            } catch (NotificationException e) {
                return e;
            }
        });
        try {
            NotificationException result = sent.get(DEADLINE.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took <= DEADLINE.plus(MARGIN).toMillis(), "send() took " + took + " ms");
            return result;
        } catch (TimeoutException e) {
            sent.cancel(true);
            fail("send() still running " + DEADLINE.plus(MARGIN).toMillis() + " ms after it started (deadline "
                    + DEADLINE.toMillis() + " ms)");
            return null;
        }
    }

    @Test
    void aServerThatNeverAnswersFailsTheSendAtTheDeadlineRetriesIncluded() throws Exception {
        serve(out -> Thread.sleep(60_000));
        NotificationException e = sendWithin(notifier(3, Duration.ofMillis(10)));
        assertTrue(e != null && e.getMessage().contains("1500 ms deadline"), String.valueOf(e));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void aServerThatDribblesItsAnswerAByteASecondCannotHoldTheSendPastTheDeadline() throws Exception {
        serve(out -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 40; i++) {
                out.write('.');
                out.flush();
                Thread.sleep(1000);
            }
        });
        NotificationException e = sendWithin(notifier(3, Duration.ofMillis(10)));
        assertTrue(e != null && e.getMessage().contains("deadline"), String.valueOf(e));
        assertEquals(1, requests.get(), "a dribbling answer used up the deadline; no retry after it");
    }

    @Test
    void a200MegabyteBodyIsNotBufferedOnlyItsFirstKilobytesAreRead() throws Exception {
        long huge = 200L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        serve(out -> {
            try {
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + huge + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'x');
                while (written.get() < huge) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
                out.flush();
            } finally {
                done.countDown();
            }
        });
        assertEquals(null, sendWithin(notifier(1, Duration.ofMillis(10))), "a 2xx is a delivery, whatever follows it");
        assertTrue(done.await(10, TimeUnit.SECONDS), "the client neither read the body on nor closed the connection");
        // What the client did not read stayed in the socket buffers: a few MB at most, never the 200 MB.
        assertTrue(written.get() < 32L * 1024 * 1024, "the server wrote " + written.get() + " bytes: the body was read");
    }

    @Test
    void retriesAndBackoffWaitsFitInTheOneDeadline() throws Exception {
        serve(out -> {
            out.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        });
        NotificationException e = sendWithin(notifier(50, Duration.ofMillis(400)));
        assertTrue(e != null && e.getMessage().contains("deadline") && e.getMessage().contains("HTTP 503"),
                String.valueOf(e));
        assertTrue(requests.get() >= 2 && requests.get() < 50, requests.get() + " requests");
    }
}
