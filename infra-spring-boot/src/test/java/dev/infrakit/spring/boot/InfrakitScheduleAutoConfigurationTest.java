package dev.infrakit.spring.boot;

import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupSource;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.LocalClusterLock;
import dev.infrakit.core.schedule.ScheduledJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.infrakit.spring.boot.StartupFailures.assertFailedNaming;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@code ClusterLock} bean, and scheduled backups running under it. */
class InfrakitScheduleAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(InfrakitScheduleAutoConfiguration.class, InfrakitBackupAutoConfiguration.class,
                    InfrakitHealthAutoConfiguration.class));

    @TempDir
    Path dir;

    @Test
    void noLockUntilConfigured() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ClusterLock.class));
    }

    @Test
    void aLocalLockWhenNamed() {
        runner.withPropertyValues("infrakit.schedule.lock=local").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(ClusterLock.class)).isInstanceOf(LocalClusterLock.class);
        });
    }

    @Test
    void theApplicationsOwnLockWins() {
        ClusterLock own = LocalClusterLock.create();
        runner.withPropertyValues("infrakit.schedule.lock=local").withBean(ClusterLock.class, () -> own)
                .run(context -> assertThat(context.getBean(ClusterLock.class)).isSameAs(own));
    }

    @Test
    void anUnknownLockOrABadNamespaceFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.schedule.lock=zookeeper").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("'zookeeper'")
                    .hasMessageContaining("infrakit.schedule.lock").hasMessageContaining("available: local, postgres");
        });
        runner.withPropertyValues("infrakit.schedule.lock=postgres", "infrakit.schedule.postgres.namespace=a\u0000b")
                .run(context -> assertFailedNaming(context, "infrakit.schedule.postgres.namespace"));
    }

    @Test
    void scheduledBackupsRunUnderTheLockAndAreSkippedWhileAnotherInstanceHoldsIt() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("notes.txt"), "what is backed up");
        ClusterLock shared = LocalClusterLock.create();
        runner.withBean(ClusterLock.class, () -> shared).withPropertyValues("infrakit.backup.source=directory",
                "infrakit.backup.directory.root=" + data, "infrakit.backup.local.dir=" + dir.resolve("repo"),
                "infrakit.backup.schedule.every=1s", "infrakit.backup.schedule.kind=hourly").run(context -> {
                    assertThat(context).hasNotFailed();
                    ScheduledJob job = context.getBean(ScheduledJob.class);
                    BackupRepository repository = context.getBean(BackupRepository.class);
                    String name = "backup of " + context.getBean(BackupSource.class).name();
                    // Another instance holds the lock: this one's runs are skipped, and counted.
                    CountDownLatch held = new CountDownLatch(1);
                    CountDownLatch release = new CountDownLatch(1);
                    Thread other = new Thread(() -> shared.runExclusively(name, () -> {
                        held.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                    other.start();
                    assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (job.skipped() == 0 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(job.skipped()).isPositive();
                    int whileHeld = repository.list().size();
                    // Released: the next run backs up.
                    release.countDown();
                    other.join();
                    deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (repository.list().size() == whileHeld && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(repository.list()).hasSizeGreaterThan(whileHeld);
                });
    }
}
