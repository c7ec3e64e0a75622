package dev.infrakit.spring.boot;

import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.Manifest;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.schedule.ScheduledJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static dev.infrakit.spring.boot.StartupFailures.assertFailedNaming;
import static org.assertj.core.api.Assertions.assertThat;

class InfrakitBackupAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(InfrakitBackupAutoConfiguration.class, InfrakitHealthAutoConfiguration.class));

    @TempDir
    Path dir;

    private String[] directoryBackups() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("notes.txt"), "what is backed up");
        return new String[] {"infrakit.backup.source=directory", "infrakit.backup.directory.root=" + data,
            "infrakit.backup.local.dir=" + dir.resolve("repo")};
    }

    @Test
    void noRunnerUntilConfigured() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(BackupRunner.class));
    }

    @Test
    void aConfiguredSourceAndRepositoryMakeARunnerThatBacksUp() throws IOException {
        runner.withPropertyValues(directoryBackups()).withPropertyValues("infrakit.backup.retention.days=3").run(context -> {
            assertThat(context).doesNotHaveBean(ScheduledJob.class);
            Manifest manifest = context.getBean(BackupRunner.class).run(BackupKind.DAILY);
            assertThat(manifest.status()).isEqualTo(BackupStatus.VERIFIED);
        });
    }

    @Test
    void aScheduleRunsBackupsUntilTheContextCloses() throws IOException {
        AtomicReference<ScheduledJob> job = new AtomicReference<>();
        runner.withPropertyValues(directoryBackups()).withPropertyValues("infrakit.backup.schedule.every=1h",
                "infrakit.backup.schedule.kind=hourly").run(context -> {
                    job.set(context.getBean(ScheduledJob.class));
                    assertThat(job.get().nextRun()).isPresent();
                    assertThat(context.getBean(HealthRegistry.class).names()).anySatisfy(n -> assertThat(n).startsWith("backup:"));
                });
        assertThat(job.get().nextRun()).isEmpty();
    }

    @Test
    void aBadScheduleFailsTheStartNamingTheKey() throws IOException {
        runner.withPropertyValues(directoryBackups()).withPropertyValues("infrakit.backup.schedule.every=hourly")
                .run(context -> assertFailedNaming(context, "infrakit.backup.schedule.every"));
    }

    @Test
    void everyAndCronTogetherFailTheStartNamingTheKey() throws IOException {
        runner.withPropertyValues(directoryBackups()).withPropertyValues("infrakit.backup.schedule.every=1h",
                "infrakit.backup.schedule.cron=0 3 * * *")
                .run(context -> assertFailedNaming(context, "infrakit.backup.schedule.cron"));
    }

    @Test
    void aNegativeRetentionFailsTheStartNamingTheKey() throws IOException {
        runner.withPropertyValues(directoryBackups()).withPropertyValues("infrakit.backup.retention.days=-1")
                .run(context -> assertFailedNaming(context, "infrakit.backup.retention.days"));
    }

    @Test
    void aMissingSourceDirectoryFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.backup.source=directory",
                "infrakit.backup.directory.root=" + dir.resolve("absent"), "infrakit.backup.local.dir=" + dir.resolve("repo"))
                .run(context -> assertFailedNaming(context, "infrakit.backup.directory.root"));
    }

    @Test
    void theApplicationsOwnRunnerWins() throws IOException {
        String[] properties = directoryBackups();
        runner.withPropertyValues(properties).run(first -> {
            BackupRunner own = first.getBean(BackupRunner.class);
            runner.withPropertyValues(properties).withBean(BackupRunner.class, () -> own)
                    .run(context -> assertThat(context.getBean(BackupRunner.class)).isSameAs(own));
        });
    }

    @Test
    void withoutInfraBackupOnTheClassPathNothingIsConfigured() throws IOException {
        runner.withClassLoader(new FilteredClassLoader(BackupRunner.class)).withPropertyValues(directoryBackups())
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(BackupRunner.class));
    }
}
