package dev.infrakit.core.health;

import dev.infrakit.core.Arguments;

import java.util.Objects;

/**
 * The metric names {@link HealthMetrics} registers, changeable for users with their own naming
 * scheme: {@code HealthMetricNames.custom().status("app.health").build()}.
 *
 * @param status gauge per check (tag {@code check}): 1 UP, 0.5 DEGRADED, 0 DOWN, NaN before the first run
 * @param duration timer per check (tags {@code check}, {@code status}) of each run
 */
public record HealthMetricNames(String status, String duration) {
    /** Default gauge name. */
    public static final String DEFAULT_STATUS = "infrakit.health.status";
    /** Default timer name. */
    public static final String DEFAULT_DURATION = "infrakit.health.check.duration";
    /** Every name at its default. */
    public static final HealthMetricNames DEFAULT = new HealthMetricNames(DEFAULT_STATUS, DEFAULT_DURATION);

    /** Validates the names. */
    public HealthMetricNames {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
    }

    /** {@link #DEFAULT}: {@code infrakit.health.status} and {@code infrakit.health.check.duration}. */
    public static HealthMetricNames ofDefaults() {
        return DEFAULT;
    }

    /** A builder starting from the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** Builds {@link HealthMetricNames}; each name may be set once. Not thread-safe. */
    public static final class Builder {
        private String status;
        private String duration;

        private Builder() {
        }

        /**
         * The status gauge's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder status(String name) {
            Arguments.setOnce(status, "status");
            this.status = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The duration timer's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder duration(String name) {
            Arguments.setOnce(duration, "duration");
            this.duration = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The names, the ones not set at their defaults. */
        public HealthMetricNames build() {
            return new HealthMetricNames(status != null ? status : DEFAULT_STATUS,
                    duration != null ? duration : DEFAULT_DURATION);
        }
    }
}
