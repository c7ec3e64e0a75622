package dev.infrakit.spring.boot.actuate;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Infrakit's health checks in Actuator's {@code /actuator/health}: the registry's checks as the
 * composite contributor {@value #ALL_CONTRIBUTOR} (a child per check), its liveness checks as
 * {@value #LIVENESS_CONTRIBUTOR} in the {@code liveness} group and its readiness checks as
 * {@value #READINESS_CONTRIBUTOR} in the {@code readiness} group. Each check keeps its timeout:
 * the registry runs the checks (see {@link RegistryHealthContributor}). Created when Boot's health
 * API ({@code spring-boot-health}) is on the class path and a {@link HealthRegistry} bean exists;
 * each bean is replaced by an application bean of the same name. The group placement needs
 * Actuator's endpoint ({@code spring-boot-actuator}) and follows
 * {@code management.endpoint.health.probes.enabled} (default on).
 */
// After Boot's probe groups: its post-processor, at the same (lowest) precedence, runs before ours
// only if defined first, and it replaces a probe group's membership rather than adding to it.
@AutoConfiguration(afterName = {"dev.infrakit.spring.boot.InfrakitHealthAutoConfiguration",
        "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration"},
        beforeName = "org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration")
@ConditionalOnClass({HealthContributor.class, HealthRegistry.class})
@ConditionalOnBean(HealthRegistry.class)
public final class InfrakitActuatorAutoConfiguration {
    /** The name of the contributor holding every Infrakit check. */
    public static final String ALL_CONTRIBUTOR = "infrakit";
    /** The name of the contributor holding the checks of Infrakit's {@code liveness} group. */
    public static final String LIVENESS_CONTRIBUTOR = "infrakitLiveness";
    /** The name of the contributor holding the checks of Infrakit's {@code readiness} group. */
    public static final String READINESS_CONTRIBUTOR = "infrakitReadiness";

    /** Created by Spring. */
    public InfrakitActuatorAutoConfiguration() {
    }

    /**
     * Every check of {@code registry}, a child each ({@code /actuator/health/infrakit/<check>}).
     *
     * @param registry the Infrakit checks
     * @return the contributor, named {@value #ALL_CONTRIBUTOR} by Boot (suffix removed)
     */
    @Bean
    @ConditionalOnMissingBean(name = "infrakitHealthContributor")
    public CompositeHealthContributor infrakitHealthContributor(HealthRegistry registry) {
        return new RegistryHealthContributor(registry, null);
    }

    /**
     * The checks of Infrakit's {@code liveness} group.
     *
     * @param registry the Infrakit checks
     * @return the contributor, named {@value #LIVENESS_CONTRIBUTOR} by Boot
     */
    @Bean
    @ConditionalOnMissingBean(name = "infrakitLivenessHealthContributor")
    public CompositeHealthContributor infrakitLivenessHealthContributor(HealthRegistry registry) {
        return new RegistryHealthContributor(registry, HealthCheck.LIVENESS);
    }

    /**
     * The checks of Infrakit's {@code readiness} group.
     *
     * @param registry the Infrakit checks
     * @return the contributor, named {@value #READINESS_CONTRIBUTOR} by Boot
     */
    @Bean
    @ConditionalOnMissingBean(name = "infrakitReadinessHealthContributor")
    public CompositeHealthContributor infrakitReadinessHealthContributor(HealthRegistry registry) {
        return new RegistryHealthContributor(registry, HealthCheck.READINESS);
    }

    /** Places the group contributors in Actuator's probe groups (needs Actuator's endpoint). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    @ConditionalOnBooleanProperty(name = "management.endpoint.health.probes.enabled", matchIfMissing = true)
    static class Groups {

        @Bean
        @ConditionalOnMissingBean(name = "infrakitHealthEndpointGroupsPostProcessor")
        HealthEndpointGroupsPostProcessor infrakitHealthEndpointGroupsPostProcessor() {
            return InfrakitHealthEndpointGroups::new;
        }
    }
}
