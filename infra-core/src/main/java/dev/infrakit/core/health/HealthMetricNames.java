package dev.infrakit.core.health;

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

    /** Validates the names. */
    public HealthMetricNames {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
    }

    /** {@code infrakit.health.status} and {@code infrakit.health.check.duration}. */
    public static HealthMetricNames ofDefaults() {
        return new HealthMetricNames(DEFAULT_STATUS, DEFAULT_DURATION);
    }

    /** A builder starting from the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** Builds {@link HealthMetricNames}. */
    public static final class Builder {
        private String status = DEFAULT_STATUS;
        private String duration = DEFAULT_DURATION;

        private Builder() {
        }

        /** The status gauge's name. */
        public Builder status(String name) {
            this.status = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The duration timer's name. */
        public Builder duration(String name) {
            this.duration = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The names. */
        public HealthMetricNames build() {
            return new HealthMetricNames(status, duration);
        }
    }
}
