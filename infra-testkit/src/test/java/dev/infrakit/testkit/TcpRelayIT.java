package dev.infrakit.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The relay: bytes through in order, a round-trip time added, a pause that holds them and a resume that delivers. */
class TcpRelayIT {

    /** An echo server on loopback: every byte back, one connection at a time. */
    private static ServerSocket echo() throws Exception {
        ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept(); InputStream in = socket.getInputStream();
                     OutputStream out = socket.getOutputStream()) {
                    int b;
                    while ((b = in.read()) >= 0) {
                        out.write(b);
                        out.flush();
                    }
                } catch (Exception e) {
                    // next connection, or closed
                }
            }
        }, "echo");
        thread.setDaemon(true);
        thread.start();
        return server;
    }

    private static String read(Socket socket, int bytes) throws Exception {
        return new String(socket.getInputStream().readNBytes(bytes), StandardCharsets.US_ASCII);
    }

    @Test
    void aPauseHoldsTheBytesWithoutClosingAndAResumeDeliversThemInOrder() throws Exception {
        try (ServerSocket server = echo(); TcpRelay relay = TcpRelay.start(server.getLocalPort());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            client.setSoTimeout(2_000);
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertEquals("hello", read(client, 5));

            relay.pause();
            client.getOutputStream().write("one,".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().write("two".getBytes(StandardCharsets.US_ASCII));
            client.setSoTimeout(500);
            assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read(), "stalled: nothing arrives");
            relay.resume();
            client.setSoTimeout(2_000);
            assertEquals("one,two", read(client, 7), "held, then delivered in order, the connection still open");
        }
    }

    @Test
    void aRoundTripTimeIsAddedToEveryExchange() throws Exception {
        try (ServerSocket server = echo(); TcpRelay relay = TcpRelay.start(server.getLocalPort(), Duration.ofMillis(40));
             Socket client = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            client.setSoTimeout(2_000);
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                client.getOutputStream().write('x');
                assertEquals("x", read(client, 1));
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                // Each way twice (client to relay to echo, and back): at least the 40 ms added.
                assertTrue(tookMillis >= 40, "took " + tookMillis + " ms");
            }
        }
    }

    @Test
    void closingTheRelayEndsItsConnections() throws Exception {
        try (ServerSocket server = echo()) {
            TcpRelay relay = TcpRelay.start(server.getLocalPort());
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
                client.setSoTimeout(2_000);
                client.getOutputStream().write('x');
                assertEquals("x", read(client, 1));
                relay.close();
                assertEquals(-1, client.getInputStream().read(), "the client sees its connection end");
            }
        }
    }
}
