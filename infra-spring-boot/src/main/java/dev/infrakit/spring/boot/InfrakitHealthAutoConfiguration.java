package dev.infrakit.spring.boot;

import dev.infrakit.core.Config;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * A {@link HealthRegistry} bean named {@value #HEALTH_REGISTRY_BEAN} holding every
 * {@link HealthCheck} bean of the context and the checks of every {@link HealthCheckSource} bean
 * (each Infrakit capability configured here declares one for its bean), created when there is at
 * least one of either or {@code infrakit.health.enabled} is {@code true}. {@code infrakit.health.*} settings (timeout, cache, background evaluation)
 * apply; {@code infrakit.health.checks} also registers the named built-in checks (disk, heap,
 * system memory). An application's own {@code HealthRegistry} bean replaces it. Closed with the
 * context.
 */
@AutoConfiguration(after = {InfrakitRateLimitAutoConfiguration.class, InfrakitCredentialsAutoConfiguration.class,
        InfrakitAuditAutoConfiguration.class, InfrakitAuthAutoConfiguration.class, InfrakitBackupAutoConfiguration.class,
        InfrakitScheduleAutoConfiguration.class})
@ConditionalOnClass(HealthRegistry.class)
@Conditional(InfrakitHealthAutoConfiguration.ChecksOrEnabled.class)
@EnableConfigurationProperties(InfrakitHealthProperties.class)
public class InfrakitHealthAutoConfiguration {

    /** The name of the registry bean, for the Actuator bridge. */
    public static final String HEALTH_REGISTRY_BEAN = "infrakitHealthRegistry";

    /** Created by Spring. */
    public InfrakitHealthAutoConfiguration() {
    }

    /**
     * The registry of every Infrakit check.
     *
     * @param environment the application's environment, read as Infrakit configuration
     * @param checks every {@link HealthCheck} bean, in bean order
     * @param sources every {@link HealthCheckSource} bean, in bean order
     * @return the registry; Spring closes it with the context
     * @throws IllegalArgumentException if two checks have one name
     */
    @Bean(name = HEALTH_REGISTRY_BEAN, destroyMethod = "close")
    @ConditionalOnMissingBean
    public HealthRegistry infrakitHealthRegistry(Environment environment, ObjectProvider<HealthCheck> checks,
            ObjectProvider<HealthCheckSource> sources) {
        Config config = EnvironmentConfig.of(environment);
        HealthRegistry registry = HealthRegistry.builder().config(config).build();
        try {
            checks.orderedStream().forEach(registry::register);
            sources.orderedStream().forEach(source -> source.healthChecks().forEach(registry::register));
            if (config.has("infrakit.health.checks")) {
                registry.registerProviders(config);
            }
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /** There is a check to hold, or the registry was asked for. */
    static final class ChecksOrEnabled extends AnyNestedCondition {

        ChecksOrEnabled() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(HealthCheck.class)
        static final class HasChecks {
        }

        @ConditionalOnBean(HealthCheckSource.class)
        static final class HasSources {
        }

        @ConditionalOnProperty(prefix = "infrakit.health", name = "enabled", havingValue = "true")
        static final class Enabled {
        }
    }
}
