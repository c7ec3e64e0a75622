package dev.infrakit.core.health;

import dev.infrakit.core.Arguments;
import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a database by borrowing a connection and running a validation query ({@code SELECT 1} by
 * default) with a query timeout. UP with the round-trip time in ms as observed value; DOWN with the
 * driver's message when the connection or the query fails. Named {@code database}, in the
 * {@link HealthCheck#READINESS} group by default.
 *
 * <p>Borrowing from a pool waits up to the pool's connection timeout when the database is gone;
 * the registry's timeout for this check bounds the answer in any case. Thread-safe.
 */
public final class DataSourceHealthCheck extends AbstractHealthCheck {
    private final DataSource dataSource;
    private final String query;
    private final Duration queryTimeout;

    private DataSourceHealthCheck(Builder b) {
        super(b);
        this.dataSource = b.dataSource;
        this.query = b.query != null ? b.query : "SELECT 1";
        this.queryTimeout = b.queryTimeout != null ? b.queryTimeout : Duration.ofSeconds(2);
    }

    /** A builder for a check of {@code dataSource}. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    @Override
    public HealthResult check() throws SQLException {
        long start = System.nanoTime();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout((int) Math.max(1, (queryTimeout.toMillis() + 999) / 1000));
            try (ResultSet rs = statement.executeQuery(query)) {
                if (!rs.next()) {
                    return HealthResult.down("validation query returned no row: " + query).build();
                }
            }
        }
        return HealthResult.up().observed(Measure.millis(System.nanoTime() - start), "ms").build();
    }

    /** Builds a {@link DataSourceHealthCheck}; each setting may be given once. Not thread-safe. */
    public static final class Builder extends AbstractHealthCheck.Builder<Builder> {
        private final DataSource dataSource;
        private String query;
        private Duration queryTimeout;

        private Builder(DataSource dataSource) {
            super("database", Set.of(READINESS));
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * The validation query, which must return a row (default {@code SELECT 1}).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder query(String query) {
            Arguments.setOnce(this.query, "query");
            if (Objects.requireNonNull(query, "query").isBlank()) {
                throw new IllegalArgumentException("The validation query must not be blank");
            }
            this.query = query;
            return this;
        }

        /**
         * The JDBC query timeout, rounded up to whole seconds (default 2 s).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder queryTimeout(Duration timeout) {
            Arguments.setOnce(queryTimeout, "queryTimeout");
            this.queryTimeout = HealthChecks.requirePositive("queryTimeout", timeout);
            return this;
        }

        /** The check. */
        public DataSourceHealthCheck build() {
            return new DataSourceHealthCheck(this);
        }
    }
}
