package dev.infrakit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.testkit.EphemeralRedis;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Redis store as the starter builds it from properties alone ({@code infrakit.ratelimit.store=redis}
 * with infra-redis and Lettuce on the class path): two application contexts standing for two
 * instances share one budget, the store's check is in the health registry and UP, and a bad URI
 * fails the start naming the setting, never the password in it.
 */
class InfrakitRedisIT {
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static ApplicationContextRunner instance(String prefix) {
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
                        InfrakitRateLimitAutoConfiguration.class, InfrakitHealthAutoConfiguration.class))
                .withPropertyValues(
                        "infrakit.ratelimit.store=redis",
                        "infrakit.ratelimit.tiers=user",
                        "infrakit.ratelimit.tier.user.limits=3/1h",
                        "infrakit.ratelimit.redis.uri=" + EphemeralRedis.shared().uri(),
                        "infrakit.ratelimit.redis.on-failure=fail-closed",
                        "infrakit.ratelimit.redis.key-prefix=" + prefix,
                        "infrakit.health.enabled=true");
    }

    private static String prefix() {
        return "boot" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet() + ":";
    }

    @Test
    void twoInstancesShareOneBudgetInRedis() {
        String prefix = prefix();
        instance(prefix).run(first -> instance(prefix).run(second -> {
            assertThat(first).hasNotFailed();
            assertThat(second).hasNotFailed();
            RateLimiter a = first.getBean(RateLimiter.class);
            RateLimiter b = second.getBean(RateLimiter.class);
            assertThat(a.store().name()).isEqualTo("redis");
            assertThat(List.of(a.tryAcquire("alice"), b.tryAcquire("alice"), a.tryAcquire("alice"))).containsOnly(true);
            assertThat(b.tryAcquire("alice")).isFalse();
            assertThat(a.tryAcquire("alice")).isFalse();
            assertThat(b.tryAcquire("bob")).isTrue();
            assertThat(EphemeralRedis.shared().command("KEYS", prefix + "*").lines().count()).isEqualTo(2);

            HealthRegistry health = first.getBean(HealthRegistry.class);
            assertThat(health.names()).contains("ratelimit-store");
            assertThat(health.check().status()).isEqualTo(HealthStatus.UP);
        }));
    }

    @Test
    void aBadUriFailsTheStartNamingTheSettingNotThePassword() {
        instance(prefix()).withPropertyValues("infrakit.ratelimit.redis.uri=redis://:hunter2-secret@[not-a-host")
                .run(context -> {
                    assertThat(context).hasFailed();
                    StringBuilder messages = new StringBuilder();
                    for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                        messages.append(t.getMessage()).append('\n');
                    }
                    assertThat(messages.toString()).contains("infrakit.ratelimit.redis.uri").doesNotContain("hunter2");
                });
    }
}
