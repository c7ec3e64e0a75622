package dev.infrakit.ratelimit;

import dev.infrakit.core.Arguments;

import java.util.Objects;

/**
 * The metric names infra-ratelimit's binders register ({@link RateLimitMetrics} for a limiter, and
 * {@link RateLimitStore#metrics()} for a store), changeable for users with their own naming scheme:
 * {@code RateLimitMetricNames.custom().decisions("app.limits").build()}.
 *
 * @param decisions counter of a limiter's decisions, tags {@code limiter} and {@code outcome}
 *     (allowed, rejected, delayed)
 * @param keys gauge of keys holding state in the limiter's store, tags {@code limiter} and {@code store}
 * @param storeDecisions counter of a shared store's decisions, tags {@code store} and {@code outcome}
 *     (allowed, rejected, failed-open, failed-closed, fallback, batched)
 * @param storeStatements timer of the statements a shared store runs to decide, tag {@code store}
 * @param storeOverflow counter of requests an in-memory store refused because its key table was
 *     full, tag {@code store}
 */
public record RateLimitMetricNames(String decisions, String keys, String storeDecisions, String storeStatements,
        String storeOverflow) {
    /** Default name of the limiter's decisions counter. */
    public static final String DEFAULT_DECISIONS = "infrakit.ratelimit.decisions";
    /** Default name of the keys gauge. */
    public static final String DEFAULT_KEYS = "infrakit.ratelimit.keys";
    /** Default name of a shared store's decisions counter. */
    public static final String DEFAULT_STORE_DECISIONS = "infrakit.ratelimit.store.decisions";
    /** Default name of a shared store's statement timer. */
    public static final String DEFAULT_STORE_STATEMENTS = "infrakit.ratelimit.store.statement";
    /** Default name of an in-memory store's overflow counter. */
    public static final String DEFAULT_STORE_OVERFLOW = "infrakit.ratelimit.store.overflow";
    /** Every name at its default. */
    public static final RateLimitMetricNames DEFAULT = new RateLimitMetricNames(DEFAULT_DECISIONS, DEFAULT_KEYS,
            DEFAULT_STORE_DECISIONS, DEFAULT_STORE_STATEMENTS, DEFAULT_STORE_OVERFLOW);

    /** Validates the names. */
    public RateLimitMetricNames {
        Objects.requireNonNull(decisions, "decisions");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(storeDecisions, "storeDecisions");
        Objects.requireNonNull(storeStatements, "storeStatements");
        Objects.requireNonNull(storeOverflow, "storeOverflow");
    }

    /** {@link #DEFAULT}: every name at its {@code DEFAULT_*} value. */
    public static RateLimitMetricNames ofDefaults() {
        return DEFAULT;
    }

    /** A builder starting from the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** Builds {@link RateLimitMetricNames}; each name may be set once. Not thread-safe. */
    public static final class Builder {
        private String decisions;
        private String keys;
        private String storeDecisions;
        private String storeStatements;
        private String storeOverflow;

        private Builder() {
        }

        /**
         * The limiter's decisions counter's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder decisions(String name) {
            Arguments.setOnce(decisions, "decisions");
            this.decisions = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The keys gauge's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder keys(String name) {
            Arguments.setOnce(keys, "keys");
            this.keys = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * A shared store's decisions counter's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder storeDecisions(String name) {
            Arguments.setOnce(storeDecisions, "storeDecisions");
            this.storeDecisions = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * A shared store's statement timer's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder storeStatements(String name) {
            Arguments.setOnce(storeStatements, "storeStatements");
            this.storeStatements = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * An in-memory store's overflow counter's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder storeOverflow(String name) {
            Arguments.setOnce(storeOverflow, "storeOverflow");
            this.storeOverflow = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The names, the ones not set at their defaults. */
        public RateLimitMetricNames build() {
            return new RateLimitMetricNames(decisions != null ? decisions : DEFAULT_DECISIONS,
                    keys != null ? keys : DEFAULT_KEYS,
                    storeDecisions != null ? storeDecisions : DEFAULT_STORE_DECISIONS,
                    storeStatements != null ? storeStatements : DEFAULT_STORE_STATEMENTS,
                    storeOverflow != null ? storeOverflow : DEFAULT_STORE_OVERFLOW);
        }
    }
}
