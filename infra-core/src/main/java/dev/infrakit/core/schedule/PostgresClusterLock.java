package dev.infrakit.core.schedule;

import dev.infrakit.core.health.DataSourceHealthCheck;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.http.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link ClusterLock} on PostgreSQL advisory locks: every instance using the same database and
 * namespace is one cluster. No table, no schema.
 *
 * <p><b>Why a transaction-level lock.</b> {@link #runExclusively} borrows a connection, opens a
 * transaction, calls {@code pg_try_advisory_xact_lock(key)} and, if it got the lock, runs the task
 * while that transaction stays open; ending the transaction (rollback: nothing was written)
 * releases the lock. A session-level lock ({@code pg_try_advisory_lock}) would belong to the
 * server session, which PgBouncer in transaction pooling mode hands to another client after each
 * transaction: the lock could be released by a stranger's session reset, or leak into someone
 * else's session, or the unlock could run on a different session than the lock. An open
 * transaction pins one server connection for its whole length in every PgBouncer mode, and the
 * transaction-level lock cannot outlive it. Costs: one pooled connection (and, through PgBouncer,
 * one server connection) per running task, for the task's duration; size pools for it. The
 * transaction sets {@code idle_in_transaction_session_timeout} to 0 for itself ({@code SET LOCAL}
 * semantics), since it is idle by design while the task runs; PgBouncer's own
 * {@code idle_transaction_timeout} (off by default) must be longer than the longest task.
 *
 * <p><b>Crashes.</b> If the holder's process dies or its connection is cut, PostgreSQL ends the
 * session, the transaction with it, and the lock is free for another instance. If the connection is
 * cut while the task still runs (a {@code pg_terminate_backend}, a failover), this instance cannot
 * tell until the task ends: another instance may start the same job meanwhile. The end of such a
 * run is logged as a warning and counted ({@link #lost()}); jobs must be safe to run twice, which
 * Infrakit's scheduled jobs are (each checks its store under the lock).
 *
 * <p><b>Keys and collisions.</b> The advisory key is the first 64 bits of SHA-256 over the
 * namespace, a NUL and the name (both UTF-8; names hold no NUL, so the encoding is unambiguous).
 * Advisory keys are one space per database, shared with anything else taking advisory locks there;
 * the namespace ({@code infrakit} by default) keeps ours apart by hashing. Two different names
 * collide with probability 2<sup>-64</sup> per pair (about 3·10<sup>-12</sup> for 10,000 names); a
 * collision only makes the two jobs exclude each other, never run both at once.
 *
 * <p>A database that cannot be reached is a {@link ClusterLockException} (the task does not run).
 * Thread-safe.
 */
public final class PostgresClusterLock implements ClusterLock {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresClusterLock.class);
    private static final String TRY_LOCK =
            "SELECT pg_try_advisory_xact_lock(?), set_config('idle_in_transaction_session_timeout', '0', true)";

    private final DataSource dataSource;
    private final String namespace;
    private final AutoCloseable owned;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder lost = new LongAdder();

    private PostgresClusterLock(Builder b) {
        this.dataSource = b.dataSource;
        this.namespace = b.namespace != null ? b.namespace : "infrakit";
        this.owned = b.owned;
    }

    /** A builder over {@code dataSource} (a pool, or a JDBC URL through PgBouncer). */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * The advisory lock key of {@code name} in {@code namespace}: the first 8 bytes of
     * SHA-256(namespace, NUL, name), big-endian.
     *
     * @throws IllegalArgumentException if either is not a valid name ({@link ClusterLock#checkName})
     */
    public static long key(String namespace, String name) {
        ClusterLock.checkName(namespace);
        ClusterLock.checkName(name);
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        sha256.update(namespace.getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0);
        sha256.update(name.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(sha256.digest()).getLong();
    }

    @Override
    public boolean runExclusively(String name, Runnable task) {
        long key = key(namespace, name);
        Objects.requireNonNull(task, "task");
        if (closed.get()) {
            throw new IllegalStateException("This PostgresClusterLock is closed");
        }
        String shown = ClientText.forLog(name, 200);
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw new ClusterLockException("Could not ask for the cluster lock '" + shown + "': no database connection: "
                    + ClientText.forLog(e.getMessage(), 500), e);
        }
        try (connection) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            boolean got;
            try (PreparedStatement statement = connection.prepareStatement(TRY_LOCK)) {
                statement.setLong(1, key);
                try (ResultSet rs = statement.executeQuery()) {
                    got = rs.next() && rs.getBoolean(1);
                }
            } catch (SQLException e) {
                endQuietly(connection, autoCommit);
                throw e;
            }
            if (!got) {
                end(connection, autoCommit);
                return false;
            }
            RuntimeException failure = null;
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                if (e instanceof Error) {
                    endQuietly(connection, autoCommit);
                    throw (Error) e;
                }
                failure = (RuntimeException) e;
            }
            try {
                end(connection, autoCommit);
            } catch (SQLException e) {
                lost.increment();
                LOG.warn("The cluster lock '{}' was lost while its task ran (the connection ended: {}); another "
                        + "instance may have run it meanwhile", shown, ClientText.forLog(e.getMessage(), 500));
                if (failure != null) {
                    failure.addSuppressed(e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            return true;
        } catch (SQLException e) {
            throw new ClusterLockException("Could not ask for the cluster lock '" + shown + "': "
                    + ClientText.forLog(e.getMessage(), 500), e);
        }
    }

    /** Ends the lock's transaction (releasing the lock) and gives the connection back as it came. */
    private static void end(Connection connection, boolean autoCommit) throws SQLException {
        connection.rollback();
        connection.setAutoCommit(autoCommit);
    }

    private static void endQuietly(Connection connection, boolean autoCommit) {
        try {
            end(connection, autoCommit);
        } catch (SQLException e) {
            LOG.debug("Ending a cluster lock transaction failed: {}", ClientText.forLog(e.getMessage(), 500));
        }
    }

    /** How many runs ended after their connection was cut (the lock lost while the task ran). */
    public long lost() {
        return lost.sum();
    }

    /** The namespace hashed into every key ({@code infrakit} unless set). */
    public String namespace() {
        return namespace;
    }

    @Override
    public String name() {
        return "postgres";
    }

    /** A {@code cluster-lock} readiness check: a validation query on the lock's database. */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return Optional.of(DataSourceHealthCheck.builder(dataSource).name("cluster-lock").build());
    }

    /** Closes the pool given to {@link Builder#closeOnClose}, if any. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                LOG.warn("Closing the cluster lock's pool failed: {}", ClientText.forLog(e.getMessage(), 500));
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresClusterLock[namespace=" + namespace + "]";
    }

    /** Builds a {@link PostgresClusterLock}; each setting may be given once. Not thread-safe. */
    public static final class Builder {
        private final DataSource dataSource;
        private String namespace;
        private AutoCloseable owned;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /**
         * The namespace hashed with every name (default {@code infrakit}): services sharing a
         * database but not their jobs give different namespaces.
         *
         * @throws IllegalArgumentException if it is not a valid lock name
         * @throws IllegalStateException if it was already set
         */
        public Builder namespace(String namespace) {
            if (this.namespace != null) {
                throw new IllegalStateException("namespace was already set to " + this.namespace);
            }
            this.namespace = ClusterLock.checkName(namespace);
            return this;
        }

        /**
         * Closes {@code resource} (the pool the lock was built on) when the lock is closed.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder closeOnClose(AutoCloseable resource) {
            if (this.owned != null) {
                throw new IllegalStateException("closeOnClose was already set");
            }
            this.owned = Objects.requireNonNull(resource, "resource");
            return this;
        }

        /** The lock. */
        public PostgresClusterLock build() {
            return new PostgresClusterLock(this);
        }
    }
}
