package dev.infrakit.spring.boot;

import dev.infrakit.core.health.HealthCheck;

import java.util.List;

/**
 * The health checks of an Infrakit bean, collected into the {@code HealthRegistry} bean
 * ({@link InfrakitHealthAutoConfiguration}). Each capability's auto-configuration declares one
 * that reads the bean in the context when the registry is built, so a check comes from the
 * application's own bean when it replaced Infrakit's. Declare one (or a {@link HealthCheck} bean)
 * to add checks of your own.
 */
@FunctionalInterface
public interface HealthCheckSource {

    /**
     * The checks to register; empty when the bean has none.
     *
     * @return the checks, each with a name unique in the registry
     */
    List<HealthCheck> healthChecks();
}
