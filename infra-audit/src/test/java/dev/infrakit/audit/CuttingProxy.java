package dev.infrakit.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy on 127.0.0.1 between a client (a connection pool) and a PostgreSQL server, that can
 * lose the reply to a commit: when {@linkplain #arm() armed}, it forwards the next client message
 * that commits (a query {@code COMMIT}, or the Bind of a statement prepared as one) to the server, waits for the server's reply (the CommandComplete
 * {@code COMMIT} tag), swallows it, and closes that client's connection. The client sees its
 * connection drop after the server committed. Otherwise it passes every byte both ways.
 */
final class CuttingProxy implements AutoCloseable {
    private static final byte[] COMMIT_COMPLETE = "COMMIT\0".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch cut = new CountDownLatch(1);

    CuttingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "cutting-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The port clients connect to. */
    int port() {
        return listener.getLocalPort();
    }

    /** Loses the reply to the next commit of any connection. */
    void arm() {
        cut = new CountDownLatch(1);
        armed.set(true);
    }

    /** Waits until an armed cut happened. */
    boolean awaitCut(long seconds) throws InterruptedException {
        return cut.await(seconds, TimeUnit.SECONDS);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                Connection connection = new Connection(client, server);
                start("cutting-proxy-up", connection::clientToServer);
                start("cutting-proxy-down", connection::serverToClient);
            } catch (IOException e) {
                // Closed, or a connection that could not be made: the client sees it fail.
            }
        }
    }

    private static void start(String name, Runnable pump) {
        Thread thread = new Thread(pump, name);
        thread.setDaemon(true);
        thread.start();
    }

    private final class Connection {
        private final Socket client;
        private final Socket server;
        private volatile boolean cutting;

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void clientToServer() {
            byte[] buffer = new byte[65536];
            FrontendMessages messages = new FrontendMessages();
            try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (messages.commitIn(buffer, n) && armed.compareAndSet(true, false)) {
                        cutting = true;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // One side closed.
            } finally {
                closeBoth();
            }
        }

        void serverToClient() {
            byte[] buffer = new byte[65536];
            ByteArrayOutputStream swallowed = new ByteArrayOutputStream();
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (!cutting) {
                        out.write(buffer, 0, n);
                        out.flush();
                        continue;
                    }
                    swallowed.write(buffer, 0, n);
                    byte[] reply = swallowed.toByteArray();
                    if (indexOf(reply, reply.length, COMMIT_COMPLETE) >= 0) {
                        // The server committed; the client never hears of it.
                        closeBoth();
                        cut.countDown();
                        return;
                    }
                }
            } catch (IOException e) {
                // One side closed.
            } finally {
                closeBoth();
            }
        }

        private void closeBoth() {
            for (Socket socket : new Socket[] {client, server}) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // Already closed.
                }
                sockets.remove(socket);
            }
        }
    }

    /**
     * Splits the client's byte stream into protocol messages and tells which carry a COMMIT: a
     * simple query {@code COMMIT}, or a Bind of a statement prepared as {@code COMMIT} (drivers
     * prepare it once and then send only Bind and Execute).
     */
    private static final class FrontendMessages {
        private static final int SSL_REQUEST = 80877103;
        private static final int GSSENC_REQUEST = 80877104;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final Set<String> commitStatements = new java.util.HashSet<>();
        private boolean startup = true;

        boolean commitIn(byte[] data, int length) {
            pending.write(data, 0, length);
            byte[] bytes = pending.toByteArray();
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            boolean commit = false;
            while (true) {
                int headerLength = startup ? 4 : 5;
                if (buffer.remaining() < headerLength) {
                    break;
                }
                int start = buffer.position();
                byte type = startup ? 0 : buffer.get(start);
                int size = buffer.getInt(start + (startup ? 0 : 1));
                int total = size + (startup ? 0 : 1);
                if (buffer.remaining() < total) {
                    break;
                }
                byte[] payload = java.util.Arrays.copyOfRange(bytes, start + headerLength, start + total);
                buffer.position(start + total);
                if (startup) {
                    int code = payload.length >= 4 ? java.nio.ByteBuffer.wrap(payload).getInt() : 0;
                    startup = code == SSL_REQUEST || code == GSSENC_REQUEST;
                } else if (type == 'Q') {
                    commit |= isCommit(cstrings(payload, 1)[0]);
                } else if (type == 'P') {
                    String[] parse = cstrings(payload, 2);
                    if (isCommit(parse[1])) {
                        commitStatements.add(parse[0]);
                    } else {
                        commitStatements.remove(parse[0]);
                    }
                } else if (type == 'B') {
                    commit |= commitStatements.contains(cstrings(payload, 2)[1]);
                }
            }
            pending.reset();
            pending.write(bytes, buffer.position(), bytes.length - buffer.position());
            return commit;
        }

        private static boolean isCommit(String query) {
            String q = query.strip().toUpperCase(java.util.Locale.ROOT);
            return q.equals("COMMIT") || q.equals("COMMIT;") || q.equals("END");
        }

        private static String[] cstrings(byte[] payload, int count) {
            String[] strings = new String[count];
            int at = 0;
            for (int i = 0; i < count; i++) {
                int end = at;
                while (end < payload.length && payload[end] != 0) {
                    end++;
                }
                strings[i] = new String(payload, at, end - at, StandardCharsets.UTF_8);
                at = end + 1;
            }
            return strings;
        }
    }

    private static int indexOf(byte[] data, int length, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
