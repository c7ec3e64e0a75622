package dev.infrakit.spring.boot;

import dev.infrakit.core.Providers;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.ClusterLockProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The {@link ClusterLock} that makes Infrakit's scheduled jobs run once across the instances of a
 * service rather than once in each: created when {@code infrakit.schedule.lock} names one
 * ({@code postgres}: PostgreSQL advisory locks, keys under {@code infrakit.schedule.postgres.*};
 * {@code local}: one JVM), replaced by a {@code ClusterLock} bean of the application's own. The
 * scheduled backups of {@link InfrakitBackupAutoConfiguration} run under it when there is one.
 */
@AutoConfiguration
@ConditionalOnInfrakit(prefix = "infrakit.schedule", keys = "lock")
@EnableConfigurationProperties(InfrakitScheduleProperties.class)
public class InfrakitScheduleAutoConfiguration {

    /** Created by Spring. */
    public InfrakitScheduleAutoConfiguration() {
    }

    /**
     * The lock.
     *
     * @param environment read as Infrakit configuration
     * @return the lock {@code infrakit.schedule.lock} names; closing it closes its pool
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public ClusterLock infrakitClusterLock(Environment environment) {
        return Providers.load(ClusterLockProvider.class, EnvironmentConfig.of(environment));
    }

    /**
     * The lock's health check (the PostgreSQL lock has one).
     *
     * @param lock the lock in the context
     * @return its checks
     */
    @Bean
    @ConditionalOnMissingBean(name = "infrakitClusterLockHealthChecks")
    public HealthCheckSource infrakitClusterLockHealthChecks(ObjectProvider<ClusterLock> lock) {
        return () -> lock.orderedStream().flatMap(l -> l.healthCheck().stream()).toList();
    }
}
