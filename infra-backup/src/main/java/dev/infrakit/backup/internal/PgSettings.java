package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;

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

    private PgSettings(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.user = b.user;
        this.password = b.password == null ? null : b.password.clone();
        this.binDir = b.binDir;
        this.timeout = b.timeout;
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

    /** The environment additions of a child process: {@code PGPASSWORD} when a password is set. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        if (password != null) {
            env.put("PGPASSWORD", new String(password));
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
        try {
            return DriverManager.getConnection(jdbcUrl(database), props);
        } catch (SQLException e) {
            throw new BackupException("Cannot connect to database '" + database + "' on " + host + ":" + port
                    + " as user '" + user + "': " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + (binDir == null ? "" : " (bin " + binDir + ")");
    }

    /**
     * Collects and validates the connection settings of the public builders: each setter checks its
     * value at once and refuses a setting given twice. Not thread-safe.
     */
    public static final class Builder {
        private String host;
        private int port = -1;
        private String user;
        private char[] password;
        private Path binDir;
        private Duration timeout;
        private final Duration defaultTimeout;

        /** @param defaultTimeout the timeout when none is set */
        public Builder(Duration defaultTimeout) {
            this.defaultTimeout = defaultTimeout;
        }

        /** Sets the host. */
        public void host(String value) {
            requireUnset(host == null, "host", host);
            if (value == null || value.isBlank() || value.startsWith("-")) {
                throw new IllegalArgumentException("host must be a host name or address, got '" + value + "'");
            }
            host = value;
        }

        /** Sets the port. */
        public void port(int value) {
            requireUnset(port == -1, "port", port);
            if (value < 1 || value > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, got " + value);
            }
            port = value;
        }

        /** Sets the user. */
        public void user(String value) {
            requireUnset(user == null, "user", user);
            if (value == null || value.isBlank() || value.startsWith("-")) {
                throw new IllegalArgumentException("user must be a role name, got '" + value + "'");
            }
            user = value;
        }

        /** Sets the password (copied). */
        public void password(char[] value) {
            requireUnset(password == null, "password", "(hidden)");
            Objects.requireNonNull(value, "password");
            if (value.length == 0) {
                throw new IllegalArgumentException("password must not be empty; leave it unset to use a pgpass file");
            }
            password = value.clone();
        }

        /** Sets the bin directory holding the client programs. */
        public void binDir(Path value) {
            requireUnset(binDir == null, "binDir", binDir);
            binDir = Objects.requireNonNull(value, "binDir");
        }

        /** Sets the timeout of one client program. */
        public void timeout(Duration value) {
            requireUnset(timeout == null, "timeout", timeout);
            Objects.requireNonNull(value, "timeout");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + value);
            }
            timeout = value;
        }

        /** Whether a user was set. */
        public boolean hasUser() {
            return user != null;
        }

        /** The settings, with defaults ({@code localhost:5432}). */
        public PgSettings build() {
            if (user == null) {
                throw new IllegalStateException("user is required");
            }
            if (host == null) {
                host = "localhost";
            }
            if (port == -1) {
                port = 5432;
            }
            if (timeout == null) {
                timeout = defaultTimeout;
            }
            return new PgSettings(this);
        }

        private static void requireUnset(boolean unset, String setting, Object current) {
            if (!unset) {
                throw new IllegalStateException(setting + " was already set to " + current);
            }
        }
    }
}
