package dev.infrakit.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on loopback that delays every chunk by half the given round-trip time in each
 * direction, so a benchmark on one machine sees the network latency a service has to its
 * database in a real deployment. Order is kept: each direction writes from one thread in the order
 * chunks were read.
 */
final class LatencyProxy implements AutoCloseable {
    private final ServerSocket server;
    private final long oneWayNanos;
    private volatile boolean closed;

    LatencyProxy(int targetPort, long roundTripMicros) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.oneWayNanos = TimeUnit.MICROSECONDS.toNanos(roundTripMicros) / 2;
        Thread acceptor = new Thread(() -> accept(targetPort), "latency-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept(int targetPort) {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("latency proxy: " + e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "latency-proxy-write");
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
                            out.write(chunk);
                            out.flush();
                        } catch (IOException e) {
                            closeQuietly(from, to);
                        }
                    }, oneWayNanos, TimeUnit.NANOSECONDS);
                }
            } catch (IOException e) {
                // The peer closed: the other direction notices too.
            } finally {
                writer.schedule(() -> closeQuietly(from, to), oneWayNanos, TimeUnit.NANOSECONDS);
                writer.shutdown();
            }
        }, "latency-proxy-read");
        reader.setDaemon(true);
        reader.start();
    }

    private static void closeQuietly(Socket a, Socket b) {
        try {
            a.close();
        } catch (IOException ignored) {
            // Closing a relay whose peer is gone.
        }
        try {
            b.close();
        } catch (IOException ignored) {
            // Closing a relay whose peer is gone.
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
