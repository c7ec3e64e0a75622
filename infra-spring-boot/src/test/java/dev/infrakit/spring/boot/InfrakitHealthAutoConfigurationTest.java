package dev.infrakit.spring.boot;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void everyHealthCheckSourceIsRegisteredWithTheCheckBeans() {
        runner.withBean("probe", HealthCheck.class, () -> HealthCheck.of("probe", () -> HealthResult.up().build()).build())
                .withBean("more", HealthCheckSource.class, () -> () -> List.of(
                        HealthCheck.of("a", () -> HealthResult.up().build()).build(),
                        HealthCheck.of("b", () -> HealthResult.up().build()).build()))
                .run(context -> assertThat(context.getBean(HealthRegistry.class).names())
                        .containsExactlyInAnyOrder("probe", "a", "b"));
    }

    @Test
    void healthSettingsApplyAndABadOneFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.health.enabled=true", "infrakit.health.timeout=0s")
                .run(context -> StartupFailures.assertFailedNaming(context, "infrakit.health.timeout"));
        runner.withPropertyValues("infrakit.health.enabled=true", "infrakit.health.cache-ttl=5s",
                "infrakit.health.background-period=10s")
                .run(context -> StartupFailures.assertFailedNaming(context, "infrakit.health.background-period"));
    }

    @Test
    void namedBuiltInChecksAreRegistered() {
        runner.withPropertyValues("infrakit.health.enabled=true", "infrakit.health.checks=heap")
                .run(context -> assertThat(context.getBean(HealthRegistry.class).names()).containsExactly("heap"));
    }

    @Test
    void twoChecksWithOneNameFailTheStart() {
        runner.withBean("one", HealthCheck.class, () -> HealthCheck.of("same", () -> HealthResult.up().build()).build())
                .withBean("two", HealthCheck.class, () -> HealthCheck.of("same", () -> HealthResult.up().build()).build())
                .run(context -> assertThat(StartupFailures.messages(context))
                        .anySatisfy(m -> assertThat(m).contains("'same' is already registered")));
    }

    @Test
    void theApplicationsOwnRegistryWins() {
        HealthRegistry own = HealthRegistry.builder().build();
        runner.withPropertyValues("infrakit.health.enabled=true").withBean(HealthRegistry.class, () -> own)
                .run(context -> assertThat(context.getBean(HealthRegistry.class)).isSameAs(own));
    }

    @Test
    void theRegistryIsClosedWithTheContext() {
        AtomicReference<HealthRegistry> registry = new AtomicReference<>();
        runner.withPropertyValues("infrakit.health.enabled=true", "infrakit.health.background-period=1h")
                .run(context -> registry.set(context.getBean(HealthRegistry.class)));
        assertThatThrownBy(() -> registry.get().check()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
