package dev.infrakit.testkit;

import dev.infrakit.testkit.internal.LocalServer;
import dev.infrakit.testkit.internal.PostgresBinaries;
import dev.infrakit.testkit.internal.ServerDirectories;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real, throwaway PostgreSQL server for tests, and the databases it hands out.
 *
 * <p>{@link #shared()} is the one server of the JVM, started on first use and shared by every test
 * class; each test class or method gets its own database from {@link #createDatabase(String)}, so
 * classes running in parallel never see each other's tables. {@link #builder()} starts a dedicated
 * server instead, for tests that stop and restart it (fault tests must not disturb the shared one).
 *
 * <p>The server binaries are found through {@code INFRAKIT_PG_BIN}, {@code pg_config --bindir},
 * {@code /usr/lib/postgresql/*&#47;bin} or the {@code PATH}. When the JVM runs as root, the server
 * runs as the unprivileged user {@code postgres} (or {@code INFRAKIT_PG_OS_USER}) through
 * {@code runuser}, because PostgreSQL refuses to run as root. The server listens on 127.0.0.1 on a
 * free port with {@code fsync=off}, is stopped and deleted on JVM exit, and a server left behind by
 * a JVM that was killed is swept away by the next one. When {@code INFRAKIT_TEST_JDBC_URL} is set,
 * {@link #shared()} uses that external server instead of starting one (with
 * {@code INFRAKIT_TEST_JDBC_USER} and {@code INFRAKIT_TEST_JDBC_PASSWORD}); it must allow
 * {@code CREATE DATABASE}.
 *
 * <p>When no server can be found, every method that needs one throws an
 * {@link EphemeralPostgresException} that says how to install one; nothing is ever skipped.
 *
 * <p>Thread-safe.
 */
public final class EphemeralPostgres implements AutoCloseable {
    /** Environment variable naming an external server for {@link #shared()}. */
    public static final String EXTERNAL_URL_ENV = "INFRAKIT_TEST_JDBC_URL";
    /** Environment variable naming the unprivileged user that runs the server when the JVM is root. */
    public static final String OS_USER_ENV = "INFRAKIT_PG_OS_USER";

    private static final AtomicLong DATABASE_COUNTER = new AtomicLong();
    private static volatile EphemeralPostgres shared;

    private final LocalServer local;
    private final String host;
    private final int externalPort;
    private final String adminDatabase;
    private final String user;
    private final String password;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private EphemeralPostgres(LocalServer local, String host, int externalPort, String adminDatabase, String user,
                              String password) {
        this.local = local;
        this.host = host;
        this.externalPort = externalPort;
        this.adminDatabase = adminDatabase;
        this.user = user;
        this.password = password;
        if (local != null) {
            this.shutdownHook = new Thread(this::destroyQuietly, "infrakit-ephemeral-pg-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            this.shutdownHook = null;
        }
    }

    /**
     * The JVM's shared server, started on first call (or the external server named by
     * {@code INFRAKIT_TEST_JDBC_URL}). Do not stop or close it: other test classes use it.
     *
     * @throws EphemeralPostgresException if no server can be found or started
     */
    public static EphemeralPostgres shared() {
        EphemeralPostgres server = shared;
        if (server == null) {
            synchronized (EphemeralPostgres.class) {
                server = shared;
                if (server == null) {
                    String external = System.getenv(EXTERNAL_URL_ENV);
                    server = external != null && !external.isBlank()
                            ? external(external, System.getenv("INFRAKIT_TEST_JDBC_USER"),
                                    System.getenv("INFRAKIT_TEST_JDBC_PASSWORD"))
                            : builder().start();
                    shared = server;
                }
            }
        }
        return server;
    }

    /** A builder for a dedicated server that the caller owns and must {@link #close()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Stops and removes servers left behind by JVMs that died without running their shutdown hooks
     * (for example after {@code kill -9}). Runs by itself before every server start; servers of
     * live JVMs are never touched.
     *
     * @return how many abandoned servers were stopped or directories removed
     */
    public static int sweepStaleServers() {
        String osUser = serverOsUser(null);
        ServerDirectories.SweepResult result = ServerDirectories.sweep(ServerDirectories.root(osUser != null));
        return result.removedDirectories().size();
    }

    static EphemeralPostgres external(String url, String user, String password) {
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new EphemeralPostgresException(EXTERNAL_URL_ENV + " must look like "
                    + "jdbc:postgresql://host:5432/postgres, but is '" + url + "'");
        }
        URI uri = URI.create(url.substring("jdbc:".length()));
        String path = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        EphemeralPostgres server = new EphemeralPostgres(null, uri.getHost(),
                uri.getPort() < 0 ? 5432 : uri.getPort(), path, user, password);
        try (Connection admin = server.connectAdmin()) {
            if (!admin.isValid(5)) {
                throw new SQLException("connection is not valid");
            }
            return server;
        } catch (SQLException e) {
            throw new EphemeralPostgresException("Cannot connect to the external server " + EXTERNAL_URL_ENV + "="
                    + url + " as user '" + user + "': " + e.getMessage(), e);
        }
    }

    static String serverOsUser(String explicit) {
        if (explicit != null) {
            return explicit;
        }
        String configured = System.getenv(OS_USER_ENV);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return "root".equals(System.getProperty("user.name")) ? "postgres" : null;
    }

    /**
     * Creates a new, empty database owned by the superuser. Names are unique in the JVM and
     * across JVMs sharing an external server.
     *
     * @param prefix a readable part of the name, such as the test class's simple name
     * @return the database; {@link TestDatabase#close()} drops it
     */
    public TestDatabase createDatabase(String prefix) {
        ensureOpen();
        String clean = prefix == null ? "" : prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        if (clean.length() > 30) {
            clean = clean.substring(0, 30);
        }
        String name = "t_" + clean + "_" + ProcessHandle.current().pid() + "_" + DATABASE_COUNTER.incrementAndGet();
        try (Connection admin = connectAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + quoteIdentifier(name) + " TEMPLATE template0 ENCODING 'UTF8'");
        } catch (SQLException e) {
            throw new EphemeralPostgresException("Could not create database " + name + ": " + e.getMessage(), e);
        }
        return new TestDatabase(this, name);
    }

    /** Creates a database with a generated name; see {@link #createDatabase(String)}. */
    public TestDatabase createDatabase() {
        return createDatabase("db");
    }

    void dropDatabase(String name) {
        if (closed || !isRunning()) {
            return;
        }
        try (Connection admin = connectAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                    + name.replace("'", "''") + "' AND pid <> pg_backend_pid()");
            statement.execute("DROP DATABASE IF EXISTS " + quoteIdentifier(name));
        } catch (SQLException e) {
            throw new EphemeralPostgresException("Could not drop database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Opens a connection to the server's maintenance database as the superuser. */
    public Connection connectAdmin() throws SQLException {
        return connect(adminDatabase);
    }

    Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** The JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** The host the server listens on. */
    public String host() {
        return host;
    }

    /** The TCP port; stays the same across {@link #stop()} and {@link #start()}. */
    public int port() {
        return local != null ? local.port() : externalPort;
    }

    /** The superuser's name. */
    public String username() {
        return user;
    }

    /** The superuser's password (random per server). */
    public String password() {
        return password;
    }

    /** Whether this is an external server named by {@code INFRAKIT_TEST_JDBC_URL}. */
    public boolean isExternal() {
        return local == null;
    }

    /** The data directory of a local server. */
    public Path dataDirectory() {
        return requireLocal("has no local data directory").dataDirectory();
    }

    /** The directory holding the server binaries ({@code pg_dump}, {@code pg_restore} are there too). */
    public Path binDirectory() {
        return requireLocal("has no known bin directory").binDir();
    }

    /** The postmaster's process id, or -1 while stopped. */
    public long pid() {
        return requireLocal("runs in another process").pid();
    }

    /** Whether the server accepts connections (for an external server: whether it is not closed). */
    public boolean isRunning() {
        return local != null ? local.isRunning() : !closed;
    }

    /**
     * Stops the server (open connections are closed), for fault tests; {@link #start()} brings it
     * back on the same port with the same data.
     *
     * @throws IllegalStateException on an external server, or the shared server
     */
    public void stop() {
        ensureOpen();
        requireFaultInjectable().stop();
    }

    /** Starts a server stopped by {@link #stop()}, on the same port and with the same data. */
    public void start() {
        ensureOpen();
        requireFaultInjectable().start();
    }

    /** {@link #stop()} then {@link #start()}. */
    public void restart() {
        stop();
        start();
    }

    private LocalServer requireFaultInjectable() {
        LocalServer server = requireLocal("cannot be stopped or started from here");
        if (this == shared) {
            throw new IllegalStateException("The shared server is used by other test classes; start a dedicated "
                    + "one with EphemeralPostgres.builder().start() to stop or restart it");
        }
        return server;
    }

    private LocalServer requireLocal(String what) {
        if (local == null) {
            throw new IllegalStateException("The external server " + host + ":" + externalPort + " " + what
                    + "; use a dedicated EphemeralPostgres.builder().start()");
        }
        return local;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("This EphemeralPostgres was closed");
        }
    }

    /**
     * Stops a dedicated server and deletes its data. The shared server is closed by the JVM's
     * shutdown and ignores this call.
     */
    @Override
    public void close() {
        if (this == shared || closed) {
            return;
        }
        closed = true;
        if (local != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to; it destroys the server.
            }
            local.destroy();
        }
    }

    private void destroyQuietly() {
        closed = true;
        try {
            local.destroy();
        } catch (RuntimeException e) {
            System.getLogger(EphemeralPostgres.class.getName())
                    .log(System.Logger.Level.WARNING, "Could not stop ephemeral PostgreSQL at exit", e);
        }
    }

    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    @Override
    public String toString() {
        return "EphemeralPostgres[" + (local != null ? "local " : "external ") + host + ":" + port() + "]";
    }

    /** Configures and starts a dedicated server. Not thread-safe; use from one thread. */
    public static final class Builder {
        private Path binDirectory;
        private String osUser;
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder() {
        }

        /** Uses the server binaries in {@code dir} instead of searching for them. */
        public Builder binDirectory(Path dir) {
            this.binDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Runs the server as this operating-system user (through {@code runuser}; the JVM must be
         * root). Default when the JVM is root: {@code INFRAKIT_PG_OS_USER}, else {@code postgres}.
         */
        public Builder osUser(String user) {
            this.osUser = Objects.requireNonNull(user, "user");
            return this;
        }

        /** Adds a {@code postgresql.conf} setting, e.g. {@code setting("max_connections", "50")}. */
        public Builder setting(String name, String value) {
            if (!name.matches("[a-z_.]+")) {
                throw new IllegalArgumentException("Not a PostgreSQL setting name: '" + name + "'");
            }
            settings.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Finds the binaries, creates a cluster and starts it.
         *
         * @throws EphemeralPostgresException if no binaries are found or the server fails to start
         */
        public EphemeralPostgres start() {
            PostgresBinaries binaries = PostgresBinaries.locate(binDirectory, System.getenv());
            LocalServer server = LocalServer.createAndStart(binaries, serverOsUser(osUser), Map.copyOf(settings));
            return new EphemeralPostgres(server, "127.0.0.1", -1, "postgres", LocalServer.SUPERUSER,
                    server.password());
        }
    }
}
