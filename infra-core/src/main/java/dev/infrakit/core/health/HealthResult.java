package dev.infrakit.core.health;

import dev.infrakit.core.Arguments;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one health check: a status, an optional human-readable output (why it is not
 * passing), an optional observed value with its unit (e.g. {@code 7.5} {@code "%"} free disk),
 * details, and, once the registry ran it, when it ran and how long it took.
 *
 * <pre>{@code
 * return HealthResult.up().observed(latencyMs, "ms").detail("pool", "main").build();
 * return HealthResult.degraded("disk 93% full").observed(7.0, "%").build();
 * return HealthResult.down("connection refused").build();
 * }</pre>
 *
 * <p>Immutable. Details must hold JSON-friendly values (strings, numbers, booleans, lists, maps)
 * and never secrets.
 */
public final class HealthResult {
    private final HealthStatus status;
    private final String output;
    private final Object observedValue;
    private final String observedUnit;
    private final Map<String, Object> details;
    private final Instant time;
    private final Duration duration;

    private HealthResult(Builder b, Instant time, Duration duration) {
        this.status = b.status;
        this.output = b.output;
        this.observedValue = b.observedValue;
        this.observedUnit = b.observedUnit;
        this.details = Collections.unmodifiableMap(new LinkedHashMap<>(b.details));
        this.time = time;
        this.duration = duration;
    }

    private HealthResult(HealthResult r, Instant time, Duration duration) {
        this.status = r.status;
        this.output = r.output;
        this.observedValue = r.observedValue;
        this.observedUnit = r.observedUnit;
        this.details = r.details;
        this.time = time;
        this.duration = duration;
    }

    /** A builder for an {@link HealthStatus#UP} result. */
    public static Builder up() {
        return new Builder(HealthStatus.UP, null);
    }

    /** A builder for a {@link HealthStatus#DEGRADED} result that says why. */
    public static Builder degraded(String output) {
        return new Builder(HealthStatus.DEGRADED, Objects.requireNonNull(output, "output"));
    }

    /** A builder for a {@link HealthStatus#DOWN} result that says why. */
    public static Builder down(String output) {
        return new Builder(HealthStatus.DOWN, Objects.requireNonNull(output, "output"));
    }

    /** A builder for a result of the given status; {@code output} may be null for UP. */
    public static Builder of(HealthStatus status, String output) {
        if (status != HealthStatus.UP) {
            Objects.requireNonNull(output, "output is required when not UP");
        }
        return new Builder(Objects.requireNonNull(status, "status"), output);
    }

    /** The status. */
    public HealthStatus status() {
        return status;
    }

    /** Why the check is not passing (empty for most UP results). Never a stack trace. */
    public Optional<String> output() {
        return Optional.ofNullable(output);
    }

    /** The measured value, e.g. free disk percent or latency in ms. */
    public Optional<Object> observedValue() {
        return Optional.ofNullable(observedValue);
    }

    /** The unit of {@link #observedValue()}, e.g. {@code %}, {@code ms}, {@code bytes}. */
    public Optional<String> observedUnit() {
        return Optional.ofNullable(observedUnit);
    }

    /** Extra facts about the check, in insertion order. */
    public Map<String, Object> details() {
        return details;
    }

    /** When the check finished; empty until the registry ran it. */
    public Optional<Instant> time() {
        return Optional.ofNullable(time);
    }

    /** How long the check took; empty until the registry ran it. */
    public Optional<Duration> duration() {
        return Optional.ofNullable(duration);
    }

    /** A copy stamped with when it finished and how long it took. */
    public HealthResult withTiming(Instant time, Duration duration) {
        return new HealthResult(this, Objects.requireNonNull(time, "time"), Objects.requireNonNull(duration, "duration"));
    }

    /** A copy with another status and output, keeping observations and timing. */
    HealthResult withStatus(HealthStatus newStatus, String newOutput) {
        Builder b = of(newStatus, newOutput).observed(observedValue, observedUnit);
        b.details.putAll(details);
        return new HealthResult(b, time, duration);
    }

    @Override
    public String toString() {
        return status + (output == null ? "" : " (" + output + ")")
                + (observedValue == null ? "" : " " + observedValue + (observedUnit == null ? "" : observedUnit))
                + (duration == null ? "" : " in " + duration.toMillis() + "ms");
    }

    /**
     * Builds a {@link HealthResult}. The observed value may be given once; details are added. Not
     * thread-safe.
     */
    public static final class Builder {
        private final HealthStatus status;
        private final String output;
        private Object observedValue;
        private String observedUnit;
        private Boolean observedGiven;
        private final Map<String, Object> details = new LinkedHashMap<>();

        private Builder(HealthStatus status, String output) {
            this.status = status;
            this.output = output;
        }

        /**
         * Sets the observed value and its unit (either may be null).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder observed(Object value, String unit) {
            Arguments.setOnce(observedGiven, "observed");
            this.observedGiven = Boolean.TRUE;
            this.observedValue = value;
            this.observedUnit = unit;
            return this;
        }

        /** Adds a detail; a null value is rejected. */
        public Builder detail(String key, Object value) {
            details.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value of " + key));
            return this;
        }

        /** The result, not yet stamped with time and duration. */
        public HealthResult build() {
            return new HealthResult(this, null, null);
        }
    }
}
