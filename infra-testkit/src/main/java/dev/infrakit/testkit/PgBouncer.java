package dev.infrakit.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A real PgBouncer in front of one {@link TestDatabase}, for tests of code that must work through
 * a connection pooler: started on a free loopback port, stopped and cleaned up by {@link #close()}.
 * The binary is found at {@code /usr/sbin/pgbouncer}, {@code /usr/bin/pgbouncer} or
 * {@code /usr/local/bin/pgbouncer}; when the JVM runs as root it runs as {@code postgres} (or
 * {@code INFRAKIT_PG_OS_USER}), like the server. A missing binary is an
 * {@link EphemeralPostgresException} naming the package to install — never a skipped test.
 *
 * <p>Debian 12's PgBouncer 1.18 predates protocol-level prepared statements in transaction mode:
 * connect with {@code prepareThreshold=0}, as {@link #jdbcUrl()} does.
 */
public final class PgBouncer implements AutoCloseable {
    /** PgBouncer's pooling modes. */
    public enum PoolMode {
        /** A server connection per client connection, for as long as it is open. */
        SESSION,
        /** A server connection per transaction: session state (LISTEN, SET, prepared statements) does not survive. */
        TRANSACTION
    }

    private static final List<String> CANDIDATES = List.of("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer",
            "/usr/local/bin/pgbouncer");

    private final Path dir;
    private final Process process;
    private final int port;
    private final String alias;
    private final TestDatabase database;

    private PgBouncer(Path dir, Process process, int port, String alias, TestDatabase database) {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.alias = alias;
        this.database = database;
    }

    /**
     * Starts PgBouncer for {@code database} in {@code mode}, with {@code serverConnections} server
     * connections at most (fewer than the clients', to make sessions rotate).
     *
     * @throws EphemeralPostgresException if PgBouncer is not installed or does not start within 20 s
     */
    public static PgBouncer start(TestDatabase database, PoolMode mode, int serverConnections) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(mode, "mode");
        if (serverConnections < 1) {
            throw new IllegalArgumentException("serverConnections must be at least 1, got " + serverConnections);
        }
        Path binary = CANDIDATES.stream().map(Path::of).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new EphemeralPostgresException("PgBouncer is not installed (looked in " + CANDIDATES
                        + "); install it: apt-get install pgbouncer"));
        String alias = "bounced";
        try {
            Path dir = Files.createTempDirectory("infrakit-pgbouncer-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            int port = freePort();
            EphemeralPostgres server = database.server();
            Path users = Files.writeString(dir.resolve("userlist.txt"), "\"" + server.username() + "\" \""
                    + server.password() + "\"\n");
            Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r--r--"));
            Path ini = Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
                    "[databases]",
                    alias + " = host=127.0.0.1 port=" + server.port() + " dbname=" + database.name(),
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    "listen_port = " + port,
                    "unix_socket_dir =",
                    "auth_type = plain",
                    "auth_file = " + users,
                    "pool_mode = " + mode.name().toLowerCase(Locale.ROOT),
                    "default_pool_size = " + serverConnections,
                    "max_client_conn = 200",
                    "ignore_startup_parameters = extra_float_digits",
                    "pidfile = " + dir.resolve("pgbouncer.pid"),
                    ""), StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(List.of(binary.toString()));
            String osUser = EphemeralPostgres.serverOsUser(null);
            if (osUser != null) {
                command.add("-u");
                command.add(osUser);
            }
            command.add(ini.toString());
            Path log = dir.resolve("pgbouncer.log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            PgBouncer bouncer = new PgBouncer(dir, process, port, alias, database);
            try {
                bouncer.awaitListening(log);
            } catch (RuntimeException e) {
                bouncer.close();
                throw e;
            }
            return bouncer;
        } catch (IOException e) {
            throw new EphemeralPostgresException("Cannot start PgBouncer: " + e.getMessage(), e);
        }
    }

    private void awaitListening(Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                new Socket(InetAddress.getLoopbackAddress(), port).close();
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new EphemeralPostgresException("PgBouncer did not start: " + Files.readString(log));
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EphemeralPostgresException("Interrupted while starting PgBouncer", e);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The port PgBouncer listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /**
     * A JDBC URL to the database through PgBouncer, with {@code prepareThreshold=0}; user and
     * password are the server's ({@link EphemeralPostgres#username()}, {@link EphemeralPostgres#password()}).
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + alias + "?prepareThreshold=0";
    }

    /** The database behind it. */
    public TestDatabase database() {
        return database;
    }

    /** Stops PgBouncer and deletes its files. Idempotent. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (java.nio.file.NoSuchFileException gone) {
            // already cleaned up
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete PgBouncer's files in " + dir, e);
        }
    }

    @Override
    public String toString() {
        return "PgBouncer[127.0.0.1:" + port + " -> " + database.name() + "]";
    }
}
