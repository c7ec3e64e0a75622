package dev.infrakit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.PostgresBackupSource;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The scheduled backups of the service's database ({@code --backup-repo}, with {@code --jdbc-url}):
 * one every {@code --backup-every} on a thread of their own, a catch-up backup at start when none
 * is recent, and their freshness as a non-critical health check; with {@code --backup-offsite},
 * each also copied there encrypted (a directory or S3), that repository's health a non-critical check.
 */
final class DemoBackups implements AutoCloseable {
    private final ScheduledJob job;
    private final ScheduledExecutorService executor;
    private final BackupRepository offsite;

    private DemoBackups(ScheduledJob job, ScheduledExecutorService executor, BackupRepository offsite) {
        this.job = job;
        this.executor = executor;
        this.offsite = offsite;
    }

    /** The backups, started; null unless the settings ask for them. */
    static DemoBackups start(DemoService.Settings s, HikariDataSource pool, BackupKeys offsiteKeys, AuditSink audit,
            Notifier notifier, HealthRegistry health, MeterRegistry metrics) {
        if (pool == null || s.backupRepo == null) {
            return null;
        }
        PostgresBackupSource.Builder source = s.jdbcUrl.applyTo(PostgresBackupSource.builder()).database(s.jdbcUrl.database);
        LocalBackupRepository repository = LocalBackupRepository.open(s.backupRepo);
        BackupRunner.Builder runner = BackupRunner.builder(source.build(), repository).auditSink(audit)
                .retention(s.backupRetention).clock(s.backupClock);
        if (notifier != null) {
            runner.notifier(notifier);
        }
        BackupRepository offsite = null;
        if (s.backupOffsite != null) {
            // Encrypted under the master key's backup key: the copy that leaves the machine reveals no content.
            offsite = BackupRepositories.open(s.backupOffsite, s.backupS3, true, offsiteKeys);
            runner.offsite(offsite);
            offsite.healthCheck().ifPresent(check -> health.register(new NonCritical(check)));
        }
        BackupRunner backupRunner = runner.build();
        backupRunner.metrics().bindTo(metrics);
        Schedule every = Schedule.every(s.backupEvery);
        health.register(new NonCritical(backupRunner.freshnessCheck(every)));
        // Its own thread: a backup that takes minutes must not hold up anything else.
        ScheduledExecutorService executor = s.backupExecutor != null ? s.backupExecutor
                : Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "infrakit-demo-backup");
                    t.setDaemon(true);
                    return t;
                });
        ScheduledJob job = backupRunner.schedule(every, BackupKind.HOURLY, executor);
        Instant due = s.backupClock.instant().minus(s.backupEvery);
        boolean fresh = repository.list().stream().anyMatch(m -> m.status() == BackupStatus.VERIFIED
                && m.started().isAfter(due));
        if (!fresh) {
            // No verified backup within one interval (a first start, or a service that was down): one now.
            executor.execute(() -> {
                try {
                    backupRunner.run(BackupKind.HOURLY);
                } catch (RuntimeException e) {
                    LoggerFactory.getLogger(DemoBackups.class).warn("Catch-up backup failed: {}",
                            ClientText.forLog(e.getMessage(), 1000));
                }
            });
        }
        return new DemoBackups(job, executor, offsite);
    }

    /** Cancels the schedule and stops a running pg_dump (its staging is discarded). */
    @Override
    public void close() {
        job.cancel();
        executor.shutdownNow();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (offsite != null) {
            offsite.close();
        }
    }

    /** A check that degrades rather than fails the service (backup freshness: 200 with warn). */
    private static final class NonCritical implements HealthCheck {
        private final HealthCheck check;

        NonCritical(HealthCheck check) {
            this.check = check;
        }

        @Override
        public String name() {
            return check.name();
        }

        @Override
        public HealthResult check() throws Exception {
            return check.check();
        }

        @Override
        public boolean critical() {
            return false;
        }
    }
}
