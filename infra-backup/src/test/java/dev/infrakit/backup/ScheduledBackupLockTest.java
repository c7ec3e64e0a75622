package dev.infrakit.backup;

import dev.infrakit.core.ManualClock;
import dev.infrakit.core.fixtures.ManualScheduler;
import dev.infrakit.core.schedule.LocalClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two "instances" (two runners, each with its own repository object over one directory) scheduling
 * the same backup: with a shared cluster lock each slot is backed up once; without, twice.
 */
class ScheduledBackupLockTest {
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:30:00Z"));
    private final ManualScheduler scheduler = new ManualScheduler(clock);

    private BackupRunner instance(Path data, Path repository) {
        return BackupRunner.builder(DirectorySource.builder(data).name("orders").build(),
                LocalBackupRepository.open(repository)).clock(clock).minimumFreeBytes(0)
                .retention(RetentionPolicy.keepAll()).build();
    }

    private static List<Instant> backups(Path repository) {
        return LocalBackupRepository.open(repository).list().stream().filter(m -> m.status() == BackupStatus.VERIFIED)
                .map(Manifest::started).sorted().collect(Collectors.toList());
    }

    @Test
    void twoInstancesSharingALockBackUpEachSlotOnce(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("orders.csv"), "1,2,3\n");
        LocalClusterLock lock = LocalClusterLock.create();
        List<ScheduledJob> jobs = List.of(
                instance(data, dir.resolve("repo")).schedule(Schedule.cron("0 * * * *"), BackupKind.HOURLY, scheduler, lock),
                instance(data, dir.resolve("repo")).schedule(Schedule.cron("0 * * * *"), BackupKind.HOURLY, scheduler, lock));
        scheduler.advance(Duration.ofHours(3));
        assertEquals(List.of(Instant.parse("2026-01-01T01:00:00Z"), Instant.parse("2026-01-01T02:00:00Z"),
                Instant.parse("2026-01-01T03:00:00Z")), backups(dir.resolve("repo")), "one backup per hour");
        assertEquals(6, jobs.get(0).runs() + jobs.get(1).runs(), "both instances woke every hour");
        jobs.forEach(ScheduledJob::cancel);
    }

    @Test
    void withoutTheLockBothInstancesBackUpEverySlot(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("orders.csv"), "1,2,3\n");
        List<ScheduledJob> jobs = List.of(
                instance(data, dir.resolve("repo")).schedule(Schedule.cron("0 * * * *"), BackupKind.HOURLY, scheduler),
                instance(data, dir.resolve("repo")).schedule(Schedule.cron("0 * * * *"), BackupKind.HOURLY, scheduler));
        scheduler.advance(Duration.ofHours(2));
        assertEquals(4, backups(dir.resolve("repo")).size(), "today's behaviour, what the lock is for");
        jobs.forEach(ScheduledJob::cancel);
    }

    @Test
    void aRunWhileAnotherInstanceHoldsTheLockIsSkippedAndCounted(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("orders.csv"), "1,2,3\n");
        LocalClusterLock lock = LocalClusterLock.create();
        ScheduledJob job = instance(data, dir.resolve("repo")).schedule(Schedule.cron("0 * * * *"), BackupKind.HOURLY,
                scheduler, lock);
        assertTrue(lock.runExclusively("backup of directory:orders", () -> scheduler.advance(Duration.ofHours(1))));
        assertEquals(1, job.skipped());
        assertEquals(List.of(), backups(dir.resolve("repo")));
        scheduler.advance(Duration.ofHours(1));
        assertEquals(1, backups(dir.resolve("repo")).size(), "the next slot runs");
        assertEquals(1, job.skipped());
        job.cancel();
    }

    @Test
    void aFailedSlotIsTriedAgainByTheNextInstance(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data"); // missing: the first instance's backup fails
        LocalClusterLock lock = LocalClusterLock.create();
        ScheduledJob first = instance(data, dir.resolve("repo")).schedule(Schedule.cron("0 * * * *"), BackupKind.HOURLY,
                scheduler, lock);
        scheduler.advance(Duration.ofMinutes(30));
        assertEquals(1, first.runs());
        assertEquals(List.of(), backups(dir.resolve("repo")));
        first.cancel();
        Files.createDirectories(data);
        Files.writeString(data.resolve("orders.csv"), "1,2,3\n");
        ScheduledJob second = instance(data, dir.resolve("repo")).schedule(Schedule.cron("* * * * *"), BackupKind.HOURLY,
                scheduler, lock);
        scheduler.advance(Duration.ofMinutes(1));
        assertEquals(1, backups(dir.resolve("repo")).size(), "not taken for done by the failed backup");
        second.cancel();
    }

}
