package dev.infrakit.examples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A server socket on a loopback port of its own that hands each accepted connection to {@code handler} on a
 * daemon thread of its own; closing it closes the server socket and every connection it accepted. The plumbing
 * under {@link LoopbackResponder} (and the tests' raw HTTP servers).
 */
final class LoopbackServer implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> accepted = new ArrayList<>();

    /**
     * Starts accepting.
     *
     * @param name the threads' name
     * @param handler serves one connection (and should close it when done); runs on a thread of its own
     */
    LoopbackServer(String name, Consumer<Socket> handler) throws IOException {
        socket = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> accept(name, handler), name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The URL requests to {@code path} go to. */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    /** How many connections it has accepted so far. */
    int connections() {
        synchronized (accepted) {
            return accepted.size();
        }
    }

    private void accept(String name, Consumer<Socket> handler) {
        while (!socket.isClosed()) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                return; // closed
            }
            synchronized (accepted) {
                accepted.add(s);
            }
            Thread t = new Thread(() -> handler.accept(s), name);
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        synchronized (accepted) {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
