package dev.infrakit.spring.boot.actuate;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.application.AvailabilityHealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class InfrakitActuatorAutoConfigurationTest {
    private final CountDownLatch hang = new CountDownLatch(1);
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InfrakitActuatorAutoConfiguration.class));

    @AfterEach
    void release() {
        hang.countDown();
    }

    private HealthRegistry registry() {
        return HealthRegistry.builder().build()
                .register(HealthCheck.of("heap", () -> HealthResult.up().observed(42, "%").build())
                        .groups(HealthCheck.LIVENESS).build())
                .register(HealthCheck.of("db", () -> HealthResult.up().build()).groups(HealthCheck.READINESS).build())
                .register(HealthCheck.of("disk:/var/lib", () -> HealthResult.degraded("9% free").build()).build())
                .register(HealthCheck.of("cache", () -> HealthResult.down("unreachable").build()).critical(false).build())
                .register(HealthCheck.of("broker", () -> {
                    throw new IllegalStateException("connection refused");
                }).groups(HealthCheck.READINESS).build())
                .register(HealthCheck.of("hangs", () -> {
                    hang.await();
                    return HealthResult.up().build();
                }).groups(HealthCheck.READINESS).timeout(Duration.ofMillis(200)).build());
    }

    private static Map<String, Health> children(HealthContributor contributor) {
        return ((HealthContributors) contributor).stream().collect(Collectors.toMap(HealthContributors.Entry::name,
                e -> ((HealthIndicator) e.contributor()).health()));
    }

    @Test
    void noRegistryNoContributors() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(HealthContributor.class)
                .doesNotHaveBean(HealthEndpointGroupsPostProcessor.class));
    }

    @Test
    void theRegistryGivesThreeContributorsAndTheGroupPlacement() {
        runner.withBean(HealthRegistry.class, this::registry).run(context -> {
            assertThat(context).hasNotFailed()
                    .hasBean("infrakitHealthContributor").hasBean("infrakitLivenessHealthContributor")
                    .hasBean("infrakitReadinessHealthContributor").hasSingleBean(HealthEndpointGroupsPostProcessor.class);
            assertThat(children(context.getBean("infrakitLivenessHealthContributor", HealthContributor.class)))
                    .containsOnlyKeys("heap");
            assertThat(children(context.getBean("infrakitReadinessHealthContributor", HealthContributor.class)))
                    .containsOnlyKeys("db", "broker", "hangs");
        });
    }

    @Test
    void everyCheckIsAChildWithItsStatusAndDetailsAndAHangingCheckIsDownWithinItsTimeout() {
        runner.withBean(HealthRegistry.class, this::registry).run(context -> {
            long started = System.nanoTime();
            Map<String, Health> all = children(context.getBean("infrakitHealthContributor", HealthContributor.class));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(all).containsOnlyKeys("heap", "db", "disk:_var_lib", "cache", "broker", "hangs");
            assertThat(all.get("heap").getStatus()).isEqualTo(Status.UP);
            assertThat(all.get("heap").getDetails()).containsEntry("observedValue", 42).containsEntry("observedUnit", "%")
                    .containsEntry("check", "heap").containsEntry("critical", true);
            assertThat(all.get("disk:_var_lib").getStatus()).isEqualTo(RegistryHealthContributor.DEGRADED);
            assertThat(all.get("disk:_var_lib").getDetails()).containsEntry("check", "disk:/var/lib")
                    .containsEntry("output", "9% free");
            // Not critical: Infrakit counts its DOWN as degrading, never as down.
            assertThat(all.get("cache").getStatus()).isEqualTo(RegistryHealthContributor.DEGRADED);
            assertThat(all.get("cache").getDetails()).containsEntry("status", "DOWN").containsEntry("critical", false);
            assertThat(all.get("broker").getStatus()).isEqualTo(Status.DOWN);
            assertThat((String) all.get("broker").getDetails().get("output")).contains("connection refused");
            assertThat(all.get("hangs").getStatus()).isEqualTo(Status.DOWN);
            assertThat((String) all.get("hangs").getDetails().get("output")).contains("timed out");
            assertThat(took).isLessThan(Duration.ofSeconds(5));
            // While it still hangs, the next evaluation answers at once instead of starting it again.
            long again = System.nanoTime();
            assertThat(children(context.getBean("infrakitReadinessHealthContributor", HealthContributor.class))
                    .get("hangs").getStatus()).isEqualTo(Status.DOWN);
            assertThat(Duration.ofNanos(System.nanoTime() - again)).isLessThan(Duration.ofMillis(150));
        });
    }

    @Test
    void withBootsDefaultProbeGroupsEachGroupHoldsItsOwnChecks() {
        // No group settings: Boot's probe post-processor makes the groups, ours adds Infrakit's.
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class,
                        AvailabilityHealthContributorAutoConfiguration.class, AvailabilityProbesAutoConfiguration.class,
                        HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
                        InfrakitActuatorAutoConfiguration.class))
                .withPropertyValues("management.endpoint.health.show-components=always")
                .withBean(HealthRegistry.class, () -> HealthRegistry.builder().build()
                        .register(HealthCheck.of("heap", () -> HealthResult.up().build()).groups(HealthCheck.LIVENESS).build())
                        .register(HealthCheck.of("db", () -> HealthResult.down("refused").build())
                                .groups(HealthCheck.READINESS).build()))
                .run(context -> {
                    // Boot's own state indicators as in a started application, so only Infrakit's checks decide.
                    AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
                    AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
                    HealthEndpoint health = context.getBean(HealthEndpoint.class);
                    assertThat(health.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);
                    assertThat(health.healthForPath("readiness").getStatus()).isEqualTo(Status.DOWN);
                    CompositeHealthDescriptor all = (CompositeHealthDescriptor) health.health();
                    assertThat(all.getComponents()).containsKey("infrakit")
                            .doesNotContainKeys("infrakitLiveness", "infrakitReadiness");
                    assertThat(all.getStatus()).isEqualTo(Status.DOWN);
                });
    }

    @Test
    void checksWhoseNamesMeetOnceCleanedAreBothShown() {
        HealthRegistry registry = HealthRegistry.builder().build()
                .register(HealthCheck.of("a/b", () -> HealthResult.up().build()).build())
                .register(HealthCheck.of("a_b", () -> HealthResult.down("x").build()).build());
        try {
            Map<String, Health> all = children(new RegistryHealthContributor(registry, null));
            assertThat(all).containsOnlyKeys("a_b", "a_b~2");
            assertThat(all.values()).extracting(health -> health.getDetails().get("check")).containsExactlyInAnyOrder("a/b", "a_b");
        } finally {
            registry.close();
        }
    }

    @Test
    void oneChildIsReadByName() {
        runner.withBean(HealthRegistry.class, this::registry).run(context -> {
            CompositeHealthContributor all = context.getBean("infrakitHealthContributor", CompositeHealthContributor.class);
            assertThat(((HealthIndicator) all.getContributor("db")).health().getStatus()).isEqualTo(Status.UP);
            assertThat(all.getContributor("db/../heap")).isNull();
            assertThat(all.getContributor("nonexistent")).isNull();
        });
    }

    @Test
    void aContributorOfTheSameNameReplacesOursAndProbesOffLeavesTheGroupsAlone() {
        CompositeHealthContributor own = CompositeHealthContributor.fromMap(Map.of("x", (HealthIndicator) () ->
                Health.up().build()));
        runner.withBean(HealthRegistry.class, this::registry).withBean("infrakitHealthContributor",
                CompositeHealthContributor.class, () -> own)
                .withPropertyValues("management.endpoint.health.probes.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(HealthEndpointGroupsPostProcessor.class)
                        .getBean("infrakitHealthContributor").isSameAs(own));
    }

    @Test
    void withoutBootsHealthApiOrActuatorsEndpoint() {
        runner.withBean(HealthRegistry.class, this::registry).withClassLoader(new FilteredClassLoader(HealthContributor.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("infrakitHealthContributor"));
        runner.withBean(HealthRegistry.class, this::registry)
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.endpoint.annotation"))
                .run(context -> assertThat(context).hasNotFailed().hasBean("infrakitHealthContributor")
                        .doesNotHaveBean(HealthEndpointGroupsPostProcessor.class));
    }
}
