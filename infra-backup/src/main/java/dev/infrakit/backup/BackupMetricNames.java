package dev.infrakit.backup;

import dev.infrakit.core.Arguments;

import java.util.Objects;

/**
 * The metric names {@link BackupRunner#metrics()} registers, changeable for users with their own
 * naming scheme: {@code runner.metrics(BackupMetricNames.custom().runs("app.backups").build())}.
 *
 * @param runs counter of runs, tags {@code source} and {@code result} (success, failure)
 * @param lastSuccess gauge of the start of the last verified backup, epoch seconds (0 before the first), tag {@code source}
 * @param lastDuration gauge of the last run's duration, seconds, tag {@code source}
 * @param lastSize gauge of the last verified backup's size, bytes (0 before the first), tag {@code source}
 */
public record BackupMetricNames(String runs, String lastSuccess, String lastDuration, String lastSize) {
    /** Default name of the runs counter. */
    public static final String DEFAULT_RUNS = "infrakit.backup.runs";
    /** Default name of the last-success gauge. */
    public static final String DEFAULT_LAST_SUCCESS = "infrakit.backup.last.success";
    /** Default name of the last-duration gauge. */
    public static final String DEFAULT_LAST_DURATION = "infrakit.backup.last.duration";
    /** Default name of the last-size gauge. */
    public static final String DEFAULT_LAST_SIZE = "infrakit.backup.last.size";
    /** Every name at its default. */
    public static final BackupMetricNames DEFAULT = new BackupMetricNames(DEFAULT_RUNS, DEFAULT_LAST_SUCCESS,
            DEFAULT_LAST_DURATION, DEFAULT_LAST_SIZE);

    /** Validates the names. */
    public BackupMetricNames {
        Objects.requireNonNull(runs, "runs");
        Objects.requireNonNull(lastSuccess, "lastSuccess");
        Objects.requireNonNull(lastDuration, "lastDuration");
        Objects.requireNonNull(lastSize, "lastSize");
    }

    /** {@link #DEFAULT}: every name at its {@code DEFAULT_*} value. */
    public static BackupMetricNames ofDefaults() {
        return DEFAULT;
    }

    /** A builder starting from the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** Builds {@link BackupMetricNames}; each name may be set once. Not thread-safe. */
    public static final class Builder {
        private String runs;
        private String lastSuccess;
        private String lastDuration;
        private String lastSize;

        private Builder() {
        }

        /**
         * The runs counter's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder runs(String name) {
            Arguments.setOnce(runs, "runs");
            this.runs = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The last-success gauge's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder lastSuccess(String name) {
            Arguments.setOnce(lastSuccess, "lastSuccess");
            this.lastSuccess = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The last-duration gauge's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder lastDuration(String name) {
            Arguments.setOnce(lastDuration, "lastDuration");
            this.lastDuration = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The last-size gauge's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder lastSize(String name) {
            Arguments.setOnce(lastSize, "lastSize");
            this.lastSize = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The names, the ones not set at their defaults. */
        public BackupMetricNames build() {
            return new BackupMetricNames(runs != null ? runs : DEFAULT_RUNS,
                    lastSuccess != null ? lastSuccess : DEFAULT_LAST_SUCCESS,
                    lastDuration != null ? lastDuration : DEFAULT_LAST_DURATION,
                    lastSize != null ? lastSize : DEFAULT_LAST_SIZE);
        }
    }
}
