package dev.infrakit.backup;

import dev.infrakit.backup.internal.PgSettings;

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
        if (current != null) {
            throw new IllegalStateException("maintenanceDatabase was already set to " + current);
        }
        if (database == null || database.isBlank()) {
            throw new IllegalArgumentException("maintenanceDatabase must be a database name, got '" + database + "'");
        }
        return database;
    }
}
