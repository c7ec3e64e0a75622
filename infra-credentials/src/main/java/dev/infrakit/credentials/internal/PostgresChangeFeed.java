package dev.infrakit.credentials.internal;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.credentials.CredentialChangeListener;
import dev.infrakit.credentials.CredentialException;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One subscription to the PostgreSQL store's changes: a daemon thread that holds its own
 * connection (application name {@value #APPLICATION_NAME}), runs {@code LISTEN} on
 * {@value PostgresEngine#CHANNEL} and hands each notification's credential name to the listener.
 *
 * <p>Notifications sent while the connection is down are lost, so a failure is reported as
 * {@link CredentialChangeListener#resync()} at once; the thread then reconnects (at once, then
 * every {@code reconnectInterval}), calling {@code resync()} after every failed attempt, so a
 * cache keeps invalidating about once per interval while notifications are down, and once more
 * after {@code LISTEN} succeeds again. A connection that silently stops answering is found by a
 * validity check after {@link #PROBE_AFTER_MILLIS} without traffic. Listener exceptions are
 * logged and counted, never allowed to stop the thread.
 */
public final class PostgresChangeFeed implements AutoCloseable {
    /** The application name of the listening connection, as {@code pg_stat_activity} shows it. */
    public static final String APPLICATION_NAME = "infrakit-credentials-listener";
    static final long POLL_MILLIS = 250;
    static final long PROBE_AFTER_MILLIS = 5_000;
    private static final Logger LOG = LoggerFactory.getLogger(PostgresChangeFeed.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final DataSource dataSource;
    private final CredentialChangeListener listener;
    private final long reconnectMillis;
    private final Consumer<PostgresChangeFeed> onClose;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;
    private final AtomicInteger listenerFailures = new AtomicInteger();
    /** Owned by the thread once it has started. */
    private Connection connection;
    private String previousApplicationName;

    /**
     * Opens the connection and starts listening.
     *
     * @param onClose told when the subscription is closed
     * @throws CredentialException if the first connection or {@code LISTEN} fails
     */
    public PostgresChangeFeed(DataSource dataSource, CredentialChangeListener listener, Duration reconnectInterval,
            Consumer<PostgresChangeFeed> onClose) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.reconnectMillis = Math.max(1, reconnectInterval.toMillis());
        this.onClose = Objects.requireNonNull(onClose, "onClose");
        try {
            connection = connect();
        } catch (SQLException e) {
            throw new CredentialException("Could not subscribe to credential changes (LISTEN " + PostgresEngine.CHANNEL
                    + "): " + e.getMessage(), e);
        }
        thread = new Thread(this::run, "infrakit-credentials-listener-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    private Connection connect() throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            c.setAutoCommit(true);
            previousApplicationName = c.getClientInfo("ApplicationName");
            c.setClientInfo("ApplicationName", APPLICATION_NAME);
            try (Statement s = c.createStatement()) {
                s.execute("LISTEN " + PostgresEngine.CHANNEL);
            }
            return c;
        } catch (SQLException | RuntimeException e) {
            discard(c);
            throw e;
        }
    }

    private void run() {
        try {
            while (!isClosed()) {
                if (connection == null) {
                    reconnect();
                } else {
                    poll();
                }
            }
        } finally {
            closeQuietly(connection, true);
            connection = null;
        }
    }

    private void poll() {
        long quietSince = System.nanoTime();
        try {
            PGConnection pg = connection.unwrap(PGConnection.class);
            while (!isClosed()) {
                PGNotification[] notifications = pg.getNotifications((int) POLL_MILLIS);
                if (notifications != null && notifications.length > 0) {
                    quietSince = System.nanoTime();
                    for (PGNotification n : notifications) {
                        if (PostgresEngine.CHANNEL.equals(n.getName())) {
                            changed(n.getParameter());
                        }
                    }
                } else if (System.nanoTime() - quietSince > TimeUnit.MILLISECONDS.toNanos(PROBE_AFTER_MILLIS)) {
                    if (!connection.isValid((int) Math.max(1, TimeUnit.MILLISECONDS.toSeconds(reconnectMillis)))) {
                        throw new SQLException("the listening connection stopped answering");
                    }
                    quietSince = System.nanoTime();
                }
            }
        } catch (SQLException | RuntimeException e) {
            if (isClosed()) {
                return;
            }
            LOG.warn("Lost the credential change notifications ({}); reconnecting every {} ms", ClientText.forLog(e.getMessage(), 1000),
                    reconnectMillis);
            discard(connection);
            connection = null;
            resync();
        }
    }

    /** Tries at once, then every interval, until connected or closed; resync after every attempt. */
    private void reconnect() {
        boolean first = true;
        while (!isClosed()) {
            if (!first && await(reconnectMillis)) {
                return;
            }
            first = false;
            try {
                connection = connect();
                LOG.info("Listening for credential changes again");
                resync();
                return;
            } catch (SQLException | RuntimeException e) {
                LOG.debug("Reconnecting the credential change listener failed: {}", ClientText.forLog(e.getMessage(), 1000));
                resync();
            }
        }
    }

    private void changed(String name) {
        try {
            listener.changed(name);
        } catch (RuntimeException e) {
            listenerFailures.incrementAndGet();
            LOG.warn("Credential change listener {} failed on a change of '{}'", listener, ClientText.forLog(name, 256), e);
        }
    }

    private void resync() {
        try {
            listener.resync();
        } catch (RuntimeException e) {
            listenerFailures.incrementAndGet();
            LOG.warn("Credential change listener {} failed to resync", listener, e);
        }
    }

    /** How many times the listener threw. */
    public int listenerFailures() {
        return listenerFailures.get();
    }

    private boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** Waits up to {@code millis}; true if closed meanwhile. */
    private boolean await(long millis) {
        try {
            return closed.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * Whether HikariCP (an optional dependency) can be loaded; when it cannot, no data source can be
     * a HikariCP pool, and {@link #discard} must not name the class.
     */
    private static final boolean HIKARI_PRESENT = hikariPresent();

    private static boolean hikariPresent() {
        try {
            Class.forName("com.zaxxer.hikari.HikariDataSource", false, PostgresChangeFeed.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Takes a broken connection out of the pool for good. The failure was seen through the driver's
     * own notification API, which the pool does not watch: returned to the pool, the dead
     * connection would be handed out again (HikariCP skips validation of a connection used in the
     * last 500 ms), and the next LISTEN would fail on it.
     */
    private void discard(Connection c) {
        if (c == null) {
            return;
        }
        try {
            if (HIKARI_PRESENT && dataSource.isWrapperFor(com.zaxxer.hikari.HikariDataSource.class)) {
                dataSource.unwrap(com.zaxxer.hikari.HikariDataSource.class).evictConnection(c);
                return;
            }
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Could not discard the credential change listener's broken connection: {}", ClientText.forLog(e.getMessage(), 1000));
        }
        closeQuietly(c, false);
    }

    /** Puts a pooled connection back as it was found (no LISTEN, its own application name), then closes it. */
    private void closeQuietly(Connection c, boolean reset) {
        if (c == null) {
            return;
        }
        try {
            if (reset && !c.isClosed()) {
                try (Statement s = c.createStatement()) {
                    s.execute("UNLISTEN *");
                }
                c.setClientInfo("ApplicationName", previousApplicationName == null ? "" : previousApplicationName);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Could not reset the credential change listener's connection: {}",
                    ClientText.forLog(e.getMessage(), 1000));
        } finally {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("Could not close the credential change listener's connection: {}",
                        ClientText.forLog(e.getMessage(), 1000));
            }
        }
    }

    /**
     * Stops the thread and closes its connection; waits briefly for it. Idempotent.
     */
    @Override
    public void close() {
        if (isClosed()) {
            return;
        }
        closed.countDown();
        try {
            if (Thread.currentThread() != thread) {
                thread.join(POLL_MILLIS * 4 + reconnectMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            onClose.accept(this);
        }
    }

    @Override
    public String toString() {
        return "PostgresChangeFeed[" + thread.getName() + (isClosed() ? ", closed" : "") + "]";
    }
}
