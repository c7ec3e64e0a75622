package dev.infrakit.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain {@link ServerSocket} on 127.0.0.1 that plays a PostgreSQL server without TLS, to prove
 * where a client connects and what it sends: it answers a TLS request with "no" ({@code N}), asks
 * for a cleartext password after the startup message, records the startup parameters and any
 * password it receives, and then refuses the login. A client that requires TLS must hang up after
 * the "no"; one that does not sends its password here in the clear.
 *
 * <p>Thread-safe; serves connections one at a time on a daemon thread until {@link #close()}.
 */
public final class PlaintextPostgresListener implements AutoCloseable {
    private static final int SSL_REQUEST = 80877103;
    private static final int GSSENC_REQUEST = 80877104;
    private static final int PROTOCOL_3 = 196608;

    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger tlsRequests = new AtomicInteger();
    private final List<Map<String, String>> startups = new ArrayList<>();
    private final List<String> passwords = new ArrayList<>();
    private final Thread acceptor;

    private PlaintextPostgresListener(ServerSocket socket) {
        this.socket = socket;
        this.acceptor = new Thread(this::serve, "plaintext-postgres-listener");
        acceptor.setDaemon(true);
    }

    /**
     * Listens on a free port of 127.0.0.1.
     *
     * @throws UncheckedIOException if no port can be bound
     */
    public static PlaintextPostgresListener start() {
        try {
            PlaintextPostgresListener listener = new PlaintextPostgresListener(
                    new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            listener.acceptor.start();
            return listener;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port it listens on. */
    public int port() {
        return socket.getLocalPort();
    }

    /** How many TCP connections were accepted. */
    public int connections() {
        return connections.get();
    }

    /** How many TLS requests were answered with "no". */
    public int tlsRequests() {
        return tlsRequests.get();
    }

    /** The startup parameters of every client that got as far as logging in (user, database, …). */
    public synchronized List<Map<String, String>> startups() {
        return List.copyOf(startups);
    }

    /** Every password received, in the clear. */
    public synchronized List<String> passwords() {
        return List.copyOf(passwords);
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                connections.incrementAndGet();
                client.setSoTimeout(10_000);
                converse(new DataInputStream(client.getInputStream()), new DataOutputStream(client.getOutputStream()));
            } catch (IOException e) {
                // The client hung up (as one requiring TLS does) or the listener was closed.
            }
        }
    }

    private void converse(DataInputStream in, DataOutputStream out) throws IOException {
        while (true) {
            int length = in.readInt();
            int code = in.readInt();
            byte[] body = new byte[Math.max(0, length - 8)];
            in.readFully(body);
            if (code == SSL_REQUEST || code == GSSENC_REQUEST) {
                if (code == SSL_REQUEST) {
                    tlsRequests.incrementAndGet();
                }
                out.writeByte('N');
                out.flush();
                continue;
            }
            if (code != PROTOCOL_3) {
                return;
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            String[] parts = new String(body, StandardCharsets.UTF_8).split("\0");
            for (int i = 0; i + 1 < parts.length; i += 2) {
                parameters.put(parts[i], parts[i + 1]);
            }
            synchronized (this) {
                startups.add(parameters);
            }
            out.writeByte('R');
            out.writeInt(8);
            out.writeInt(3);
            out.flush();
            int type = in.readByte();
            int passwordLength = in.readInt();
            byte[] password = new byte[passwordLength - 4];
            in.readFully(password);
            if (type == 'p') {
                synchronized (this) {
                    passwords.add(new String(password, 0, Math.max(0, password.length - 1), StandardCharsets.UTF_8));
                }
            }
            byte[] message = "SFATAL\0C28P01\0Mpassword authentication failed (plaintext listener)\0\0"
                    .getBytes(StandardCharsets.UTF_8);
            out.writeByte('E');
            out.writeInt(4 + message.length);
            out.write(message);
            out.flush();
            return;
        }
    }

    /** Stops listening. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "PlaintextPostgresListener[127.0.0.1:" + port() + ", " + connections() + " connections, "
                + passwords().size() + " passwords]";
    }
}
