package dev.infrakit.spring.boot;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class InfrakitHealthAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InfrakitHealthAutoConfiguration.class));

    @Test
    void noRegistryWithoutChecksOrEnabled() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(HealthRegistry.class));
    }

    @Test
    void enabledCreatesTheNamedRegistry() {
        runner.withPropertyValues("infrakit.health.enabled=true").run(context -> {
            assertThat(context).hasSingleBean(HealthRegistry.class)
                    .hasBean(InfrakitHealthAutoConfiguration.HEALTH_REGISTRY_BEAN);
            assertThat(context.getBean(HealthRegistry.class).names()).isEmpty();
        });
    }

    @Test
    void everyHealthCheckBeanIsRegistered() {
        runner.withBean("probe", HealthCheck.class, () -> HealthCheck.of("probe", () -> HealthResult.up().build()).build())
                .run(context -> assertThat(context.getBean(HealthRegistry.class).names()).containsExactly("probe"));
    }
}
