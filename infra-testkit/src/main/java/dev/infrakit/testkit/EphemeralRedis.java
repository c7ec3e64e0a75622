package dev.infrakit.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A real, throwaway Redis server for tests (Debian's {@code redis-server}).
 *
 * <p>{@link #shared()} is the one server of the JVM, started on first use and shared by every test
 * class (tests keep apart by key prefix); {@link #start()} starts a dedicated server, for tests
 * that stop and restart it ({@link #stop()}, {@link #restart()}). Each listens on 127.0.0.1 on a
 * free port, keeps nothing on disk ({@code save ""}, no append-only file) and runs under a small
 * shell that holds the server's life to the JVM's: when the JVM exits — or is killed, since the
 * kernel then closes the pipe the shell reads — the shell stops the server. When the JVM runs as
 * root, the server runs as the unprivileged user {@code redis} (or {@code INFRAKIT_REDIS_OS_USER})
 * through {@code runuser}.
 *
 * <p>The binary is {@code INFRAKIT_REDIS_SERVER}, else {@code redis-server} on the {@code PATH} or
 * in {@code /usr/bin}. When there is none, every method that needs one throws an
 * {@link EphemeralRedisException} that says how to install it; nothing is ever skipped.
 *
 * <p>{@link #command} sends one command over a plain socket (RESP), so fixtures and tests can ask
 * the server things ({@code INFO commandstats}, {@code FLUSHALL}) without a client library.
 * Thread-safe.
 */
public final class EphemeralRedis implements AutoCloseable {
    /** Environment variable naming the {@code redis-server} binary. */
    public static final String SERVER_ENV = "INFRAKIT_REDIS_SERVER";
    /** Environment variable naming the unprivileged user that runs the server when the JVM is root. */
    public static final String OS_USER_ENV = "INFRAKIT_REDIS_OS_USER";

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static volatile EphemeralRedis shared;

    private final Path binary;
    private final String osUser;
    private final Path dir;
    /** A configuration file the server reads first and may rewrite (a sentinel's), or null. */
    private final Path configFile;
    private final List<String> extraArgs;
    private final Thread shutdownHook;
    private volatile int port;
    private Process process;
    private volatile boolean closed;

    private EphemeralRedis(Path binary, String osUser, Path dir, Path configFile, List<String> extraArgs) {
        this.binary = binary;
        this.osUser = osUser;
        this.dir = dir;
        this.configFile = configFile;
        this.extraArgs = List.copyOf(extraArgs);
        this.shutdownHook = new Thread(this::stopQuietly, "infrakit-ephemeral-redis-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The JVM's shared server, started on first call. Do not stop or close it: other test classes
     * use it.
     *
     * @return the shared server
     * @throws EphemeralRedisException if no server can be found or started
     */
    public static EphemeralRedis shared() {
        EphemeralRedis s = shared;
        if (s == null) {
            synchronized (EphemeralRedis.class) {
                s = shared;
                if (s == null) {
                    s = start();
                    shared = s;
                }
            }
        }
        return s;
    }

    /**
     * Starts a dedicated server, which the caller stops with {@link #close()}.
     *
     * @return the running server
     * @throws EphemeralRedisException if no server can be found or started
     */
    public static EphemeralRedis start() {
        return start(List.of());
    }

    /** Starts a dedicated server with {@code extraArgs} after the fixture's own (cluster nodes, replicas). */
    static EphemeralRedis start(List<String> extraArgs) {
        return start(findBinary(), null, extraArgs);
    }

    /**
     * Starts a Redis Sentinel ({@code redis-sentinel}) whose configuration file, which it rewrites as
     * it learns the deployment, holds {@code config}'s lines.
     */
    static EphemeralRedis startSentinel(List<String> config) {
        return start(sibling("redis-sentinel"), config, List.of());
    }

    private static EphemeralRedis start(Path binary, List<String> config, List<String> extraArgs) {
        String user = isRoot() ? osUser() : null;
        Path dir;
        Path configFile = null;
        try {
            dir = Files.createTempDirectory("infrakit-redis-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (config != null) {
                configFile = Files.write(dir.resolve("sentinel.conf"), config, StandardCharsets.UTF_8);
            }
            if (user != null) {
                CommandLine.run(List.of("chown", "-R", user, dir.toString()));
            }
        } catch (IOException e) {
            throw new EphemeralRedisException("Could not create a directory for Redis: " + e, e);
        }
        EphemeralRedis redis = new EphemeralRedis(binary, user, dir, configFile, extraArgs);
        try {
            redis.launch(0);
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        return redis;
    }

    /** The host the server listens on: {@code 127.0.0.1}. */
    public String host() {
        return HOST;
    }

    /** The port the server listens on (the same after {@link #restart()}). */
    public int port() {
        return port;
    }

    /** The server's address as a Redis URI, {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://" + HOST + ":" + port;
    }

    /**
     * Stops the server (as a crash or an operator would: it is gone, connections are refused) and
     * waits for it to exit. {@link #restart()} starts it again on the same port.
     *
     * @throws EphemeralRedisException if it does not stop within 20 seconds
     */
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        if (!TiedProcess.stop(p, START_TIMEOUT)) {
            throw new EphemeralRedisException("Redis on port " + port + " did not stop within " + START_TIMEOUT);
        }
        awaitPortClosed();
    }

    /**
     * Starts the stopped server again on the same port (empty: it keeps nothing on disk).
     *
     * @throws EphemeralRedisException if it cannot start
     * @throws IllegalStateException if it is running or closed
     */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (process != null) {
            throw new IllegalStateException("Redis on port " + port + " is running");
        }
        launch(port);
    }

    /** Whether the server process is running. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Sends one command and returns the reply as text: a simple string or integer as written
     * ({@code PONG}, {@code 1}), a bulk string's content, {@code null} for a null reply, an array's
     * elements one per line.
     *
     * @param args the command and its arguments, e.g. {@code "INFO", "commandstats"}
     * @return the reply
     * @throws EphemeralRedisException if the server answers an error or cannot be reached
     */
    public String command(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return Resp.read(socket.getInputStream());
        } catch (IOException e) {
            throw new EphemeralRedisException("Redis on port " + port + " did not answer " + args[0] + ": " + e, e);
        }
    }

    /** Stops the server for good and deletes its directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook runs or has run.
        }
        TiedProcess.deleteTree(dir);
    }

    @Override
    public String toString() {
        return "EphemeralRedis[" + uri() + (isRunning() ? "" : ", stopped") + "]";
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            // Best effort on close and at JVM exit.
        }
    }

    /** Starts the server on {@code wantedPort} (0: a free one, retried if another process takes it first). */
    private void launch(int wantedPort) {
        EphemeralRedisException last = null;
        for (int attempt = 0; attempt < (wantedPort == 0 ? 5 : 1); attempt++) {
            int candidate = wantedPort != 0 ? wantedPort : freePort();
            try {
                process = spawn(candidate);
                port = candidate;
                awaitReady(candidate);
                return;
            } catch (EphemeralRedisException e) {
                last = e;
                Process p = process;
                process = null;
                if (p != null) {
                    TiedProcess.stop(p, Duration.ZERO);
                }
            }
        }
        throw last;
    }

    private Process spawn(int onPort) {
        Path log = dir.resolve("redis-" + onPort + ".log");
        List<String> server = new ArrayList<>();
        if (osUser != null) {
            server.addAll(List.of("runuser", "-u", osUser, "--"));
        }
        server.add(binary.toString());
        if (configFile != null) {
            server.add(configFile.toString()); // a sentinel's: first, and writable
        } else {
            server.addAll(List.of("--save", "", "--appendonly", "no"));
        }
        server.addAll(List.of("--port", Integer.toString(onPort), "--bind", HOST, "--protected-mode", "no",
                "--dir", dir.toString(), "--daemonize", "no", "--loglevel", "notice"));
        server.addAll(extraArgs);
        try {
            return TiedProcess.start(server, log);
        } catch (IOException e) {
            throw new EphemeralRedisException("Could not start " + binary + ": " + e, e);
        }
    }

    private void awaitReady(int onPort) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (process == null || !process.isAlive()) {
                throw new EphemeralRedisException("Redis exited on start (port " + onPort + "): " + tail(onPort));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, onPort), 500);
                socket.setSoTimeout(2_000);
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                if ("PONG".equals(Resp.read(socket.getInputStream()))) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            sleep(50);
        }
        throw new EphemeralRedisException("Redis did not answer PING on port " + onPort + " within " + START_TIMEOUT
                + ": " + tail(onPort));
    }

    private void awaitPortClosed() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 200);
            } catch (IOException e) {
                return;
            }
            sleep(50);
        }
        throw new EphemeralRedisException("Redis on port " + port + " still accepts connections after stopping");
    }

    private String tail(int onPort) {
        return TiedProcess.tail(dir.resolve("redis-" + onPort + ".log"));
    }

    private static int freePort() {
        try {
            return TiedProcess.freePort(HOST);
        } catch (IOException e) {
            throw new EphemeralRedisException("No free port on " + HOST + ": " + e, e);
        }
    }

    /** The directory the server runs in (its cluster configuration file lives there). */
    Path dir() {
        return dir;
    }

    /** A program next to {@code redis-server}, e.g. {@code redis-cli}, or from the PATH. */
    static Path sibling(String program) {
        Path next = findBinary().resolveSibling(program);
        if (Files.isExecutable(next)) {
            return next;
        }
        for (Path candidate : List.of(Path.of("/usr/bin", program), Path.of("/usr/local/bin", program))) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String install = program.equals("redis-sentinel") ? "apt-get install -y redis-sentinel (Debian/Ubuntu)"
                : "apt-get install -y redis-server (Debian/Ubuntu; " + program + " comes with it)";
        throw new EphemeralRedisException("No " + program + " found next to redis-server or in /usr/bin. Install it: "
                + install);
    }

    private static Path findBinary() {
        String configured = System.getenv(SERVER_ENV);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            if (Files.isExecutable(path)) {
                return path;
            }
            throw new EphemeralRedisException(SERVER_ENV + "=" + configured + " is not an executable redis-server");
        }
        List<Path> candidates = new ArrayList<>();
        String pathEnv = System.getenv("PATH");
        if (pathEnv != null) {
            for (String entry : pathEnv.split(java.io.File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    candidates.add(Path.of(entry, "redis-server"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/redis-server"));
        candidates.add(Path.of("/usr/local/bin/redis-server"));
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new EphemeralRedisException("No redis-server found (looked at " + SERVER_ENV + ", the PATH, /usr/bin and "
                + "/usr/local/bin). Install it: apt-get install -y redis-server (Debian/Ubuntu), or set " + SERVER_ENV);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String osUser() {
        String configured = System.getenv(OS_USER_ENV);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return userExists("redis") ? "redis" : "nobody";
    }

    private static boolean userExists(String user) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(line -> line.startsWith(user + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeralRedisException("Interrupted while waiting for Redis", e);
        }
    }

    /** Runs a short command to completion, failing with its output. */
    private static final class CommandLine {
        static void run(List<String> command) throws IOException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try {
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    throw new IOException(String.join(" ", command) + " failed: " + output.strip());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + String.join(" ", command), e);
            }
        }
    }

    /** The RESP replies {@link #command} reads. */
    private static final class Resp {
        static String read(InputStream in) throws IOException {
            String line = line(in);
            if (line.isEmpty()) {
                throw new IOException("empty reply");
            }
            char type = line.charAt(0);
            String rest = line.substring(1);
            switch (type) {
                case '+':
                case ':':
                    return rest;
                case '-':
                    throw new EphemeralRedisException("Redis answered an error: " + rest);
                case '$': {
                    int length = Integer.parseInt(rest);
                    if (length < 0) {
                        return null;
                    }
                    byte[] data = in.readNBytes(length + 2);
                    return new String(data, 0, length, StandardCharsets.UTF_8);
                }
                case '*': {
                    int count = Integer.parseInt(rest);
                    List<String> items = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        items.add(read(in));
                    }
                    return String.join("\n", items);
                }
                default:
                    throw new IOException("unexpected reply type '" + type + "': " + line.toLowerCase(Locale.ROOT));
            }
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            int previous = -1;
            for (int c = in.read(); c != -1; c = in.read()) {
                if (previous == '\r' && c == '\n') {
                    line.setLength(line.length() - 1);
                    return line.toString();
                }
                line.append((char) c);
                previous = c;
            }
            throw new IOException("connection closed mid-reply");
        }
    }
}
