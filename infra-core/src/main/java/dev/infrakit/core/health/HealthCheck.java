package dev.infrakit.core.health;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * One health check: a named probe of something the service depends on.
 *
 * <p>{@link #check()} may block (a query, an HTTP call); the {@link HealthRegistry} runs checks in
 * parallel, each under its own timeout, so a slow or hung check never holds back the others. A
 * check that throws is reported {@link HealthStatus#DOWN} with the exception's message (never its
 * stack trace). A non-{@link #critical()} check can degrade the overall status but never bring it
 * down.
 *
 * <p>Groups select which endpoints include the check: {@link #LIVENESS} ("restart me if this
 * fails": only checks of the process itself) and {@link #READINESS} ("send me traffic": the
 * dependencies). Every check is part of the overall report.
 *
 * <p>Implementations must be thread-safe; the registry never runs one check twice at once.
 *
 * <p>Checks are created by a {@link HealthCheckProvider} found by ServiceLoader, by a builder, or
 * offered by a component through its own optional {@code healthCheck()} method. A check is
 * {@link AutoCloseable}: one that holds resources releases them in {@link #close()}; the registry
 * does not close the checks registered with it, their creator does.
 */
public interface HealthCheck extends AutoCloseable {
    /** The group of checks that decide whether the process must be restarted. */
    String LIVENESS = "liveness";
    /** The group of checks that decide whether the instance can take traffic. */
    String READINESS = "readiness";

    /** A unique, stable name, e.g. {@code database} or {@code disk:/var/lib/app}. */
    String name();

    /**
     * Probes the dependency.
     *
     * @return the result; never null
     * @throws Exception any failure, reported as DOWN with its message
     */
    HealthResult check() throws Exception;

    /** The groups this check belongs to; by default none (only the overall report). */
    default Set<String> groups() {
        return Set.of();
    }

    /** Whether a DOWN result brings the overall status DOWN (true) or only DEGRADED (false). */
    default boolean critical() {
        return true;
    }

    /** This check's timeout; empty to use the registry's default. */
    default Optional<Duration> timeout() {
        return Optional.empty();
    }

    /** Releases what the check holds; the default holds nothing and does nothing. Idempotent. */
    @Override
    default void close() {
    }

    /**
     * A check from a lambda, configured with a builder:
     * {@code HealthCheck.of("cache", () -> HealthResult.up().build()).groups(READINESS).critical(false).build()}.
     */
    static Builder of(String name, Callable<HealthResult> probe) {
        return new Builder(name, probe);
    }

    /** Builds a {@link HealthCheck} around a {@link Callable}. Not thread-safe. */
    final class Builder extends AbstractHealthCheck.Builder<Builder> {
        private final Callable<HealthResult> probe;

        private Builder(String name, Callable<HealthResult> probe) {
            super(name, Set.of());
            this.probe = Objects.requireNonNull(probe, "probe");
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** The check. */
        public HealthCheck build() {
            Callable<HealthResult> p = probe;
            return new AbstractHealthCheck(this) {
                @Override
                public HealthResult check() throws Exception {
                    return p.call();
                }
            };
        }
    }
}
