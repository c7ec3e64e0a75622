package dev.infrakit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.BackupSource;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.PostgresBackupSource;
import dev.infrakit.backup.PostgresBaseBackupSource;
import dev.infrakit.backup.WalArchiver;
import dev.infrakit.backup.WalRetention;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The scheduled backups of the service's database ({@code --backup-repo}, with {@code --jdbc-url}):
 * one every {@code --backup-every} on a thread of their own, a catch-up backup at start when none
 * is recent, and their freshness as a non-critical health check; with {@code --backup-offsite},
 * each also copied there encrypted (a directory or S3), that repository's health a non-critical check.
 *
 * <p>With {@code --backup-mode continuous} the scheduled backups are base backups of the whole server
 * ({@code pg_basebackup}) and a {@link WalArchiver} streams the server's WAL into the repository's
 * archive as it is written (slot {@value #SLOT}, spool {@code <data-dir>/wal-spool}), so the database
 * can be restored to any point since the oldest base backup ({@code backup restore --data-dir}). Its
 * health check ({@code wal-archiving:…}, non-critical) and metrics ({@code infrakit_backup_wal_*})
 * join the others; with {@code --backup-retention}, archived WAL older than the base backups that
 * need it and a 7-day window is deleted after each backup.
 */
final class DemoBackups implements AutoCloseable {
    /** The replication slot of the demo's WAL archiver. */
    static final String SLOT = "infrakit_demo";
    /** How much archived WAL {@code --backup-retention} keeps on top of what the base backups need. */
    static final Duration WAL_WINDOW = Duration.ofDays(7);

    private final ScheduledJob job;
    private final ScheduledExecutorService executor;
    private final BackupRepository offsite;
    private final WalArchiver archiver;

    private DemoBackups(ScheduledJob job, ScheduledExecutorService executor, BackupRepository offsite,
            WalArchiver archiver) {
        this.job = job;
        this.executor = executor;
        this.offsite = offsite;
        this.archiver = archiver;
    }

    /** The backups, started; null unless the settings ask for them. */
    static DemoBackups start(DemoService.Settings s, HikariDataSource pool, BackupKeys offsiteKeys, AuditSink audit,
            Notifier notifier, HealthRegistry health, MeterRegistry metrics) {
        if (pool == null || s.backupRepo == null) {
            return null;
        }
        BackupSource source = s.continuousBackup ? s.jdbcUrl.applyTo(PostgresBaseBackupSource.builder()).build()
                : s.jdbcUrl.applyTo(PostgresBackupSource.builder()).database(s.jdbcUrl.database).build();
        LocalBackupRepository repository = LocalBackupRepository.open(s.backupRepo);
        BackupRunner.Builder runner = BackupRunner.builder(source, repository).auditSink(audit)
                .retention(s.backupRetention).clock(s.backupClock);
        if (notifier != null) {
            runner.notifier(notifier);
        }
        if (s.continuousBackup && s.backupRetentionGiven) {
            runner.walRetention(WalRetention.keeping(WAL_WINDOW, s.backupClock));
        }
        WalArchiver archiver = null;
        if (s.continuousBackup) {
            // Started first: a server that refuses the slot (a user without REPLICATION) stops the start
            // with the reason, before anything is scheduled. (Without a replication line in pg_hba.conf
            // it starts, and the health check turns DEGRADED while pg_receivewal is refused.)
            archiver = s.jdbcUrl.applyTo(WalArchiver.builder()).archive(repository.walArchive().orElseThrow())
                    .spool(s.dataDir.resolve("wal-spool")).slot(SLOT).build().start();
            // Without --backup-retention the archive grows without bound: the check warns past 10 GiB.
            health.register(new NonCritical(archiver.healthCheck(Duration.ofMinutes(15), 1L << 30,
                    s.backupRetentionGiven ? Long.MAX_VALUE : 10L << 30)));
            archiver.metrics().bindTo(metrics);
        }
        BackupRepository offsite = null;
        if (s.backupOffsite != null) {
            try {
                // Encrypted under the master key's backup key: the copy that leaves the machine reveals no content.
                offsite = BackupRepositories.open(s.backupOffsite, s.backupS3, true, offsiteKeys);
                runner.offsite(offsite);
                offsite.healthCheck().ifPresent(check -> health.register(new NonCritical(check)));
            } catch (RuntimeException e) {
                if (archiver != null) {
                    archiver.close();
                }
                throw e;
            }
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
        // Continuous: only a base backup counts (a dump of an earlier mode is no base for the WAL).
        boolean fresh = repository.list().stream().anyMatch(m -> m.status() == BackupStatus.VERIFIED
                && m.started().isAfter(due) && (!s.continuousBackup
                        || m.artifact(PostgresBaseBackupSource.BASE_ARTIFACT).isPresent()));
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
        return new DemoBackups(job, executor, offsite, archiver);
    }

    /**
     * Cancels the schedule and stops a running pg_dump or pg_basebackup (its staging is discarded);
     * then stops the WAL archiver, which stores what it received, the segment in progress as
     * {@code .partial}.
     */
    @Override
    public void close() {
        job.cancel();
        executor.shutdownNow();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (archiver != null) {
            archiver.close();
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
