package dev.infrakit.ratelimit;

import java.util.Objects;

/**
 * The metric names {@link RateLimitMetrics} registers; change them with {@link #custom()}.
 *
 * @param decisions counter of decisions, tags {@code limiter} and {@code outcome} (allowed, rejected, delayed)
 * @param keys gauge of keys holding state in the limiter's store, tags {@code limiter} and {@code store}
 */
public record RateLimitMetricNames(String decisions, String keys) {
    /** Validates the names. */
    public RateLimitMetricNames {
        Objects.requireNonNull(decisions, "decisions");
        Objects.requireNonNull(keys, "keys");
    }

    /** {@code infrakit.ratelimit.decisions} and {@code infrakit.ratelimit.keys}. */
    public static RateLimitMetricNames ofDefaults() {
        return new RateLimitMetricNames("infrakit.ratelimit.decisions", "infrakit.ratelimit.keys");
    }

    /** A builder starting from the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** Builds {@link RateLimitMetricNames}. */
    public static final class Builder {
        private String decisions = "infrakit.ratelimit.decisions";
        private String keys = "infrakit.ratelimit.keys";

        private Builder() {
        }

        /** The decisions counter's name. */
        public Builder decisions(String name) {
            this.decisions = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The keys gauge's name. */
        public Builder keys(String name) {
            this.keys = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The names. */
        public RateLimitMetricNames build() {
            return new RateLimitMetricNames(decisions, keys);
        }
    }
}
