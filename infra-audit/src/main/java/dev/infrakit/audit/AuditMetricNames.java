package dev.infrakit.audit;

import dev.infrakit.core.Arguments;

import java.util.Objects;

/**
 * The metric names {@link AuditMetrics} registers, changeable for users with their own naming
 * scheme: {@code AuditMetricNames.custom().events("app.audit.events").build()}.
 *
 * @param events counter per sink (tags {@code sink}, {@code outcome}: written, rejected) of events
 * @param queue gauge per sink (tag {@code sink}) of the events accepted and not yet written
 * @param sync function timer per sink (tag {@code sink}) of the syncs or commits that make batches durable
 */
public record AuditMetricNames(String events, String queue, String sync) {
    /** Default counter name. */
    public static final String DEFAULT_EVENTS = "infrakit.audit.events";
    /** Default gauge name. */
    public static final String DEFAULT_QUEUE = "infrakit.audit.queue";
    /** Default timer name. */
    public static final String DEFAULT_SYNC = "infrakit.audit.sync";
    /** {@code infrakit.audit.events}, {@code infrakit.audit.queue} and {@code infrakit.audit.sync}. */
    public static final AuditMetricNames DEFAULT = new AuditMetricNames(DEFAULT_EVENTS, DEFAULT_QUEUE, DEFAULT_SYNC);

    /** Validates the names. */
    public AuditMetricNames {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(sync, "sync");
    }

    /** {@link #DEFAULT}. */
    public static AuditMetricNames ofDefaults() {
        return DEFAULT;
    }

    /** A builder starting from the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** Builds {@link AuditMetricNames}; each name may be given once. Not thread-safe. */
    public static final class Builder {
        private String events;
        private String queue;
        private String sync;

        private Builder() {
        }

        /**
         * The events counter's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder events(String name) {
            Arguments.setOnce(events, "events");
            this.events = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The queue gauge's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder queue(String name) {
            Arguments.setOnce(queue, "queue");
            this.queue = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The sync timer's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder sync(String name) {
            Arguments.setOnce(sync, "sync");
            this.sync = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The names; those not given are the defaults. */
        public AuditMetricNames build() {
            return new AuditMetricNames(events != null ? events : DEFAULT_EVENTS, queue != null ? queue : DEFAULT_QUEUE,
                    sync != null ? sync : DEFAULT_SYNC);
        }
    }
}
