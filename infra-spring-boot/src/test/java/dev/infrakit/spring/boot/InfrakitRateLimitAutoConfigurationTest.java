package dev.infrakit.spring.boot;

import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static dev.infrakit.spring.boot.StartupFailures.assertFailedNaming;
import static org.assertj.core.api.Assertions.assertThat;

class InfrakitRateLimitAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(InfrakitRateLimitAutoConfiguration.class, InfrakitHealthAutoConfiguration.class));

    @Test
    void noLimiterUntilConfigured() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimiter.class)
                .doesNotHaveBean(InfrakitRateLimitProperties.class));
    }

    @Test
    void tiersConfigureTheLimiterWithTheirLimits() {
        runner.withPropertyValues("infrakit.ratelimit.tiers=user,admin", "infrakit.ratelimit.tier.user.limits=2/1m",
                "infrakit.ratelimit.tier.admin.limits=5/1m", "infrakit.ratelimit.default-tier=admin").run(context -> {
                    RateLimiter limiter = context.getBean(RateLimiter.class);
                    assertThat(limiter.tiers()).containsExactly("user", "admin");
                    assertThat(limiter.defaultTier()).isEqualTo("admin");
                    assertThat(limiter.tryAcquire("user", "alice", 1)).isTrue();
                    assertThat(limiter.tryAcquire("user", "alice", 1)).isTrue();
                    assertThat(limiter.tryAcquire("user", "alice", 1)).isFalse();
                    assertThat(context.getBean(InfrakitRateLimitProperties.class).getTier().get("user").getLimits())
                            .isEqualTo("2/1m");
                });
    }

    @Test
    void aYamlListOfTiersIsAnInfrakitList() {
        runner.withPropertyValues("infrakit.ratelimit.tiers[0]=free", "infrakit.ratelimit.tiers[1]=paid",
                "infrakit.ratelimit.tier.free.limits=1/1h", "infrakit.ratelimit.tier.paid.limits=10/1h")
                .run(context -> assertThat(context.getBean(RateLimiter.class).tiers()).containsExactly("free", "paid"));
    }

    @Test
    void enabledAloneGivesTheDefaultTiers() {
        runner.withPropertyValues("infrakit.ratelimit.enabled=true").run(context -> assertThat(
                context.getBean(RateLimiter.class).tiers()).containsExactly("anonymous", "user", "admin"));
    }

    @Test
    void enabledFalseTurnsItOffEvenWithTiers() {
        runner.withPropertyValues("infrakit.ratelimit.enabled=false", "infrakit.ratelimit.tiers=user",
                "infrakit.ratelimit.tier.user.limits=2/1m")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimiter.class));
    }

    @Test
    void theApplicationsOwnLimiterWins() {
        RateLimiter own = RateLimiter.of(RateLimitPolicy.parse("mine", "7/1m"));
        runner.withPropertyValues("infrakit.ratelimit.tiers=user", "infrakit.ratelimit.tier.user.limits=2/1m")
                .withBean(RateLimiter.class, () -> own)
                .run(context -> assertThat(context.getBean(RateLimiter.class)).isSameAs(own));
    }

    @Test
    void malformedLimitsFailTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.ratelimit.tiers=user", "infrakit.ratelimit.tier.user.limits=lots")
                .run(context -> assertFailedNaming(context, "infrakit.ratelimit.tier.user.limits"));
    }

    @Test
    void anUnknownStoreFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.ratelimit.tiers=user", "infrakit.ratelimit.tier.user.limits=2/1m",
                "infrakit.ratelimit.store=nowhere")
                .run(context -> assertThat(StartupFailures.messages(context))
                        .anySatisfy(m -> assertThat(m).contains("infrakit.ratelimit.store").contains("memory")));
    }

    @Test
    void aNonBooleanEnabledFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.ratelimit.enabled=perhaps")
                .run(context -> assertFailedNaming(context, "infrakit.ratelimit.enabled"));
    }

    @Test
    void withoutInfraRatelimitOnTheClassPathNothingIsConfigured() {
        runner.withClassLoader(new FilteredClassLoader(RateLimiter.class))
                .withPropertyValues("infrakit.ratelimit.tiers=user", "infrakit.ratelimit.tier.user.limits=2/1m")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimiter.class)
                        .doesNotHaveBean(HealthRegistry.class));
    }
}
