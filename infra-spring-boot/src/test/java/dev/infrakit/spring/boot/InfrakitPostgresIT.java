package dev.infrakit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The PostgreSQL-backed capabilities as the starter builds them from properties alone, two
 * application contexts standing for two instances of one service on one database: the rate limit
 * is one budget across both, a credential written by one is read by the other, a cluster lock
 * held by one is refused to the other, and the health registry checks the stores UP.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class InfrakitPostgresIT {

    private static ApplicationContextRunner instance(TestDatabase db, String masterKey) {
        String url = db.jdbcUrl();
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
                        InfrakitRateLimitAutoConfiguration.class, InfrakitCredentialsAutoConfiguration.class,
                        InfrakitScheduleAutoConfiguration.class, InfrakitHealthAutoConfiguration.class))
                .withPropertyValues(
                        "infrakit.ratelimit.store=postgres",
                        "infrakit.ratelimit.tiers=user",
                        "infrakit.ratelimit.tier.user.limits=3/1h",
                        "infrakit.ratelimit.postgres.url=" + url,
                        "infrakit.ratelimit.postgres.username=" + db.username(),
                        "infrakit.ratelimit.postgres.password=" + db.password(),
                        "infrakit.ratelimit.postgres.on-failure=fail-closed",
                        "infrakit.credentials.store=postgres",
                        "infrakit.credentials.master-key=" + masterKey,
                        "infrakit.credentials.postgres.url=" + url,
                        "infrakit.credentials.postgres.username=" + db.username(),
                        "infrakit.credentials.postgres.password=" + db.password(),
                        "infrakit.schedule.lock=postgres",
                        "infrakit.schedule.postgres.url=" + url,
                        "infrakit.schedule.postgres.username=" + db.username(),
                        "infrakit.schedule.postgres.password=" + db.password(),
                        "infrakit.health.enabled=true");
    }

    @Test
    void twoInstancesShareTheBudgetTheCredentialsAndTheLock(TestDatabase db) throws Exception {
        String masterKey = MasterKey.generate().toBase64();
        instance(db, masterKey).run(first -> instance(db, masterKey).run(second -> {
            assertThat(first).hasNotFailed();
            assertThat(second).hasNotFailed();

            // One budget of 3 an hour for alice across both instances.
            RateLimiter a = first.getBean(RateLimiter.class);
            RateLimiter b = second.getBean(RateLimiter.class);
            assertThat(List.of(a.tryAcquire("alice"), b.tryAcquire("alice"), a.tryAcquire("alice")))
                    .containsOnly(true);
            assertThat(b.tryAcquire("alice")).isFalse();
            assertThat(a.tryAcquire("alice")).isFalse();
            assertThat(b.tryAcquire("bob")).isTrue();

            // Written through one, read through the other, encrypted under the same master key.
            CredentialStore written = first.getBean(CredentialStore.class);
            CredentialStore read = second.getBean(CredentialStore.class);
            written.put("orders-db", SecretValue.login("orders", "s3cret-pw"));
            assertThat(read.get("orders-db").value()).isEqualTo(SecretValue.login("orders", "s3cret-pw"));

            // A lock the first holds is refused to the second, and free again after.
            ClusterLock lockA = first.getBean(ClusterLock.class);
            ClusterLock lockB = second.getBean(ClusterLock.class);
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService holder = Executors.newSingleThreadExecutor();
            try {
                Future<Boolean> ran = holder.submit(() -> lockA.runExclusively("nightly-job", () -> {
                    held.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
                boolean[] secondRan = {false};
                assertThat(lockB.runExclusively("nightly-job", () -> secondRan[0] = true)).isFalse();
                assertThat(secondRan[0]).isFalse();
                release.countDown();
                assertThat(ran.get(30, TimeUnit.SECONDS)).isTrue();
                assertThat(lockB.runExclusively("nightly-job", () -> secondRan[0] = true)).isTrue();
                assertThat(secondRan[0]).isTrue();
            } finally {
                release.countDown();
                holder.shutdownNow();
            }

            // The registry holds the stores' checks, and they are UP.
            HealthRegistry health = first.getBean(HealthRegistry.class);
            assertThat(health.names()).isNotEmpty();
            assertThat(health.check().status()).isEqualTo(HealthStatus.UP);
        }));
    }

    @Test
    void aWrongPasswordFailsTheStartNamingTheStoreNotThePassword(TestDatabase db) {
        instance(db, MasterKey.generate().toBase64())
                .withPropertyValues("infrakit.credentials.postgres.password=not-the-password")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable failure = context.getStartupFailure();
                    StringBuilder messages = new StringBuilder();
                    for (Throwable t = failure; t != null; t = t.getCause()) {
                        messages.append(t.getMessage()).append('\n');
                    }
                    assertThat(messages.toString()).contains("infrakitCredentialStore")
                            .doesNotContain("not-the-password");
                });
    }
}
