package dev.infrakit.ratelimit;

import dev.infrakit.core.Arguments;
import dev.infrakit.ratelimit.internal.RemoteStoreGuard;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.Ticker;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * A {@link RateLimitStore} in PostgreSQL, shared by every process that uses the same database:
 * limits hold across instances exactly.
 *
 * <p>Each decision is one call of the {@code infrakit_rate_limit_acquire} function (one round trip,
 * one short transaction): it locks the key's row, applies the same GCRA arithmetic as
 * {@link LocalRateLimitStore} on the database's clock (so the instances' own clocks do not matter),
 * writes the new state only when it admits, and returns the numbers of the {@link Decision}, also
 * when it rejects. Keys are stored as SHA-256 hashes (any length, never in clear); values are
 * always bound parameters. Nothing lives in the session (no advisory locks, no {@code SET}), so it
 * works through PgBouncer in transaction pooling mode; with PgBouncer older than 1.21 add
 * {@code prepareThreshold=0} to the JDBC URL, since those versions cannot route server-side
 * prepared statements.
 *
 * <p>When the database is unreachable or a call exceeds the statement timeout, the configured
 * {@link FailurePolicy} answers, and the store stops calling the database for the retry interval
 * so that requests do not queue on a dead connection; the next call after it probes again, and
 * decisions return to the database by themselves once it answers. {@link #healthCheck()} is DOWN
 * while failing closed and DEGRADED while failing open or falling back. Errors that are not about
 * reachability (a missing schema, a bug) are thrown as {@link RateLimitException}.
 *
 * <p>Rows of keys whose buckets have been full for {@code forgetAfter} are deleted by a background
 * sweep in batches. Optional local batching ({@link Builder#batching}) takes several permits per
 * round trip for hot keys. Thread-safe.
 */
public final class PostgresRateLimitStore implements RateLimitStore {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresRateLimitStore.class);
    private static final String ACQUIRE =
            "SELECT allowed, taken, binding, remaining, reset_after, retry_after, delay FROM infrakit_rate_limit_acquire("
                    + "?, ?, ?::bigint[], ?::bigint[], ?::bigint[], ?, ?, ?, ?, ?, ?)";
    private static final String SWEEP = "DELETE FROM infrakit_rate_limit WHERE (policy, key_hash) IN ("
            + "SELECT policy, key_hash FROM infrakit_rate_limit WHERE full_at < ? LIMIT ?) AND full_at < ?";
    private static final String RESET = "DELETE FROM infrakit_rate_limit WHERE policy = ? AND key_hash = ?";
    private static final String NOW = "SELECT (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint";

    private final DataSource dataSource;
    private final FailurePolicy failurePolicy;
    /** The failure policy, the retry interval, the local fallback and the decision counters. */
    final RemoteStoreGuard guard;
    private final Duration statementTimeout;
    private final Duration forgetAfter;
    private final int sweepBatch;
    private final long batchPermits;
    private final long batchMaxAgeNanos;
    private final Ticker ticker;
    private final AutoCloseable owned;
    private final ScheduledExecutorService scheduler;
    private final Map<String, PolicySql> policySql = new ConcurrentHashMap<>();
    private final Map<String, Reservation> reservations = new ConcurrentHashMap<>();
    /** Statements running now, with the System.nanoTime() after which they are cancelled. */
    private final Map<Statement, Long> inFlight = new ConcurrentHashMap<>();
    // Plain adders, read by RemoteStoreMetrics only when metrics() was bound: a decision
    // never touches a Micrometer class.
    final LongAdder batched = new LongAdder();
    final LongAdder statements = new LongAdder();
    final LongAdder statementNanos = new LongAdder();
    private final LongAdder roundTrips = new LongAdder();

    /** The array literals and slow-down numbers of one policy, computed once. */
    private static final class PolicySql {
        final RateLimitPolicy policy;
        final String intervals;
        final String windows;
        final String capacities;

        PolicySql(RateLimitPolicy policy) {
            this.policy = policy;
            this.intervals = array(policy, Limit::intervalNanos);
            this.windows = array(policy, Limit::windowNanos);
            this.capacities = array(policy, Limit::capacity);
        }

        private static String array(RateLimitPolicy policy, java.util.function.ToLongFunction<Limit> value) {
            return policy.limits().stream().map(l -> Long.toString(value.applyAsLong(l)))
                    .collect(Collectors.joining(",", "{", "}"));
        }
    }

    /** Permits taken from the database ahead of use for one hot key. */
    private static final class Reservation {
        final AtomicLong left;
        final long expiresAt;

        Reservation(long left, long expiresAt) {
            this.left = new AtomicLong(left);
            this.expiresAt = expiresAt;
        }
    }

    private PostgresRateLimitStore(Builder b) {
        this.dataSource = b.dataSource;
        this.failurePolicy = b.failurePolicy;
        this.statementTimeout = b.statementTimeout != null ? b.statementTimeout : Duration.ofMillis(500);
        this.forgetAfter = b.forgetAfter != null ? b.forgetAfter : Duration.ofSeconds(10);
        this.sweepBatch = b.sweepBatch;
        this.batchPermits = b.batchPermits != null ? b.batchPermits : 1;
        this.batchMaxAgeNanos = b.batchMaxAge.toNanos();
        this.ticker = b.ticker != null ? b.ticker : Ticker.systemTicker();
        this.owned = b.owned;
        AtomicInteger threads = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "infrakit-ratelimit-postgres-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.guard = new RemoteStoreGuard("PostgreSQL", failurePolicy,
                b.fallbackFraction != null ? b.fallbackFraction : 1.0,
                b.retryInterval != null ? b.retryInterval : Duration.ofSeconds(1), this.ticker, LOG);
        // One scanner cancels overdue statements, instead of scheduling a timer task per call.
        long scan = Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(statementTimeout.toNanos() / 4,
                TimeUnit.MILLISECONDS.toNanos(50)));
        scheduler.scheduleAtFixedRate(this::cancelOverdue, scan, scan, TimeUnit.NANOSECONDS);
        Duration sweepInterval = b.sweepInterval != null ? b.sweepInterval : Duration.ofMinutes(1);
        if (!sweepInterval.isZero()) {
            long period = sweepInterval.toNanos();
            scheduler.scheduleWithFixedDelay(this::sweepQuietly, period, period, TimeUnit.NANOSECONDS);
        }
    }

    /** A builder over {@code dataSource} (a pool; size it for the decision rate). */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * Creates the table, its index and the decision function if missing (idempotent; the function
     * is replaced, so this also upgrades it), with a logged table.
     *
     * @throws RateLimitException if the statements fail
     */
    public static void createSchema(DataSource dataSource) {
        createSchema(dataSource, false);
    }

    /**
     * {@link #createSchema(DataSource)}, choosing whether the table is logged.
     *
     * @param unlogged create the table {@code UNLOGGED}: no WAL, so decisions are cheaper, but the
     *     table is emptied after a crash (every key starts with a full bucket) and is not copied to
     *     streaming replicas. Has no effect on an existing table.
     * @throws RateLimitException if the statements fail
     */
    public static void createSchema(DataSource dataSource, boolean unlogged) {
        Objects.requireNonNull(dataSource, "dataSource");
        String sql = schemaSql().replace("${UNLOGGED}", unlogged ? "UNLOGGED" : "");
        try {
            dev.infrakit.core.DataSources.runScript(dataSource, sql);
        } catch (SQLException e) {
            throw new RateLimitException("Could not create the rate-limit schema: " + e.getMessage(), e);
        }
    }

    /** The schema script shipped in the jar ({@code dev/infrakit/ratelimit/postgres-schema.sql}). */
    public static String schemaSql() {
        return dev.infrakit.core.DataSources.script(PostgresRateLimitStore.class, "postgres-schema.sql");
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    });

    static byte[] hash(String key) {
        return SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean tryAcquire(RateLimitPolicy policy, String key, long permits) {
        return acquire(policy, key, permits, Duration.ZERO).allowed();
    }

    @Override
    public Decision acquire(RateLimitPolicy policy, String key, long permits, Duration maxWait) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(key, "key");
        policy.checkPermits(permits);
        long maxWaitNanos = LocalRateLimitStore.toNanos(maxWait);
        if (batchPermits > 1 && maxWaitNanos == 0 && policy.slowDownOrNull() == null) {
            Decision local = fromReservation(policy, key, permits);
            if (local != null) {
                return local;
            }
        }
        if (!guard.mayCall()) {
            return guard.onFailure(policy, key, permits, maxWait);
        }
        try {
            long want = batchPermits > 1 && maxWaitNanos == 0 && policy.slowDownOrNull() == null
                    ? Math.max(permits, Math.min(batchPermits, policy.maxPermits())) : permits;
            Decision decision = call(policy, key, permits, want, maxWaitNanos);
            guard.succeeded(decision.allowed());
            return decision;
        } catch (SQLException e) {
            if (!isUnavailable(e)) {
                throw new RateLimitException("Rate-limit decision failed in PostgreSQL (" + e.getSQLState() + "): "
                        + e.getMessage() + (isMissingSchema(e) ? "; run PostgresRateLimitStore.createSchema(dataSource)" : ""), e);
            }
            guard.failed(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            return guard.onFailure(policy, key, permits, maxWait);
        } finally {
            guard.callEnded();
        }
    }

    private Decision fromReservation(RateLimitPolicy policy, String key, long permits) {
        Reservation r = reservations.get(policy.name() + '\u0000' + key);
        if (r == null || ticker.read() - r.expiresAt >= 0) {
            return null;
        }
        long left;
        do {
            left = r.left.get();
            if (left < permits) {
                return null;
            }
        } while (!r.left.compareAndSet(left, left - permits));
        batched.increment();
        guard.allowed.increment();
        return Decision.admitted(policy, 0, left - permits, 0, 0);
    }

    private Decision call(RateLimitPolicy policy, String key, long permits, long want, long maxWaitNanos)
            throws SQLException {
        // A plain read on the hot path; compute (which locks the map's bin) only for a new or changed policy.
        PolicySql sql = policySql.get(policy.name());
        if (sql == null || (sql.policy != policy && !sql.policy.equals(policy))) {
            sql = policySql.compute(policy.name(), (name, old) -> old != null && old.policy.equals(policy)
                    ? old : new PolicySql(policy));
        }
        SlowDown slowDown = policy.slowDownOrNull();
        long start = System.nanoTime();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(ACQUIRE)) {
            statement.setString(1, policy.name());
            statement.setBytes(2, hash(key));
            statement.setString(3, sql.intervals);
            statement.setString(4, sql.windows);
            statement.setString(5, sql.capacities);
            statement.setLong(6, permits);
            statement.setLong(7, want);
            statement.setLong(8, maxWaitNanos);
            statement.setLong(9, slowDown == null ? -1 : slowDown.after());
            statement.setLong(10, slowDown == null ? 1 : slowDown.step().toNanos());
            statement.setLong(11, slowDown == null ? 0 : slowDown.max().toNanos());
            inFlight.put(statement, start + statementTimeout.toNanos());
            try (ResultSet rs = statement.executeQuery()) {
                roundTrips.increment();
                if (!rs.next()) {
                    throw new SQLException("infrakit_rate_limit_acquire returned no row");
                }
                boolean ok = rs.getBoolean(1);
                long taken = rs.getLong(2);
                int binding = rs.getInt(3);
                long remaining = rs.getLong(4);
                long resetAfter = rs.getLong(5);
                long retryAfter = rs.getLong(6);
                long delay = rs.getLong(7);
                if (!connection.getAutoCommit()) {
                    connection.commit();
                }
                if (!ok) {
                    return Decision.rejected(policy, binding, remaining, resetAfter, retryAfter);
                }
                if (taken > permits) {
                    reservations.put(policy.name() + '\u0000' + key,
                            new Reservation(taken - permits, ticker.read() + batchMaxAgeNanos));
                }
                return Decision.admitted(policy, binding, remaining, resetAfter, delay);
            } finally {
                inFlight.remove(statement);
            }
        } finally {
            statements.increment();
            statementNanos.add(System.nanoTime() - start);
        }
    }

    private void cancelOverdue() {
        long now = System.nanoTime();
        for (Map.Entry<Statement, Long> entry : inFlight.entrySet()) {
            if (now - entry.getValue() > 0 && inFlight.remove(entry.getKey(), entry.getValue())) {
                cancel(entry.getKey());
            }
        }
    }

    private static void cancel(Statement statement) {
        try {
            statement.cancel();
        } catch (SQLException e) {
            LOG.debug("Could not cancel a slow rate-limit statement", e);
        }
    }

    /** Connection failures, timeouts and server shutdowns: the database is (for now) unavailable. */
    static boolean isUnavailable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException) {
                String state = ((SQLException) t).getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57")
                        || state.equals("40001") || state.equals("40P01"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isMissingSchema(SQLException e) {
        return "42883".equals(e.getSQLState()) || "42P01".equals(e.getSQLState());
    }

    /** Whether decisions currently fall back to the failure policy. */
    public boolean isUnavailable() {
        return guard.isUnavailable();
    }

    /**
     * Deletes up to one batch of rows whose buckets have been full for {@code forgetAfter}.
     *
     * @return the rows deleted
     * @throws RateLimitException if the statement fails
     */
    public int sweep() {
        try (Connection c = dataSource.getConnection()) {
            long cutoff;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(NOW)) {
                rs.next();
                cutoff = rs.getLong(1) - forgetAfter.toNanos();
            }
            try (PreparedStatement delete = c.prepareStatement(SWEEP)) {
                delete.setLong(1, cutoff);
                delete.setInt(2, sweepBatch);
                delete.setLong(3, cutoff);
                int deleted = delete.executeUpdate();
                if (!c.getAutoCommit()) {
                    c.commit();
                }
                return deleted;
            }
        } catch (SQLException e) {
            throw new RateLimitException("Rate-limit sweep failed: " + e.getMessage(), e);
        }
    }

    private void sweepQuietly() {
        try {
            int deleted;
            int rounds = 0;
            do {
                deleted = sweep();
                rounds++;
            } while (deleted == sweepBatch && rounds < 100);
        } catch (RuntimeException e) {
            LOG.debug("Rate-limit sweep skipped: {}", ClientText.forLog(e.getMessage(), 1000));
        }
    }

    /**
     * Deletes the key's row (one statement), and drops its local reservation and its state in the
     * local fallback. Not subject to the failure policy: while the database is unavailable this
     * throws, and the row stays.
     *
     * @throws RateLimitException if the statement fails
     */
    @Override
    public void reset(RateLimitPolicy policy, String key) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(key, "key");
        reservations.remove(policy.name() + '\u0000' + key);
        guard.resetFallback(policy, key);
        try (Connection c = dataSource.getConnection(); PreparedStatement delete = c.prepareStatement(RESET)) {
            delete.setString(1, policy.name());
            delete.setBytes(2, hash(key));
            delete.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
        } catch (SQLException e) {
            throw new RateLimitException("Could not reset a rate-limit key in PostgreSQL (" + e.getSQLState() + "): "
                    + e.getMessage(), e);
        }
    }

    /** PostgreSQL stores carry spent tokens over lazily, per key, on its next decision. */
    @Override
    public void policyChanged(RateLimitPolicy previous, RateLimitPolicy current) {
        policySql.remove(current.name());
    }

    /** Rows cannot be counted cheaply: -1. */
    @Override
    public long trackedKeys() {
        return -1;
    }

    @Override
    public String name() {
        return "postgres";
    }

    /** Round trips to the database since creation (one per decision that reached it). */
    public long roundTrips() {
        return roundTrips.sum();
    }

    /**
     * A readiness check named {@code ratelimit-store}: DOWN while failing closed, DEGRADED while
     * failing open or falling back, else a {@code SELECT 1} through the data source, under a
     * timeout of the statement timeout plus one second.
     */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return Optional.of(HealthCheck.of("ratelimit-store", () -> {
            Optional<HealthResult> away = guard.unavailableResult();
            if (away.isPresent()) {
                return away.get();
            }
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.setQueryTimeout((int) Math.max(1, (statementTimeout.toMillis() + 999) / 1000));
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    rs.next();
                    return HealthResult.up().build();
                }
            }
        }).groups(HealthCheck.READINESS).timeout(statementTimeout.plusSeconds(1)).build());
    }

    /**
     * A binder of {@code infrakit.ratelimit.store.decisions} (tags {@code store}, {@code outcome}:
     * allowed, rejected, failed-open, failed-closed, fallback, batched) and the
     * {@code infrakit.ratelimit.store.statement} timer (count and total time of the decision
     * statements), named by {@link RateLimitMetricNames#DEFAULT}.
     */
    @Override
    public Optional<MeterBinder> metrics() {
        return Optional.of(new dev.infrakit.ratelimit.internal.RemoteStoreMetrics(RateLimitMetricNames.DEFAULT, name(),
                guard, Map.of("batched", batched), statements, statementNanos, "Rate-limit decision statements"));
    }

    /** Stops the sweep and the timeout timer, and closes what {@link Builder#closeOnClose} named. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        guard.close();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new RateLimitException("Could not close " + owned + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresRateLimitStore[" + guard.describeState() + "]";
    }

    /**
     * Builds a {@link PostgresRateLimitStore}; the failure policy must be chosen. Each setting may
     * be given once: a second call throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private FailurePolicy failurePolicy;
        private Double fallbackFraction;
        private Duration statementTimeout;
        private Duration retryInterval;
        private Duration forgetAfter;
        private Duration sweepInterval;
        private int sweepBatch = 1000;
        private Long batchPermits;
        private Duration batchMaxAge = Duration.ZERO;
        private Ticker ticker;
        private AutoCloseable owned;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /**
         * What to do while the database is unavailable (required).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder failurePolicy(FailurePolicy policy) {
            Arguments.setOnce(failurePolicy, "failurePolicy");
            this.failurePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * With {@link FailurePolicy#LOCAL_FALLBACK}: the fraction of each limit one instance may
         * use on its own (for N instances, 1/N), between 0 (exclusive) and 1 (the default).
         *
         * @throws IllegalArgumentException naming the value if it is out of range
         * @throws IllegalStateException if it was already set
         */
        public Builder fallbackFraction(double fraction) {
            Arguments.setOnce(fallbackFraction, "fallbackFraction");
            this.fallbackFraction = RemoteStoreGuard.checkFraction(fraction);
            return this;
        }

        /**
         * A decision that takes longer is cancelled and treated as the database being down (default 500 ms).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder statementTimeout(Duration timeout) {
            Arguments.setOnce(statementTimeout, "statementTimeout");
            this.statementTimeout = Arguments.positive(timeout, "statementTimeout");
            return this;
        }

        /**
         * After a failure, how long to answer from the failure policy before trying the database again (default 1 s).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder retryInterval(Duration interval) {
            Arguments.setOnce(retryInterval, "retryInterval");
            this.retryInterval = Arguments.positive(interval, "retryInterval");
            return this;
        }

        /**
         * Rows full for this long are deleted by the sweep (default 10 s).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder forgetAfter(Duration forgetAfter) {
            Arguments.setOnce(this.forgetAfter, "forgetAfter");
            this.forgetAfter = Arguments.notNegative(forgetAfter, "forgetAfter");
            return this;
        }

        /**
         * How often the background sweep runs (default 1 min; zero disables it) and rows per batch (default 1000).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder sweep(Duration interval, int batch) {
            Arguments.setOnce(sweepInterval, "sweep");
            Arguments.notNegative(interval, "sweep interval");
            if (batch < 1) {
                throw new IllegalArgumentException("sweep batch must be at least 1, got " + batch);
            }
            this.sweepInterval = interval;
            this.sweepBatch = batch;
            return this;
        }

        /**
         * Takes up to {@code permits} per round trip for a key and spends the rest locally for at
         * most {@code maxAge} (yes/no decisions without slow-down only). A key never exceeds its
         * limit in total, but a process may spend up to {@code permits - 1} tokens it took up to
         * {@code maxAge} earlier, so a burst can exceed what the bucket holds at that instant by
         * {@code (permits - 1)} per process; reserved permits unused after {@code maxAge} are lost.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder batching(long permits, Duration maxAge) {
            Arguments.setOnce(batchPermits, "batching");
            if (permits < 2) {
                throw new IllegalArgumentException("batching needs at least 2 permits per round trip, got " + permits);
            }
            this.batchMaxAge = Arguments.positive(maxAge, "maxAge");
            this.batchPermits = permits;
            return this;
        }

        /**
         * Closes {@code resource} (typically the pool) when the store is closed.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder closeOnClose(AutoCloseable resource) {
            Arguments.setOnce(owned, "closeOnClose");
            this.owned = Objects.requireNonNull(resource, "resource");
            return this;
        }

        /**
         * The ticker for the retry interval, reservations and the local fallback (tests).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder ticker(Ticker ticker) {
            Arguments.setOnce(this.ticker, "ticker");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * The store. Checks that the database answers.
         *
         * @throws IllegalStateException without a failure policy
         * @throws RateLimitException if the database cannot be reached, naming why
         */
        public PostgresRateLimitStore build() {
            if (failurePolicy == null) {
                throw new IllegalStateException("Choose what happens while PostgreSQL is unavailable: "
                        + "failurePolicy(FAIL_OPEN | FAIL_CLOSED | LOCAL_FALLBACK)");
            }
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
            } catch (SQLException e) {
                throw new RateLimitException("Cannot reach PostgreSQL for rate limiting: " + e.getMessage(), e);
            }
            return new PostgresRateLimitStore(this);
        }
    }
}
