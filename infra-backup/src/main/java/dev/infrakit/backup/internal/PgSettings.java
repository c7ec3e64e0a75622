package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;
import dev.infrakit.core.Arguments;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * How to reach a PostgreSQL server, both through JDBC (the driver is found on the class path at run
 * time through {@link DriverManager}) and through its client programs. The password is handed to a
 * child process only in its {@code PGPASSWORD} environment variable, never on its command line, and
 * never appears in {@link #toString()}. Immutable and thread-safe.
 */
public final class PgSettings {
    private final String host;
    private final int port;
    private final String user;
    private final char[] password;
    private final Path binDir;
    private final Duration timeout;
    private final Tls tls;

    private PgSettings(Builder b, Tls tls) {
        this.host = b.host;
        this.port = b.port;
        this.user = b.user;
        this.password = b.password == null ? null : b.password.clone();
        this.binDir = b.binDir;
        this.timeout = b.timeout;
        this.tls = tls;
    }

    /** The TLS modes of libpq and the JDBC driver alike, weakest first. */
    public static final List<String> SSL_MODES = List.of("disable", "allow", "prefer", "require", "verify-ca",
            "verify-full");

    /**
     * The TLS settings, as libpq names them: the mode and the files (null when unset, letting the
     * client's defaults under {@code ~/.postgresql} apply).
     *
     * @param sslMode one of {@link #SSL_MODES}
     * @param sslRootCert the CA certificates that verify the server
     * @param sslCert the client certificate
     * @param sslKey the client certificate's private key
     */
    public record Tls(String sslMode, Path sslRootCert, Path sslCert, Path sslKey) {
    }

    /** The TLS settings in force. */
    public Tls tls() {
        return tls;
    }

    /** The host name or address. */
    public String host() {
        return host;
    }

    /** The TCP port. */
    public int port() {
        return port;
    }

    /** The user to connect as. */
    public String user() {
        return user;
    }

    /** How long one client program may run. */
    public Duration timeout() {
        return timeout;
    }

    /** The client program {@code name}: in the configured bin directory, else searched for. */
    public Path tool(String name) {
        return PgBinaries.locate(name, binDir, System.getenv());
    }

    /** {@code -h host -p port -U user --no-password}: never the password. */
    public List<String> connectionArguments() {
        return new ArrayList<>(List.of("-h", host, "-p", Integer.toString(port), "-U", user, "--no-password"));
    }

    /**
     * {@code database} as a libpq connection string holding nothing but a quoted
     * {@code dbname='…'}, for a tool's {@code -d} (or {@code pg_dumpall -l}). A bare name would be
     * expanded by libpq when it looks like a connection string or URI
     * ({@code postgresql://other-host/db}), and its host, port and other settings would override
     * {@code -h} and {@code -p}: the quoted value is only ever a database name.
     */
    public static String databaseArgument(String database) {
        return "dbname='" + database.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /**
     * The environment additions of a child process: {@code PGPASSWORD} when a password is set, and
     * the TLS settings ({@code PGSSLMODE} always, {@code PGSSLROOTCERT}, {@code PGSSLCERT},
     * {@code PGSSLKEY} when set), so a tool never negotiates less than the JDBC connection does.
     * Connection settings the parent's environment may hold and that would send the tool elsewhere
     * or weaken it ({@code PGSERVICE}, {@code PGHOSTADDR}, {@code PGREQUIRESSL} and the like) map to
     * {@code null}: {@link ToolProcess} removes them from the child's environment.
     */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        for (String inherited : List.of("PGSERVICE", "PGSERVICEFILE", "PGHOSTADDR", "PGDATABASE", "PGREQUIRESSL",
                "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", "PGSSLCRL", "PGSSLCRLDIR", "PGOPTIONS", "PGTARGETSESSIONATTRS")) {
            env.put(inherited, null);
        }
        if (password != null) {
            env.put("PGPASSWORD", new String(password));
        }
        env.put("PGSSLMODE", tls.sslMode());
        if (tls.sslRootCert() != null) {
            env.put("PGSSLROOTCERT", tls.sslRootCert().toString());
        }
        if (tls.sslCert() != null) {
            env.put("PGSSLCERT", tls.sslCert().toString());
        }
        if (tls.sslKey() != null) {
            env.put("PGSSLKEY", tls.sslKey().toString());
        }
        return env;
    }

    /** The JDBC URL of {@code database}. */
    public String jdbcUrl(String database) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/"
                + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Opens a JDBC connection to {@code database}.
     *
     * @throws BackupException naming the server, database and user (never the password)
     */
    public Connection connect(String database) {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", new String(password));
        }
        props.setProperty("connectTimeout", Long.toString(Math.max(1, Math.min(timeout.toSeconds(), 60))));
        props.setProperty("ApplicationName", "infrakit-backup");
        props.setProperty("sslmode", tls.sslMode());
        if (tls.sslRootCert() != null) {
            props.setProperty("sslrootcert", tls.sslRootCert().toString());
        }
        if (tls.sslCert() != null) {
            props.setProperty("sslcert", tls.sslCert().toString());
        }
        if (tls.sslKey() != null) {
            props.setProperty("sslkey", tls.sslKey().toString());
        }
        try {
            return DriverManager.getConnection(jdbcUrl(database), props);
        } catch (SQLException e) {
            throw new BackupException("Cannot connect to database '" + database + "' on " + host + ":" + port
                    + " as user '" + user + "': " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + " (sslmode " + tls.sslMode() + ")"
                + (binDir == null ? "" : " (bin " + binDir + ")");
    }

    /**
     * Collects and validates the connection settings of the public builders: each setter checks its
     * value at once and refuses a setting given twice. Not thread-safe.
     */
    public static final class Builder {
        private String host;
        private Integer port;
        private String user;
        private char[] password;
        private Path binDir;
        private Duration timeout;
        private String sslMode;
        private Path sslRootCert;
        private Path sslCert;
        private Path sslKey;
        private Map<String, String> environment = System.getenv();
        private final Duration defaultTimeout;

        /** @param defaultTimeout the timeout when none is set */
        public Builder(Duration defaultTimeout) {
            this.defaultTimeout = defaultTimeout;
        }

        /** Sets the host. */
        public void host(String value) {
            Arguments.setOnce(host, "host");
            if (value == null || value.isBlank() || value.startsWith("-")) {
                throw new IllegalArgumentException("host must be a host name or address, got '" + value + "'");
            }
            host = value;
        }

        /** Sets the port. */
        public void port(int value) {
            Arguments.setOnce(port, "port");
            if (value < 1 || value > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, got " + value);
            }
            port = value;
        }

        /** Sets the user. */
        public void user(String value) {
            Arguments.setOnce(user, "user");
            if (value == null || value.isBlank() || value.startsWith("-")) {
                throw new IllegalArgumentException("user must be a role name, got '" + value + "'");
            }
            user = value;
        }

        /** Sets the password (copied). */
        public void password(char[] value) {
            Arguments.setOnce(password, "password");
            Objects.requireNonNull(value, "password");
            if (value.length == 0) {
                throw new IllegalArgumentException("password must not be empty; leave it unset to use a pgpass file");
            }
            password = value.clone();
        }

        /** Sets the bin directory holding the client programs. */
        public void binDir(Path value) {
            Arguments.setOnce(binDir, "binDir");
            binDir = Objects.requireNonNull(value, "binDir");
        }

        /** Sets the timeout of one client program. */
        public void timeout(Duration value) {
            Arguments.setOnce(timeout, "timeout");
            timeout = Arguments.positive(value, "timeout");
        }

        /** Sets the TLS mode: one of {@link #SSL_MODES}. */
        public void sslMode(String value) {
            Arguments.setOnce(sslMode, "sslMode");
            sslMode = checkMode("sslMode", value);
        }

        /** Sets the CA certificates (PEM) that verify the server. */
        public void sslRootCert(Path value) {
            Arguments.setOnce(sslRootCert, "sslRootCert");
            sslRootCert = readable("sslRootCert", value);
        }

        /** Sets the client certificate (PEM). */
        public void sslCert(Path value) {
            Arguments.setOnce(sslCert, "sslCert");
            sslCert = readable("sslCert", value);
        }

        /** Sets the client certificate's private key. */
        public void sslKey(Path value) {
            Arguments.setOnce(sslKey, "sslKey");
            sslKey = readable("sslKey", value);
        }

        /**
         * The environment whose {@code PGSSLMODE}, {@code PGSSLROOTCERT}, {@code PGSSLCERT} and
         * {@code PGSSLKEY} apply to whatever was not set (as libpq does); default the process's.
         */
        public void environment(Map<String, String> value) {
            environment = Map.copyOf(Objects.requireNonNull(value, "environment"));
        }

        /** Whether anything that says where and how to connect was set (host, port, user, password, TLS). */
        public boolean hasConnection() {
            return host != null || port != null || user != null || password != null || sslMode != null
                    || sslRootCert != null || sslCert != null || sslKey != null;
        }

        /** Whether a user was set. */
        public boolean hasUser() {
            return user != null;
        }

        /** The bin directory set, or null. */
        public Path binDir() {
            return binDir;
        }

        /** The timeout set, or the default. */
        public Duration timeoutOrDefault() {
            return timeout == null ? defaultTimeout : timeout;
        }

        private static String checkMode(String setting, String value) {
            if (value == null || !SSL_MODES.contains(value)) {
                throw new IllegalArgumentException(setting + " must be one of " + String.join(", ", SSL_MODES)
                        + ", got '" + value + "'");
            }
            return value;
        }

        private static Path readable(String setting, Path value) {
            Objects.requireNonNull(value, setting);
            if (!java.nio.file.Files.isReadable(value) || java.nio.file.Files.isDirectory(value)) {
                throw new IllegalArgumentException(setting + " must be a readable file, got " + value);
            }
            return value;
        }

        private Path fromEnvironment(String setting, String variable) {
            String v = environment.get(variable);
            return v == null || v.isEmpty() ? null : readable(setting + " (from " + variable + ")", Path.of(v));
        }

        /** The settings, with defaults ({@code localhost:5432}). */
        public PgSettings build() {
            if (user == null) {
                throw new IllegalStateException("user is required");
            }
            if (host == null) {
                host = "localhost";
            }
            if (port == null) {
                port = 5432;
            }
            if (timeout == null) {
                timeout = defaultTimeout;
            }
            String mode = sslMode;
            if (mode == null) {
                String fromEnv = environment.get("PGSSLMODE");
                mode = fromEnv == null || fromEnv.isEmpty() ? "prefer" : checkMode("PGSSLMODE", fromEnv);
            }
            Tls tls = new Tls(mode,
                    sslRootCert != null ? sslRootCert : fromEnvironment("sslRootCert", "PGSSLROOTCERT"),
                    sslCert != null ? sslCert : fromEnvironment("sslCert", "PGSSLCERT"),
                    sslKey != null ? sslKey : fromEnvironment("sslKey", "PGSSLKEY"));
            return new PgSettings(this, tls);
        }
    }
}
