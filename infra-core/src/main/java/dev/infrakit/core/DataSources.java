package dev.infrakit.core;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;

import java.sql.SQLException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Builds HikariCP connection pools from {@link Config}, so every JDBC-backed Infrakit component
 * and the host application configure databases the same way.
 *
 * <p>Keys, relative to the section given (for example {@code config.section("infrakit.datasource")}):
 * <table>
 *   <caption>Pool settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code url}</td><td>required</td><td>JDBC URL</td></tr>
 *   <tr><td>{@code username}</td><td>none</td><td>database user</td></tr>
 *   <tr><td>{@code password}</td><td>none</td><td>its password (masked in every message)</td></tr>
 *   <tr><td>{@code pool-size}</td><td>10</td><td>maximum connections</td></tr>
 *   <tr><td>{@code min-idle}</td><td>pool-size</td><td>idle connections kept</td></tr>
 *   <tr><td>{@code connection-timeout}</td><td>30s</td><td>wait for a connection (at least 250ms)</td></tr>
 *   <tr><td>{@code validation-timeout}</td><td>5s</td><td>validity check (at least 250ms, below connection-timeout)</td></tr>
 *   <tr><td>{@code idle-timeout}</td><td>10m</td><td>retire idle connections above min-idle</td></tr>
 *   <tr><td>{@code max-lifetime}</td><td>30m</td><td>retire connections older than this</td></tr>
 *   <tr><td>{@code pool-name}</td><td>infrakit</td><td>name in logs and metric tags</td></tr>
 * </table>
 *
 * <p>The pool connects once while being built, so a wrong URL, user or password fails here, as a
 * {@link DataSourceException} naming the URL and user and the database's reason, rather than on
 * first use. With a {@link MeterRegistry}, HikariCP's pool metrics ({@code hikaricp.connections},
 * {@code hikaricp.connections.acquire}, …, tagged {@code pool}) are registered.
 *
 * <p>HikariCP (and Micrometer, for pool metrics) are optional dependencies of infra-core: add
 * {@code com.zaxxer:HikariCP} to call the pool methods. {@link #script} and {@link #runScript}
 * work on any {@link javax.sql.DataSource} and need neither: this class refers to HikariCP only in
 * the pool methods' signatures and bodies, which the JVM resolves when they are first called.
 */
public final class DataSources {
    private static final Pattern URL_SECRET = Pattern.compile("(?i)((?:password|sslpassword)=)[^&;]*");

    private DataSources() {
    }

    /**
     * A pool from {@code config}, without metrics.
     *
     * @throws ConfigException if a setting is missing or invalid
     * @throws DataSourceException if the database cannot be reached or refuses the login
     */
    public static HikariDataSource create(Config config) {
        return create(config, null);
    }

    /**
     * The skeleton of every provider that owns a pool: creates one from {@code config} (as
     * {@link #create(Config)}), hands it to {@code build}, and closes it if {@code build} throws, so
     * a provider that fails half-way (a missing schema, a bad setting) leaves no pool behind. The
     * built object owns the pool from then on and must close it.
     *
     * @throws RuntimeException whatever {@code create} or {@code build} throws
     */
    public static <T> T withPool(Config config, java.util.function.Function<HikariDataSource, T> build) {
        java.util.Objects.requireNonNull(build, "build");
        HikariDataSource pool = create(config);
        try {
            return build.apply(pool);
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
    }

    /**
     * A pool from {@code config}, with HikariCP's metrics in {@code registry}.
     *
     * @param config the data source's section
     * @param registry where to register pool metrics, or {@code null} for none
     * @throws ConfigException if a setting is missing or invalid
     * @throws DataSourceException if the database cannot be reached or refuses the login
     */
    public static HikariDataSource create(Config config, MeterRegistry registry) {
        HikariConfig hikari = toHikariConfig(config);
        if (registry != null) {
            PoolMetrics.track(hikari, registry);
        }
        try {
            return new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new DataSourceException("Could not open connection pool '" + hikari.getPoolName() + "' to "
                    + maskUrl(hikari.getJdbcUrl()) + (hikari.getUsername() == null ? "" : " as user '"
                    + hikari.getUsername() + "'") + ": " + reason(e), e);
        }
    }

    /**
     * The HikariCP configuration {@link #create(Config, MeterRegistry)} uses, for callers that
     * want to adjust it further.
     *
     * @throws ConfigException if a setting is missing or invalid
     */
    public static HikariConfig toHikariConfig(Config config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.getString("url"));
        config.find("username").ifPresent(hikari::setUsername);
        config.find("password").ifPresent(hikari::setPassword);
        int poolSize = config.getInt("pool-size", 10);
        if (poolSize < 1) {
            throw config.invalid("pool-size", "expected at least 1 connection");
        }
        hikari.setMaximumPoolSize(poolSize);
        int minIdle = config.getInt("min-idle", poolSize);
        if (minIdle < 0 || minIdle > poolSize) {
            throw config.invalid("min-idle", "expected between 0 and pool-size (" + poolSize + ")");
        }
        hikari.setMinimumIdle(minIdle);
        Duration connectionTimeout = atLeast(config, "connection-timeout", Duration.ofSeconds(30));
        hikari.setConnectionTimeout(connectionTimeout.toMillis());
        Duration validationTimeout = atLeast(config, "validation-timeout", Duration.ofSeconds(5));
        if (validationTimeout.compareTo(connectionTimeout) >= 0) {
            throw config.invalid("validation-timeout", "expected less than connection-timeout (" + connectionTimeout + ")");
        }
        hikari.setValidationTimeout(validationTimeout.toMillis());
        hikari.setIdleTimeout(config.getDuration("idle-timeout", Duration.ofMinutes(10)).toMillis());
        Duration maxLifetime = config.getDuration("max-lifetime", Duration.ofMinutes(30));
        if (!maxLifetime.isZero() && maxLifetime.compareTo(Duration.ofSeconds(30)) < 0) {
            throw config.invalid("max-lifetime", "expected 0 (no limit) or at least 30s");
        }
        hikari.setMaxLifetime(maxLifetime.toMillis());
        String poolName = config.getString("pool-name", "infrakit");
        if (poolName.isEmpty()) {
            throw config.invalid("pool-name", "expected a non-empty name");
        }
        hikari.setPoolName(poolName);
        return hikari;
    }

    private static Duration atLeast(Config config, String key, Duration defaultValue) {
        Duration value = config.getDuration(key, defaultValue);
        if (value.compareTo(Duration.ofMillis(250)) < 0) {
            throw config.invalid(key, "expected at least 250ms");
        }
        return value;
    }

    /** {@code url} with the values of {@code password=} parameters replaced by a mask. */
    static String maskUrl(String url) {
        return url == null ? "null" : URL_SECRET.matcher(url).replaceAll("$1******");
    }

    /** The most specific message in the cause chain: the database's own reason when there is one. */
    private static String reason(Throwable e) {
        Throwable deepest = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                deepest = t;
                break;
            }
            deepest = t;
        }
        String message = deepest.getMessage();
        return message == null ? deepest.getClass().getName() : maskUrl(message);
    }

    /**
     * The text of a SQL script shipped as a resource next to {@code anchor} (e.g. a module's
     * {@code postgres-schema.sql}).
     *
     * @throws IllegalStateException if the resource is missing or unreadable (a broken jar)
     */
    public static String script(Class<?> anchor, String resource) {
        try (java.io.InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the jar of " + anchor.getName());
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Could not read " + resource + " from the jar of " + anchor.getName(), e);
        }
    }

    /**
     * The transaction-level advisory lock {@link #runScript} holds on PostgreSQL (the first 8 bytes
     * of SHA-256("infrakit schema scripts")), so scripts of several processes run one after another.
     */
    static final long SCRIPT_LOCK = 0xe4ee715c97a8eaeeL;

    /**
     * Runs a script (several statements) in one transaction on a connection of {@code dataSource}:
     * all of it or none. The connection's auto-commit setting is restored.
     *
     * <p>On PostgreSQL the transaction first takes a transaction-level advisory lock, so that
     * instances starting at once run their schema scripts one after another: two concurrent
     * {@code CREATE TABLE IF NOT EXISTS} or {@code CREATE OR REPLACE FUNCTION} of the same object
     * otherwise fail one of them ({@code duplicate key}, {@code tuple concurrently updated}). The
     * lock is released at commit or rollback, and works through transaction-pooling PgBouncer.
     *
     * @throws SQLException if a statement fails (after the rollback)
     */
    public static void runScript(javax.sql.DataSource dataSource, String sql) throws SQLException {
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                if ("PostgreSQL".equals(c.getMetaData().getDatabaseProductName())) {
                    s.execute("SELECT pg_advisory_xact_lock(" + SCRIPT_LOCK + ")");
                }
                s.execute(sql);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }
}
