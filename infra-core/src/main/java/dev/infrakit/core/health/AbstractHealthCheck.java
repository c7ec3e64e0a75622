package dev.infrakit.core.health;

import dev.infrakit.core.Arguments;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * A base for checks configured by a builder: holds the name, groups, criticality and timeout so
 * that subclasses only implement {@link #check()}. The built-in checks extend it; so can yours.
 */
public abstract class AbstractHealthCheck implements HealthCheck {
    private final String name;
    private final Set<String> groups;
    private final boolean critical;
    private final Duration timeout;

    /** Copies the common settings from {@code builder}. */
    protected AbstractHealthCheck(Builder<?> builder) {
        this.name = builder.name != null ? builder.name : builder.defaultName;
        this.groups = builder.groups != null ? builder.groups : builder.defaultGroups;
        this.critical = builder.critical == null || builder.critical;
        this.timeout = builder.timeout;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Set<String> groups() {
        return groups;
    }

    @Override
    public final boolean critical() {
        return critical;
    }

    @Override
    public final Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + "]";
    }

    /**
     * The settings every check has. Each may be given once: a second call throws
     * {@link IllegalStateException}, as in every Infrakit builder.
     *
     * @param <B> the concrete builder, returned by each setter
     */
    public abstract static class Builder<B extends Builder<B>> {
        private final String defaultName;
        private final Set<String> defaultGroups;
        private String name;
        private Set<String> groups;
        private Boolean critical;
        private Duration timeout;

        /**
         * @param defaultName the name unless {@link #name(String)} is called
         * @param defaultGroups the groups unless {@link #groups(String...)} is called
         */
        protected Builder(String defaultName, Set<String> defaultGroups) {
            this.defaultName = HealthChecks.requireName(defaultName);
            this.defaultGroups = Set.copyOf(defaultGroups);
        }

        /** This builder, typed. */
        protected abstract B self();

        /**
         * The check's name.
         *
         * @throws IllegalStateException if it was already set
         */
        public B name(String name) {
            Arguments.setOnce(this.name, "name");
            this.name = HealthChecks.requireName(name);
            return self();
        }

        /**
         * The groups, e.g. {@link HealthCheck#READINESS}.
         *
         * @throws IllegalStateException if they were already set
         */
        public B groups(String... groups) {
            Arguments.setOnce(this.groups, "groups");
            this.groups = Set.of(groups);
            return self();
        }

        /**
         * Whether DOWN brings the service DOWN (default true) or only DEGRADED.
         *
         * @throws IllegalStateException if it was already set
         */
        public B critical(boolean critical) {
            Arguments.setOnce(this.critical, "critical");
            this.critical = critical;
            return self();
        }

        /**
         * This check's timeout (default: the registry's).
         *
         * @throws IllegalStateException if it was already set
         */
        public B timeout(Duration timeout) {
            Arguments.setOnce(this.timeout, "timeout");
            this.timeout = HealthChecks.requirePositive("timeout", timeout);
            return self();
        }
    }
}
