package dev.infrakit.core.health;

import dev.infrakit.core.Provider;

/**
 * Creates a {@link HealthCheck} from configuration, for {@link HealthRegistry#registerProviders}.
 * Infrakit ships {@code disk-space}, {@code heap} and {@code system-memory}; other modules add
 * their own (audit backlog, rate-limit store, backup freshness).
 */
public interface HealthCheckProvider extends Provider<HealthCheck> {
}
