package dev.infrakit.backup;

import dev.infrakit.backup.internal.PgSettings;
import dev.infrakit.core.Arguments;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The connection settings the PostgreSQL tools share ({@link PostgresBackupSource},
 * {@link RestoreDrill}, {@link PostgresRestore}): each setting may be given once, and is checked at
 * once. The password is copied, reaches the tools only through {@code PGPASSWORD}, and never
 * appears in a command line, a message or {@code toString()}.
 *
 * @param <B> the concrete builder
 */
public abstract class PostgresClientBuilder<B extends PostgresClientBuilder<B>> {
    /** The settings being built (read by the concrete builders of this package). */
    final PgSettings.Builder settings;

    PostgresClientBuilder(Duration defaultTimeout) {
        this.settings = new PgSettings.Builder(defaultTimeout);
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The server's host (default {@code localhost}). */
    public B host(String host) {
        settings.host(host);
        return self();
    }

    /** The server's port (default 5432). */
    public B port(int port) {
        settings.port(port);
        return self();
    }

    /** The user to connect as (required). */
    public B user(String user) {
        settings.user(user);
        return self();
    }

    /** The user's password (copied). Unset: the client's own means apply (a pgpass file, trust). */
    public B password(char[] password) {
        settings.password(password);
        return self();
    }

    /** As {@link #password(char[])}. */
    public B password(String password) {
        settings.password(Objects.requireNonNull(password, "password").toCharArray());
        return self();
    }

    /**
     * The TLS mode, for the JDBC connection and the client programs alike: {@code disable},
     * {@code allow}, {@code prefer}, {@code require}, {@code verify-ca} or {@code verify-full}, with
     * libpq's meaning. Unset: {@code PGSSLMODE} from the environment, else {@code prefer} (which
     * falls back to an unencrypted connection). With {@code require} and stronger, a server that
     * does not offer TLS is refused before the password is sent; {@code verify-full} also checks the
     * server's certificate against {@link #sslRootCert} and its host name.
     *
     * @throws IllegalArgumentException naming the value if it is not one of the modes
     */
    public B sslMode(String sslMode) {
        settings.sslMode(sslMode);
        return self();
    }

    /**
     * The CA certificates (PEM) that verify the server's certificate ({@code sslrootcert}); unset:
     * {@code PGSSLROOTCERT}, else the clients' default {@code ~/.postgresql/root.crt}.
     *
     * @throws IllegalArgumentException if it is not a readable file
     */
    public B sslRootCert(Path file) {
        settings.sslRootCert(file);
        return self();
    }

    /**
     * The client certificate (PEM) presented to the server ({@code sslcert}); unset:
     * {@code PGSSLCERT}, else {@code ~/.postgresql/postgresql.crt} when it exists.
     *
     * @throws IllegalArgumentException if it is not a readable file
     */
    public B sslCert(Path file) {
        settings.sslCert(file);
        return self();
    }

    /**
     * The client certificate's private key ({@code sslkey}), in PEM: the client programs read PEM,
     * and the JDBC driver (42.7.13) reads PEM as well as PKCS-8 DER and PKCS-12; unset:
     * {@code PGSSLKEY}, else the clients' default. libpq refuses a key file others can read.
     *
     * @throws IllegalArgumentException if it is not a readable file
     */
    public B sslKey(Path file) {
        settings.sslKey(file);
        return self();
    }

    /**
     * The directory holding the PostgreSQL client programs; default: the {@code PATH}, then the
     * newest {@code /usr/lib/postgresql/N/bin}.
     */
    public B binDir(Path binDir) {
        settings.binDir(binDir);
        return self();
    }

    /** How long a client program may run before it is killed (defaults: 1 h; 6 h for a restore). */
    public B timeout(Duration timeout) {
        settings.timeout(timeout);
        return self();
    }

    /**
     * Checks a maintenance database setting (the database connected to for creating and dropping
     * others) of {@link RestoreDrill} and {@link PostgresRestore}: given once, a non-blank name.
     *
     * @return {@code database}
     */
    static String maintenanceDatabase(String current, String database) {
        Arguments.setOnce(current, "maintenanceDatabase");
        if (database == null || database.isBlank()) {
            throw new IllegalArgumentException("maintenanceDatabase must be a database name, got '" + database + "'");
        }
        return database;
    }
}
