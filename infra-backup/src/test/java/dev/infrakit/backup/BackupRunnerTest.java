package dev.infrakit.backup;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.MemoryAuditLog;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.core.notify.Notification;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner's pipeline with a scripted source and local repositories, on a manual clock. */
class BackupRunnerTest {
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T03:00:00Z"));
    private final List<Notification> notifications = new CopyOnWriteArrayList<>();

    /** Every event the runner recorded. */
    private final MemoryAuditLog events = MemoryAuditLog.create();

    /** When set, the sink refuses the events it accepts, as a full disk would. */
    private volatile java.util.function.Predicate<AuditEvent> refuse;

    /** {@link #events}, refusing as {@link #refuse} says: a sink that fails on purpose. */
    private final AuditSink sink = new AuditSink() {
        @Override
        public void record(AuditEvent event) {
            java.util.function.Predicate<AuditEvent> r = refuse;
            if (r != null && r.test(event)) {
                throw new dev.infrakit.audit.AuditException("audit disk full");
            }
            events.record(event);
        }

        @Override
        public void flush() {
            events.flush();
        }

        @Override
        public String name() {
            return "test";
        }
    };

    /** Writes one artifact, or fails like a pg_dump that exited with 1. */
    private static final class ScriptedSource implements BackupSource {
        volatile boolean fail;
        int run;

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public SourceInfo backup(ArtifactWriter out) {
            run++;
            try (OutputStream o = out.open("data.bin")) {
                o.write(("backup number " + run + "\n").repeat(100).getBytes(StandardCharsets.UTF_8));
                if (fail) {
                    throw new BackupException("pg_dump exited with 1: connection refused");
                }
            } catch (IOException e) {
                throw new BackupException("write failed", e);
            }
            return new SourceInfo("scripted 1.0", "none", Map.of("public.t", (long) run));
        }
    }

    private BackupRunner.Builder runner(ScriptedSource source, BackupRepository repo) {
        return BackupRunner.builder(source, repo).clock(clock).auditSink(sink).minimumFreeBytes(0)
                .notifier(new dev.infrakit.core.notify.Notifier() {
                    @Override
                    public void send(Notification n) {
                        notifications.add(n);
                    }

                    @Override
                    public String name() {
                        return "test";
                    }
                });
    }

    private List<String> types() {
        return events.events().stream().map(AuditEvent::type).collect(Collectors.toList());
    }

    @Test
    void aRunPublishesVerifiesCopiesAndAppliesRetention(@TempDir Path dir) {
        BackupRepository local = LocalBackupRepository.open(dir.resolve("local"));
        BackupRepository offsite = LocalBackupRepository.open(dir.resolve("offsite"));
        ScriptedSource source = new ScriptedSource();
        BackupRunner runner = runner(source, local).offsite(offsite).retention(RetentionPolicy.of(3, 0, 0, 1)).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runner.metrics().bindTo(registry);
        List<String> ids = new ArrayList<>();
        for (int day = 0; day < 5; day++) {
            Manifest m = runner.run(BackupKind.DAILY);
            assertEquals(BackupStatus.VERIFIED, m.status());
            assertEquals(Map.of("public.t", (long) (day + 1)), m.rowCounts());
            ids.add(m.id());
            clock.advance(Duration.ofDays(1));
        }
        assertEquals(ids.subList(2, 5), local.list().stream().map(Manifest::id).collect(Collectors.toList()),
                "three days kept, oldest deleted");
        assertEquals(ids.subList(2, 5), offsite.list().stream().map(Manifest::id).collect(Collectors.toList()),
                "the off-site copy has the same, verified");
        assertTrue(offsite.list().stream().allMatch(m -> m.status() == BackupStatus.VERIFIED));
        assertEquals(5, types().stream().filter("backup.completed"::equals).count());
        assertEquals(4, events.events().stream().filter(e -> e.type().equals("backup.deleted")
                && e.outcome() == AuditEvent.Outcome.SUCCESS).count(), "two deletions in each repository");
        assertEquals(4, events.events().stream().filter(e -> e.type().equals("backup.deleted")
                && e.outcome() == AuditEvent.Outcome.PENDING).count(), "each recorded before it was made");
        assertEquals(5.0, registry.get("infrakit.backup.runs").tag("result", "success").functionCounter().count());
        assertTrue(registry.get("infrakit.backup.last.size").gauge().value() > 0);
        registry.getMeters().forEach(m -> assertNotNull(m.getId().getDescription(),
                m.getId().getName() + " has no description (Prometheus HELP; promtool wants one)"));
    }

    @Test
    void aFailedSourceLeavesAFailedManifestNoArtifactAndANotification(@TempDir Path dir) {
        BackupRepository local = LocalBackupRepository.open(dir);
        ScriptedSource source = new ScriptedSource();
        BackupRunner runner = runner(source, local).build();
        source.fail = true;
        BackupException e = assertThrows(BackupException.class, () -> runner.run(BackupKind.DAILY));
        assertTrue(e.getMessage().contains("pg_dump exited with 1"), e.getMessage());
        Manifest failed = local.list().get(0);
        assertEquals(BackupStatus.FAILED, failed.status());
        assertTrue(failed.failure().orElseThrow().contains("connection refused"));
        assertTrue(failed.artifacts().isEmpty(), "no artifact counted");
        assertEquals(List.of("backup.failed"), types());
        assertEquals(Notification.Severity.CRITICAL, notifications.get(0).severity());
        assertEquals(HealthStatus.DOWN, health(runner, Duration.ofDays(1)));
    }

    @Test
    void freshnessFollowsTheNewestVerifiedBackup(@TempDir Path dir) {
        BackupRunner runner = runner(new ScriptedSource(), LocalBackupRepository.open(dir)).build();
        assertEquals(HealthStatus.DOWN, health(runner, Duration.ofMinutes(90)), "no backup yet");
        runner.run(BackupKind.HOURLY);
        assertEquals(HealthStatus.UP, health(runner, Duration.ofMinutes(90)));
        clock.advance(Duration.ofMinutes(91));
        assertEquals(HealthStatus.DOWN, health(runner, Duration.ofMinutes(90)), "older than the RPO");
        try {
            assertEquals(HealthStatus.DOWN, runner.freshnessCheck(dev.infrakit.core.schedule.Schedule.every(
                    Duration.ofHours(1))).check().status(), "1.5 x an hourly schedule is 90 minutes");
            assertEquals(HealthStatus.UP, runner.freshnessCheck(dev.infrakit.core.schedule.Schedule.every(
                    Duration.ofHours(2))).check().status());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void notEnoughSpaceRefusesToStart(@TempDir Path dir) {
        BackupRunner runner = BackupRunner.builder(new ScriptedSource(), LocalBackupRepository.open(dir))
                .minimumFreeBytes(Long.MAX_VALUE).clock(clock).build();
        BackupException e = assertThrows(BackupException.class, () -> runner.run(BackupKind.MANUAL));
        assertTrue(e.getMessage().contains("Not enough free space"), e.getMessage());
    }

    @Test
    void dryRunRetentionOnlySaysWhatItWouldDelete(@TempDir Path dir) throws IOException {
        BackupRepository local = LocalBackupRepository.open(dir);
        BackupRunner keepAll = runner(new ScriptedSource(), local).retention(RetentionPolicy.of(10, 0, 0, 1)).build();
        for (int i = 0; i < 3; i++) {
            keepAll.run(BackupKind.DAILY);
            clock.advance(Duration.ofDays(1));
        }
        BackupRunner strict = runner(new ScriptedSource(), local).retention(RetentionPolicy.of(1, 0, 0, 1)).build();
        RetentionPolicy.Plan plan = strict.applyRetention(true);
        assertEquals(2, plan.delete().size());
        assertEquals(3, local.list().size(), "dry run deletes nothing");
        assertTrue(Files.exists(dir));
    }

    private static List<String> ids(BackupRepository repo) {
        return repo.list().stream().map(Manifest::id).collect(Collectors.toList());
    }

    @Test
    void aDeletionIsRecordedBeforeItIsMadeAndARefusedRecordKeepsTheBackup(@TempDir Path dir) {
        BackupRepository local = LocalBackupRepository.open(dir);
        BackupRunner keepAll = runner(new ScriptedSource(), local).retention(RetentionPolicy.of(10, 0, 0, 1)).build();
        for (int i = 0; i < 3; i++) {
            keepAll.run(BackupKind.DAILY);
            clock.advance(Duration.ofDays(1));
        }
        List<String> all = ids(local);
        BackupRunner strict = runner(new ScriptedSource(), local).retention(RetentionPolicy.of(1, 0, 0, 1)).build();
        events.clear();
        refuse = e -> e.type().equals("backup.deleted");
        assertThrows(dev.infrakit.audit.AuditException.class, () -> strict.applyRetention(false));
        assertEquals(all, ids(local), "no deletion without its record");

        // The backup still exists when its PENDING event is recorded; the outcome follows the deletion.
        refuse = e -> {
            if (e.type().equals("backup.deleted")) {
                String id = e.resource().orElseThrow().id();
                assertEquals(e.outcome() == AuditEvent.Outcome.PENDING, ids(local).contains(id), e.toString());
            }
            return false;
        };
        assertEquals(2, strict.applyRetention(false).delete().size());
        assertEquals(all.subList(2, 3), ids(local));
        assertEquals(List.of("backup.deleted:PENDING", "backup.deleted:SUCCESS", "backup.deleted:PENDING",
                "backup.deleted:SUCCESS"), events.events().stream().map(e -> e.type() + ":" + e.outcome())
                        .collect(Collectors.toList()));
        assertEquals(events.events().get(0).id().toString(), events.events().get(1).details().get(AuditEvent.PENDING_ID));
        assertEquals(events.events().get(0).resource(), events.events().get(1).resource());
    }

    @Test
    void aRunWhoseDeletionsCannotBeRecordedKeepsTheOldBackupsAndStillCounts(@TempDir Path dir) {
        BackupRepository local = LocalBackupRepository.open(dir);
        BackupRunner runner = runner(new ScriptedSource(), local).retention(RetentionPolicy.of(1, 0, 0, 1)).build();
        runner.run(BackupKind.DAILY);
        clock.advance(Duration.ofDays(1));
        refuse = e -> e.type().equals("backup.deleted");
        Manifest second = runner.run(BackupKind.DAILY);
        assertEquals(BackupStatus.VERIFIED, second.status(), "the new backup counts");
        assertEquals(2, local.list().size(), "the old one is kept: its deletion could not be recorded first");
        assertEquals(Notification.Severity.WARNING, notifications.get(notifications.size() - 1).severity());
        assertTrue(types().contains("backup.completed"));
        refuse = null;
        clock.advance(Duration.ofDays(1));
        runner.run(BackupKind.DAILY);
        assertEquals(1, local.list().size(), "retention caught up once deletions could be recorded");
    }

    private static HealthStatus health(BackupRunner runner, Duration rpo) {
        try {
            return runner.freshnessCheck(rpo).check().status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
