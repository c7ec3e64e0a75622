package dev.infrakit.credentials;

import java.util.HashSet;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.internal.PostgresChangeFeed;
import dev.infrakit.credentials.internal.PostgresEngine;
import dev.infrakit.credentials.internal.RecordStore;
import dev.infrakit.credentials.internal.SecretCipher;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A credential store in PostgreSQL, shared by every process that uses the same database and key
 * ring. Each version's value is stored encrypted (a JWE under the {@link KeyRing}'s primary key,
 * bound to its credential's name and version), so the database never holds a value in clear and
 * a row that was modified, swapped or written under an unknown key is refused on read with a
 * {@link CredentialIntegrityException}.
 *
 * <p>Every write is one transaction that locks the credential's row, so concurrent writers, in
 * this process or others, never lose an update and check-and-set writes are exact. Reads take no
 * lock. Every write also sends {@code NOTIFY infrakit_credentials} with the credential's name on
 * commit; {@link #subscribe} listens for them (this is how {@link CachingCredentialStore}
 * invalidates across instances). {@link #rewrap()} re-encrypts everything under a new primary key
 * after a rotation.
 *
 * <p>The tables are created by {@link #createSchema(DataSource)} (or by running the shipped
 * {@code dev/infrakit/credentials/postgres-schema.sql}). The store does not own the
 * {@link DataSource}: closing the store closes its subscriptions, not the pool. Database failures
 * are thrown as {@link CredentialException}s naming the operation and the credential, never a
 * value. Thread-safe.
 */
public final class PostgresCredentialStore extends ForwardingCredentialStore implements CredentialChanges {
    private final DataSource dataSource;
    private final DataSource listenDataSource;
    private final PostgresEngine engine;
    private final Duration reconnectInterval;
    private final Set<PostgresChangeFeed> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private PostgresCredentialStore(Builder b, PostgresEngine engine) {
        super(engine);
        this.dataSource = b.dataSource;
        this.listenDataSource = b.listenDataSource != null ? b.listenDataSource : b.dataSource;
        this.engine = engine;
        this.reconnectInterval = b.reconnectInterval;
    }

    /**
     * A builder over {@code dataSource} (a pool; each operation borrows one connection, and each
     * subscription holds one) and {@code keys}.
     */
    public static Builder builder(DataSource dataSource, KeyRing keys) {
        return new Builder(dataSource, keys);
    }

    /** The schema script shipped in the jar ({@code dev/infrakit/credentials/postgres-schema.sql}). */
    public static String schemaSql() {
        return DataSources.script(PostgresCredentialStore.class, "postgres-schema.sql");
    }

    /**
     * A readiness check that reads the store's table with a 2-second query timeout: DOWN when the
     * database cannot be reached or the schema is missing. Named {@code credential-store}.
     */
    @Override
    public java.util.Optional<dev.infrakit.core.health.HealthCheck> healthCheck() {
        return java.util.Optional.of(dev.infrakit.core.health.DataSourceHealthCheck.builder(dataSource)
                .name("credential-store").query("SELECT count(*) FROM (SELECT 1 FROM infrakit_credential LIMIT 1) t")
                .queryTimeout(Duration.ofSeconds(2)).build());
    }

    /**
     * Creates the tables and index if missing, in one transaction (idempotent).
     *
     * @throws CredentialException if the statements fail
     */
    public static void createSchema(DataSource dataSource) {
        try {
            DataSources.runScript(dataSource, schemaSql());
        } catch (SQLException e) {
            throw new CredentialException("Could not create the credential schema: " + e.getMessage(), e);
        }
    }

    /**
     * Re-encrypts, under the key ring's primary key, every stored version written under another
     * key, without changing versions, times or metadata. Run it after making a new key the primary
     * on every instance; when it returns, the old key is no longer needed. Safe while other
     * instances write: each credential is re-encrypted in its own transaction under its row lock.
     *
     * @return how many versions were re-encrypted (0 when everything is under the primary)
     * @throws CredentialIntegrityException if a version to re-encrypt fails its check (that
     *     credential is left as it was; the ones before it are done)
     * @throws CredentialException if the database fails
     */
    public int rewrap() {
        return engine.rewrap();
    }

    /**
     * Starts telling {@code listener} about every write to this database's credentials, by any
     * instance, from a daemon thread holding its own connection (application name
     * {@code infrakit-credentials-listener}), taken from the {@link Builder#listenDataSource listen
     * data source}. When that connection fails the listener's
     * {@link CredentialChangeListener#resync()} is called at once, then after every reconnection
     * attempt (one per {@link Builder#reconnectInterval reconnect interval}) and once more when
     * listening again. Exceptions thrown by the listener are logged and do not stop it.
     *
     * @return a handle whose {@code close()} stops the thread and closes its connection
     * @throws CredentialException if the first connection or {@code LISTEN} fails
     * @throws IllegalStateException if the store is closed
     */
    @Override
    public AutoCloseable subscribe(CredentialChangeListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("This PostgresCredentialStore is closed");
        }
        PostgresChangeFeed feed = new PostgresChangeFeed(listenDataSource, listener, reconnectInterval,
                subscriptions::remove);
        subscriptions.add(feed);
        if (closed) {
            feed.close();
            throw new IllegalStateException("This PostgresCredentialStore is closed");
        }
        return feed;
    }

    /** Closes every subscription; the {@link DataSource} stays open. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (PostgresChangeFeed feed : new ArrayList<>(subscriptions)) {
            feed.close();
        }
        super.close();
    }

    @Override
    public String toString() {
        return "PostgresCredentialStore[" + subscriptions.size() + " subscriptions]";
    }

    /** Builds a {@link PostgresCredentialStore}. Not thread-safe. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private final DataSource dataSource;
        private final KeyRing keys;
        private Clock clock = Clock.systemUTC();
        private int maxVersions = RecordStore.DEFAULT_MAX_VERSIONS;
        private Duration reconnectInterval = Duration.ofSeconds(1);
        private DataSource listenDataSource;

        private Builder(DataSource dataSource, KeyRing keys) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.keys = Objects.requireNonNull(keys, "keys");
        }

        /**
         * Versions kept per credential unless set per credential (default 10).
         *
         * @throws IllegalArgumentException unless 1 to 1000
         */
        public Builder maxVersions(int maxVersions) {
            Arguments.markSet(given, "maxVersions");
            this.maxVersions = RecordStore.requireMaxVersions(maxVersions);
            return this;
        }

        /** The clock stamping versions and changes (tests); stored to the microsecond. */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How often a subscription whose connection failed tries to reconnect, calling
         * {@link CredentialChangeListener#resync()} after each attempt (default 1 s).
         *
         * @throws IllegalArgumentException unless at least 1 ms
         */
        public Builder reconnectInterval(Duration interval) {
            Arguments.markSet(given, "reconnectInterval");
            Objects.requireNonNull(interval, "interval");
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("reconnectInterval must be at least 1 ms, got " + interval);
            }
            this.reconnectInterval = interval;
            return this;
        }

        /**
         * Where {@linkplain #subscribe subscriptions} take the connection they {@code LISTEN} on
         * (default: the store's data source). {@code LISTEN} needs a session of its own: when the
         * store's data source goes through a transaction-pooling PgBouncer, notifications never
         * reach the listener there, so give a data source that connects to PostgreSQL directly (or
         * through a session-pooling PgBouncer). Writes keep going through the store's data source:
         * their {@code NOTIFY} is sent at commit and works through any pooler. A pool used here
         * lends one connection per subscription for as long as it lasts.
         */
        public Builder listenDataSource(DataSource listenDataSource) {
            Arguments.markSet(given, "listenDataSource");
            this.listenDataSource = Objects.requireNonNull(listenDataSource, "listenDataSource");
            return this;
        }

        /**
         * The store. Checks that the database answers and holds the tables.
         *
         * @throws CredentialException if it cannot be reached or the tables are missing (the
         *     message says to run {@link #createSchema(DataSource)})
         */
        public PostgresCredentialStore build() {
            PostgresEngine engine = new PostgresEngine(dataSource, new SecretCipher(keys), clock, maxVersions);
            engine.checkSchema();
            return new PostgresCredentialStore(this, engine);
        }
    }
}
