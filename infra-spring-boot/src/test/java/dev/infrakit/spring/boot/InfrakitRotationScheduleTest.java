package dev.infrakit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infrakit.auth.TokenKeys;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.LocalClusterLock;
import dev.infrakit.core.schedule.ScheduledJob;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.rotation.RotationContext;
import dev.infrakit.credentials.rotation.RotationEngine;
import dev.infrakit.credentials.rotation.RotationStrategy;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter schedules the application's credential rotations and signing-key rotation, each
 * run under the {@code ClusterLock} bean: while another instance holds the lock the runs are
 * skipped and nothing rotates; once it is released the next run rotates.
 */
class InfrakitRotationScheduleTest {
    private static final String CREDENTIAL = "orders-db";

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(InfrakitScheduleAutoConfiguration.class, InfrakitCredentialRotationAutoConfiguration.class,
                    InfrakitAuthAutoConfiguration.class));

    /** Rotation to a new password; the target system is this process, so apply and test succeed. */
    private static final RotationStrategy PASSWORDS = new RotationStrategy() {
        @Override
        public SecretValue create(RotationContext context) {
            return SecretValue.login("orders", "pw-" + context.rotationId());
        }

        @Override
        public void apply(RotationContext context) {
        }

        @Override
        public void test(RotationContext context) {
        }
    };

    private static InMemoryCredentialStore storeWithTheCredential() {
        InMemoryCredentialStore store = InMemoryCredentialStore.create();
        store.put(CREDENTIAL, SecretValue.login("orders", "initial"));
        return store;
    }

    private static int version(InMemoryCredentialStore store) {
        return store.metadata(CREDENTIAL).orElseThrow().currentVersion();
    }

    @Test
    void credentialRotationsRunUnderTheLockAndAreSkippedWhileAnotherInstanceHoldsIt() {
        InMemoryCredentialStore store = storeWithTheCredential();
        RotationEngine engine = RotationEngine.builder(store).strategy(CREDENTIAL, PASSWORDS).build();
        LocalClusterLock lock = LocalClusterLock.create();
        runner.withBean(RotationEngine.class, () -> engine).withBean(ClusterLock.class, () -> lock)
                .withPropertyValues("infrakit.credentials.rotation.names=" + CREDENTIAL,
                        "infrakit.credentials.rotation.every=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ScheduledJob job = context.getBean(InfrakitCredentialRotationAutoConfiguration.CREDENTIAL_ROTATION,
                            ScheduledJob.class);
                    assertThat(job.nextRun()).isPresent();
                    // Another instance rotates for 2.5 s: every run in that time finds the lock held.
                    int before = version(store);
                    assertThat(lock.runExclusively("rotation of " + CREDENTIAL, () -> sleep(Duration.ofMillis(2500))))
                            .isTrue();
                    int whileHeld = version(store);
                    assertThat(job.skipped()).isPositive();
                    // A run that started just before the lock was taken may have rotated once.
                    assertThat(whileHeld - before).isLessThanOrEqualTo(1);
                    awaitTrue(() -> version(store) > whileHeld, "a rotation once the lock is free");
                });
    }

    @Test
    void withoutALockTheyRunToo() {
        InMemoryCredentialStore store = storeWithTheCredential();
        RotationEngine engine = RotationEngine.builder(store).strategy(CREDENTIAL, PASSWORDS).build();
        runner.withBean(RotationEngine.class, () -> engine)
                .withPropertyValues("infrakit.credentials.rotation.names=" + CREDENTIAL,
                        "infrakit.credentials.rotation.every=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    awaitTrue(() -> version(store) > 1, "a scheduled rotation");
                    assertThat(context.getBean(InfrakitCredentialRotationAutoConfiguration.CREDENTIAL_ROTATION,
                            ScheduledJob.class).skipped()).isZero();
                });
    }

    @Test
    void aClosedContextStopsItsRotations() {
        InMemoryCredentialStore store = storeWithTheCredential();
        RotationEngine engine = RotationEngine.builder(store).strategy(CREDENTIAL, PASSWORDS).build();
        ScheduledJob[] job = new ScheduledJob[1];
        runner.withBean(RotationEngine.class, () -> engine)
                .withPropertyValues("infrakit.credentials.rotation.names=" + CREDENTIAL,
                        "infrakit.credentials.rotation.cron=0 3 * * *")
                .run(context -> job[0] = context.getBean(InfrakitCredentialRotationAutoConfiguration.CREDENTIAL_ROTATION,
                        ScheduledJob.class));
        assertThat(job[0].nextRun()).isEmpty();
    }

    @Test
    void nothingIsScheduledWithoutAnEngineOrWithoutNames() {
        runner.withPropertyValues("infrakit.credentials.rotation.names=" + CREDENTIAL, "infrakit.credentials.rotation.every=1h")
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(InfrakitCredentialRotationAutoConfiguration.CREDENTIAL_ROTATION));
        RotationEngine engine = RotationEngine.builder(storeWithTheCredential()).strategy(CREDENTIAL, PASSWORDS).build();
        runner.withBean(RotationEngine.class, () -> engine).withPropertyValues("infrakit.credentials.rotation.every=1h")
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(InfrakitCredentialRotationAutoConfiguration.CREDENTIAL_ROTATION));
    }

    @Test
    void badRotationSettingsFailTheStartNamingTheKey() {
        RotationEngine engine = RotationEngine.builder(storeWithTheCredential()).strategy(CREDENTIAL, PASSWORDS).build();
        ApplicationContextRunner withEngine = runner.withBean(RotationEngine.class, () -> engine);
        withEngine.withPropertyValues("infrakit.credentials.rotation.names=payments-db", "infrakit.credentials.rotation.every=1h")
                .run(context -> failedNaming(context, "infrakit.credentials.rotation.names", "payments-db"));
        withEngine.withPropertyValues("infrakit.credentials.rotation.names=" + CREDENTIAL)
                .run(context -> failedNaming(context, "infrakit.credentials.rotation.every", "cron"));
        withEngine.withPropertyValues("infrakit.credentials.rotation.names=" + CREDENTIAL,
                "infrakit.credentials.rotation.every=1h", "infrakit.credentials.rotation.cron=0 3 * * *")
                .run(context -> failedNaming(context, "infrakit.credentials.rotation.cron", "not both"));
        withEngine.withPropertyValues("infrakit.credentials.rotation.names=" + CREDENTIAL,
                "infrakit.credentials.rotation.every=500ms")
                .run(context -> failedNaming(context, "infrakit.credentials.rotation.every", "1 second"));
        withEngine.withPropertyValues("infrakit.credentials.rotation.names=" + CREDENTIAL + "," + CREDENTIAL,
                "infrakit.credentials.rotation.every=1h")
                .run(context -> failedNaming(context, "infrakit.credentials.rotation.names", "once"));
    }

    @Test
    void signingKeysRotateUnderTheLockAndNotWhileAnotherInstanceHoldsIt() {
        TokenKeys keys = TokenKeys.builder(InMemoryCredentialStore.create()).name("api-tokens")
                .refresh(Duration.ofMillis(200)).grace(Duration.ofSeconds(1)).build();
        String first = keys.signingKey().kid();
        LocalClusterLock lock = LocalClusterLock.create();
        runner.withBean(TokenKeys.class, () -> keys).withBean(ClusterLock.class, () -> lock)
                .withPropertyValues("infrakit.auth.signing-keys.rotation-period=3s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ScheduledJob job = context.getBean(InfrakitAuthAutoConfiguration.SIGNING_KEY_ROTATION, ScheduledJob.class);
                    // Held elsewhere for 4 s (past the 3 s period): checks are skipped, no key is added.
                    assertThat(lock.runExclusively("token-keys rotation of api-tokens", () -> sleep(Duration.ofSeconds(4))))
                            .isTrue();
                    assertThat(job.skipped()).isPositive();
                    assertThat(kids(keys)).isEqualTo(1);
                    awaitTrue(() -> kids(keys) == 2, "a new signing key once the lock is free");
                    assertThat(keys.jwks()).contains(first);
                });
    }

    @Test
    void aRotationPeriodNotLongerThanTheGraceFailsTheStartNamingTheKey() {
        TokenKeys keys = TokenKeys.builder(InMemoryCredentialStore.create()).grace(Duration.ofMinutes(10)).build();
        runner.withBean(TokenKeys.class, () -> keys).withPropertyValues("infrakit.auth.signing-keys.rotation-period=5m")
                .run(context -> failedNaming(context, "infrakit.auth.signing-keys.rotation-period", "grace"));
        runner.withPropertyValues("infrakit.auth.signing-keys.rotation-period=30d")
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(InfrakitAuthAutoConfiguration.SIGNING_KEY_ROTATION));
    }

    /** Holds the lock this long, as another instance's run would. */
    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int kids(TokenKeys keys) {
        return keys.jwks().split("\"kid\"", -1).length - 1;
    }

    private static void failedNaming(AssertableApplicationContext context, String key, String text) {
        assertThat(context).hasFailed();
        assertThat(context.getStartupFailure()).rootCause().hasMessageContaining(key).hasMessageContaining(text);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 10 s for " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
