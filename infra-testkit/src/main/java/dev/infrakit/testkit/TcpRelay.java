package dev.infrakit.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on loopback between a client and a server, for fault and latency tests: it can add
 * a round-trip time (half each way, as a network between a service and its database would), and
 * {@link #pause()} stalls every connection through it — bytes are held, connections stay open,
 * nothing is refused: a network that stops delivering — until {@link #resume()} delivers what it
 * held, in order. Each direction writes from one thread in the order chunks were read.
 * Thread-safe.
 */
public final class TcpRelay implements AutoCloseable {
    private final ServerSocket server;
    private final InetAddress target;
    private final int targetPort;
    private final long oneWayNanos;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private boolean paused;
    private volatile boolean closed;

    private TcpRelay(InetAddress target, int targetPort, Duration roundTrip) throws IOException {
        this.target = target;
        this.targetPort = targetPort;
        this.oneWayNanos = roundTrip.toNanos() / 2;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "tcp-relay-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * A relay to {@code targetPort} on loopback, without delay.
     *
     * @param targetPort the server's port on 127.0.0.1
     * @return the running relay
     * @throws IOException if no port can be opened
     */
    public static TcpRelay start(int targetPort) throws IOException {
        return start(targetPort, Duration.ZERO);
    }

    /**
     * A relay to {@code targetPort} on loopback adding {@code roundTrip} (half each way).
     *
     * @param targetPort the server's port on 127.0.0.1
     * @param roundTrip the round-trip time to add, e.g. 500 µs
     * @return the running relay
     * @throws IOException if no port can be opened
     */
    public static TcpRelay start(int targetPort, Duration roundTrip) throws IOException {
        Objects.requireNonNull(roundTrip, "roundTrip");
        if (roundTrip.isNegative()) {
            throw new IllegalArgumentException("roundTrip must not be negative, got " + roundTrip);
        }
        return new TcpRelay(InetAddress.getLoopbackAddress(), targetPort, roundTrip);
    }

    /** The port clients connect to, on 127.0.0.1. */
    public int port() {
        return server.getLocalPort();
    }

    /** Holds every byte in both directions, on every connection, until {@link #resume()}. */
    public void pause() {
        synchronized (gate) {
            paused = true;
        }
    }

    /** Delivers what {@link #pause()} held, in order, and relays again. */
    public void resume() {
        synchronized (gate) {
            paused = false;
            gate.notifyAll();
        }
    }

    /** Closes the relay and every connection through it (the server sees them end). Idempotent. */
    @Override
    public void close() {
        closed = true;
        resume();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }

    @Override
    public String toString() {
        return "TcpRelay[" + port() + " -> " + targetPort + (paused ? ", paused" : "") + "]";
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                // closed, or the server refused: the client's connection ends
            }
        }
    }

    private void awaitOpen() throws InterruptedException {
        synchronized (gate) {
            while (paused && !closed) {
                gate.wait();
            }
        }
    }

    private void pump(Socket from, Socket to) {
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tcp-relay-write");
            t.setDaemon(true);
            return t;
        });
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    byte[] chunk = Arrays.copyOf(buffer, n);
                    writer.schedule(() -> {
                        try {
                            awaitOpen();
                            out.write(chunk);
                            out.flush();
                        } catch (IOException e) {
                            closeQuietly(from);
                            closeQuietly(to);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, oneWayNanos, TimeUnit.NANOSECONDS);
                }
            } catch (IOException e) {
                // The peer closed: the other direction notices too.
            } finally {
                writer.schedule(() -> {
                    try {
                        awaitOpen();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    closeQuietly(from);
                    closeQuietly(to);
                }, oneWayNanos, TimeUnit.NANOSECONDS);
                writer.shutdown();
            }
        }, "tcp-relay-read");
        reader.setDaemon(true);
        reader.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a relay whose peer is gone.
        }
    }
}
