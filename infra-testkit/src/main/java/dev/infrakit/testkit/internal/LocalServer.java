package dev.infrakit.testkit.internal;

import dev.infrakit.testkit.EphemeralPostgresException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One PostgreSQL server in its own directory, driven by {@code initdb} and {@code pg_ctl}.
 *
 * <p>Settings favour test speed over durability ({@code fsync=off}, no synchronous commit, no full
 * page writes): a crash of the machine loses the test data, which is thrown away anyway. The
 * server listens on 127.0.0.1 only, with password (SCRAM) authentication over TCP so that tests of
 * wrong credentials behave as in production; the Unix socket sits in the server's private
 * directory and trusts its owner.
 */
public final class LocalServer {
    /** Name of the bootstrap superuser created by {@code initdb}. */
    public static final String SUPERUSER = "infrakit";

    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final System.Logger LOG = System.getLogger(LocalServer.class.getName());

    private final PostgresBinaries binaries;
    private final CommandRunner runner;
    private final Path directory;
    private final Path dataDirectory;
    private final String password;
    private final Map<String, String> settings;
    private int port;

    private LocalServer(PostgresBinaries binaries, CommandRunner runner, Path directory, String password,
                        Map<String, String> settings) {
        this.binaries = binaries;
        this.runner = runner;
        this.directory = directory;
        this.dataDirectory = directory.resolve("data");
        this.password = password;
        this.settings = settings;
    }

    /**
     * Creates the cluster ({@code initdb}) and starts it on a free port.
     *
     * @param binaries where the tools are
     * @param osUser the user to run as when the JVM is root, or {@code null} to run as the JVM's user
     * @param settings extra {@code postgresql.conf} settings, applied after the defaults
     */
    public static LocalServer createAndStart(PostgresBinaries binaries, String osUser, Map<String, String> settings) {
        CommandRunner runner = osUser == null ? CommandRunner.asCurrentUser() : CommandRunner.asUser(osUser);
        Path root = ServerDirectories.root(osUser != null);
        ServerDirectories.sweep(root);
        Path dir = ServerDirectories.create(root, osUser);
        byte[] secret = new byte[18];
        new SecureRandom().nextBytes(secret);
        LocalServer server = new LocalServer(binaries, runner, dir, HexFormat.of().formatHex(secret), settings);
        try {
            ServerDirectories.writeOwner(dir, binaries.binDir(), osUser);
            server.initdb(osUser);
            server.startOnFreePort();
            return server;
        } catch (RuntimeException e) {
            try {
                server.destroy();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void initdb(String osUser) {
        Path pwfile = directory.resolve("pwfile");
        try {
            Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            if (osUser != null) {
                ServerDirectories.chown(pwfile, osUser);
            }
            runner.runChecked(List.of(binaries.tool("initdb").toString(), "-D", dataDirectory.toString(),
                    "-U", SUPERUSER, "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
                    "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"), TOOL_TIMEOUT, Map.of());
        } catch (IOException e) {
            throw new EphemeralPostgresException("Could not prepare initdb in " + directory + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "Could not delete " + pwfile + ": " + e);
            }
        }
    }

    private void startOnFreePort() {
        EphemeralPostgresException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            port = freePort();
            writeSettings();
            try {
                start();
                return;
            } catch (EphemeralPostgresException e) {
                // Another process may have taken the port between our probe and the server's bind.
                if (!e.getMessage().contains("could not bind") && !e.getMessage().contains("Address already in use")) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    private void writeSettings() {
        List<String> lines = new ArrayList<>();
        lines.add("# Infrakit ephemeral server: settings for tests, never for production data");
        lines.add("port = " + port);
        lines.add("listen_addresses = '127.0.0.1'");
        lines.add("unix_socket_directories = '" + directory + "'");
        lines.add("fsync = off");
        lines.add("synchronous_commit = off");
        lines.add("full_page_writes = off");
        lines.add("max_connections = 300");
        lines.add("log_min_messages = warning");
        lines.add("log_line_prefix = '%m [%p] '");
        settings.forEach((k, v) -> lines.add(k + " = '" + v.replace("'", "''") + "'"));
        try {
            Files.write(dataDirectory.resolve("postgresql.infrakit.conf"), lines, StandardCharsets.UTF_8);
            Path conf = dataDirectory.resolve("postgresql.conf");
            String text = Files.readString(conf, StandardCharsets.UTF_8);
            if (!text.contains("include_if_exists = 'postgresql.infrakit.conf'")) {
                Files.writeString(conf, "\ninclude_if_exists = 'postgresql.infrakit.conf'\n", StandardCharsets.UTF_8,
                        StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the (stopped) server on its port and waits until it accepts connections. */
    public void start() {
        CommandRunner.Result result = runner.run(List.of(binaries.tool("pg_ctl").toString(), "-D",
                dataDirectory.toString(), "-l", logFile().toString(), "-w", "-t", "60", "start"), TOOL_TIMEOUT, Map.of());
        if (result.exitCode() != 0) {
            throw new EphemeralPostgresException("PostgreSQL did not start (pg_ctl exit code " + result.exitCode()
                    + "): " + result.output().strip() + "\nServer log:\n" + logTail());
        }
    }

    /** Stops the server (fast shutdown: open connections are closed) and waits for it. */
    public void stop() {
        long pid = pid();
        runner.runChecked(List.of(binaries.tool("pg_ctl").toString(), "-D", dataDirectory.toString(), "-m", "fast",
                "-w", "-t", "60", "stop"), TOOL_TIMEOUT, Map.of());
        awaitExit(pid);
    }

    /**
     * pg_ctl returns once the postmaster removed its pid file, a moment before the process exits;
     * callers (and the sweep) rely on the process being gone.
     */
    private static void awaitExit(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            try {
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new EphemeralPostgresException("PostgreSQL (pid " + pid + ") did not exit within 30s of pg_ctl stop");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new EphemeralPostgresException("Waiting for PostgreSQL (pid " + pid + ") to exit failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EphemeralPostgresException("Interrupted while waiting for PostgreSQL to exit", e);
            }
        });
    }

    /** Whether the postmaster is running. */
    public boolean isRunning() {
        return ServerDirectories.postmasterPid(dataDirectory).isPresent();
    }

    /** The postmaster's PID, or -1 when it is not running. */
    public long pid() {
        return ServerDirectories.postmasterPid(dataDirectory).orElse(-1L);
    }

    /** Stops the server if it runs and deletes its directory. */
    public void destroy() {
        try {
            long pid = pid();
            if (pid > 0) {
                runner.run(List.of(binaries.tool("pg_ctl").toString(), "-D", dataDirectory.toString(), "-m",
                        "immediate", "-w", "-t", "60", "stop"), TOOL_TIMEOUT, Map.of());
                awaitExit(pid);
            }
        } finally {
            ServerDirectories.deleteTree(directory);
        }
    }

    /** The TCP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The superuser's password. */
    public String password() {
        return password;
    }

    /** The server's own directory (data directory, socket, log). */
    public Path directory() {
        return directory;
    }

    /** The data directory. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The bin directory the server runs from. */
    public Path binDir() {
        return binaries.binDir();
    }

    private Path logFile() {
        return directory.resolve("server.log");
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new EphemeralPostgresException("Could not find a free TCP port on the loopback interface: " + e, e);
        }
    }
}
