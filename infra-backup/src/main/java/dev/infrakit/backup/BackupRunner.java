package dev.infrakit.backup;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.backup.internal.LogText;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs backups of one source into one repository, each step checked:
 * <ol>
 *   <li>takes the repository's lock (a concurrent run is refused; a stale lock is taken over);</li>
 *   <li>checks free space (at least {@code minimumFreeBytes}, and 1.2 × the last verified backup);</li>
 *   <li>writes the source's artifacts to the staging area (hashed while written) and publishes
 *   them with their manifest, atomically; a source failure leaves a FAILED manifest with the reason,
 *   and no artifact counts;</li>
 *   <li>reads every artifact back and re-hashes it: only then is the backup VERIFIED;</li>
 *   <li>optionally runs a restore drill and records its result in the manifest;</li>
 *   <li>copies it off-site, where it is read back and re-hashed before it counts (and so any earlier
 *   verified backup that retention keeps and an earlier run failed to copy);</li>
 *   <li>applies retention, only after the new backup is verified (never deleting the newest
 *   verified backup).</li>
 * </ol>
 * Every outcome is an audit event ({@code backup.completed}, {@code backup.failed},
 * {@code backup.drill}, {@code backup.deleted}) and failures go to the {@link Notifier}, always after the
 * repository lock is released (a notifier that stalls delays the call that met the failure, never the
 * next run). A deletion
 * is recorded before it takes effect: a {@code backup.deleted} event with outcome PENDING, then the
 * deletion, then its outcome (detail {@code pending_id}); if the PENDING event cannot be recorded
 * the backup is kept, and so are the others due for deletion (retention runs again with the next
 * backup). Backups themselves are recorded after they are taken: taking one deletes nothing, and
 * one taken while the audit trail is down is better than none; an event that cannot be recorded
 * after the fact is logged at ERROR. Metrics:
 * {@link #metrics()}; freshness: {@link #freshnessCheck(Duration)}. Thread-safe (runs are
 * serialized by the repository lock).
 *
 * <p>In a test, no mock is needed: build a runner over a {@link DirectorySource} on a temporary
 * directory (or a {@link BackupSource} of the test's own) and a {@link LocalBackupRepository} in
 * another, with a fixed {@link Builder#clock clock}.
 */
public final class BackupRunner {
    private static final Logger LOG = LoggerFactory.getLogger(BackupRunner.class);

    private final BackupSource source;
    private final BackupRepository repository;
    private final BackupRepository offsite;
    private final RetentionPolicy retention;
    private final BackupDrill drill;
    private final Clock clock;
    private final AuditSink audit;
    private final Notifier notifier;
    private final long minimumFreeBytes;
    private final BackupCopier copier;
    private final WalRetention walRetention;

    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<Manifest> lastSuccess = new AtomicReference<>();
    private final AtomicReference<Duration> lastDuration = new AtomicReference<>(Duration.ZERO);

    private BackupRunner(Builder b) {
        this.source = b.source;
        this.repository = b.repository;
        this.offsite = b.offsite;
        this.retention = b.retention != null ? b.retention : RetentionPolicy.defaults();
        this.drill = b.drill;
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        this.audit = b.audit;
        this.notifier = b.notifier;
        this.minimumFreeBytes = b.minimumFreeBytes != null ? b.minimumFreeBytes : 64L * 1024 * 1024;
        this.copier = BackupCopier.create(this.clock);
        this.walRetention = b.walRetention;
    }

    /** A runner backing {@code source} up into {@code repository}. */
    public static Builder builder(BackupSource source, BackupRepository repository) {
        return new Builder(source, repository);
    }

    /**
     * Takes one backup through every step.
     *
     * @return the verified manifest
     * @throws BackupException if any step failed (the failure is recorded, audited and notified)
     */
    public Manifest run(BackupKind kind) {
        Instant started = clock.instant();
        Manifest manifest = Manifest.start(source.name(), kind, started);
        // Sent once the lock is released: a webhook that stalls must not hold up the next run.
        List<Notification> afterUnlock = new ArrayList<>();
        try (RepositoryLock lock = repository.lock("backup of " + source.name())) {
            LOG.debug("Backup {} of {} started under {}", manifest.id(), source.name(), LogText.of(lock.holder()));
            checkSpace();
            Manifest published;
            try (BackupRepository.Staging staging = repository.begin(manifest)) {
                SourceInfo info;
                try {
                    info = source.backup(staging);
                } catch (RuntimeException e) {
                    Manifest failed = manifest.failed(clock.instant(), reason(e));
                    staging.fail(failed);
                    throw e;
                }
                published = staging.publish(manifest.complete(clock.instant(), staging.artifacts(), info));
            }
            List<String> problems = copier.verify(repository, published.id());
            if (!problems.isEmpty()) {
                Manifest failed = published.failed(clock.instant(), "checksum verification failed: " + problems);
                repository.update(failed);
                throw new BackupException("Backup " + published.id() + " failed verification: " + problems);
            }
            Manifest verified = published.verified(clock.instant());
            repository.update(verified);
            if (drill != null) {
                verified = drill(verified, afterUnlock);
            }
            if (offsite != null) {
                copyOffsite(verified);
            }
            try {
                applyRetention(repository, false);
                if (offsite != null) {
                    applyRetention(offsite, false);
                }
                if (walRetention != null) {
                    walRetention.apply(repository, false);
                    if (offsite != null) {
                        walRetention.apply(offsite, false);
                    }
                }
            } catch (AuditException refused) {
                // The backup is verified: it counts. Deleting old ones waits until deletions can be audited.
                LOG.error("Retention after backup {} kept every backup due for deletion: the deletion could not be "
                        + "recorded in the audit trail first ({})", verified.id(), LogText.of(refused.getMessage()));
                afterUnlock.add(notification(Notification.Severity.WARNING, "Backup retention skipped for "
                        + source.name(), "Deletions could not be recorded in the audit trail: " + refused.getMessage()));
            }
            Duration took = Duration.between(started, clock.instant());
            lastDuration.set(took);
            lastSuccess.set(verified);
            successes.incrementAndGet();
            record("backup.completed", AuditEvent.Outcome.SUCCESS, AuditEvent.Severity.INFO, verified.id(), null,
                    Map.of("bytes", verified.size(), "seconds", took.toSeconds(), "kind", kind.name()));
            return verified;
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            String reason = reason(e);
            LOG.error("Backup {} of {} failed: {}", manifest.id(), source.name(), LogText.of(reason));
            record("backup.failed", AuditEvent.Outcome.FAILURE, AuditEvent.Severity.ERROR, manifest.id(), reason,
                    Map.of("kind", kind.name()));
            afterUnlock.add(notification(Notification.Severity.CRITICAL, "Backup of " + source.name() + " failed",
                    reason));
            throw e instanceof BackupException ? e : new BackupException("Backup of " + source.name() + " failed: "
                    + reason, e);
        } finally {
            afterUnlock.forEach(this::send);
        }
    }

    private void checkSpace() {
        long free = repository.usableSpace();
        if (free < 0) {
            return;
        }
        long last = repository.list().stream().filter(m -> m.status() == BackupStatus.VERIFIED)
                .mapToLong(Manifest::size).max().orElse(0);
        long needed = Math.max(minimumFreeBytes, last + last / 5);
        if (free < needed) {
            throw new BackupException("Not enough free space in " + repository.name() + ": " + free + " bytes free, "
                    + needed + " needed (1.2 × the last backup, at least " + minimumFreeBytes + ")");
        }
    }

    /**
     * Runs the restore drill on backup {@code id} and records the result in its manifest.
     *
     * @throws BackupException if no drill is configured, or the drill could not run
     */
    public Manifest drill(String id) {
        Manifest m = repository.find(id).orElseThrow(() -> new BackupException("No backup " + id + " in "
                + repository.name()));
        List<Notification> after = new ArrayList<>();
        try {
            return drill(m, after);
        } finally {
            after.forEach(this::send);
        }
    }

    /** Runs the drill; a failure's notification is added to {@code notifications}, for the caller to send unlocked. */
    private Manifest drill(Manifest m, List<Notification> notifications) {
        if (drill == null) {
            throw new BackupException("No restore drill is configured for " + source.name());
        }
        DrillResult result = drill.run(repository, m);
        Manifest updated = m.withDrill(result);
        repository.update(updated);
        record("backup.drill", result.passed() ? AuditEvent.Outcome.SUCCESS : AuditEvent.Outcome.FAILURE,
                result.passed() ? AuditEvent.Severity.INFO : AuditEvent.Severity.ERROR, m.id(),
                result.passed() ? null : result.detail(), Map.of("restore_seconds", result.restoreTime().toSeconds()));
        if (!result.passed()) {
            notifications.add(notification(Notification.Severity.CRITICAL, "Restore drill of " + m.id() + " failed",
                    result.detail()));
        }
        return updated;
    }

    /**
     * Applies retention to this runner's repository; with {@code dryRun}, only says (in the plan
     * and the log) what it would delete. Each deletion is recorded as PENDING in the audit sink before
     * it is made.
     *
     * @throws AuditException if a deletion could not be recorded first: that backup and the rest of
     *     the plan are kept (the ones deleted before it stay deleted)
     */
    public RetentionPolicy.Plan applyRetention(boolean dryRun) {
        return applyRetention(repository, dryRun);
    }

    private RetentionPolicy.Plan applyRetention(BackupRepository repo, boolean dryRun) {
        RetentionPolicy.Plan plan = retention.plan(repo.list());
        for (Manifest m : plan.delete()) {
            if (dryRun) {
                LOG.info("Retention (dry run) would delete backup {} ({}, started {}) from {}", m.id(), m.status(),
                        m.started(), repo.name());
            } else {
                Map<String, Object> details = Map.of("repository", repo.name());
                AuditEvent pending = null;
                if (audit != null) {
                    pending = event("backup.deleted", AuditEvent.Outcome.PENDING, AuditEvent.Severity.INFO, m.id(),
                            null, details).build();
                    audit.record(pending); // refused: the backup is kept, and the exception ends retention
                }
                try {
                    repo.delete(m.id());
                } catch (RuntimeException e) {
                    record("backup.deleted", AuditEvent.Outcome.FAILURE, AuditEvent.Severity.ERROR, m.id(), reason(e),
                            details, pending);
                    throw e;
                }
                LOG.info("Retention deleted backup {} ({}, started {}) from {}", m.id(), m.status(), m.started(),
                        repo.name());
                record("backup.deleted", AuditEvent.Outcome.SUCCESS, AuditEvent.Severity.INFO, m.id(), null, details,
                        pending);
            }
        }
        return plan;
    }

    /**
     * Copies {@code verified} off-site, then every other verified backup that retention keeps and the
     * off-site repository lacks (an earlier run's copy that failed: the store was down, the copy did
     * not read back), oldest first.
     */
    private void copyOffsite(Manifest verified) {
        copier.copy(verified, repository, offsite);
        List<Manifest> local = repository.list();
        Set<String> deleted = new HashSet<>();
        retention.plan(local).delete().forEach(m -> deleted.add(m.id()));
        for (Manifest m : local) {
            if (m.status() == BackupStatus.VERIFIED && !m.id().equals(verified.id()) && !deleted.contains(m.id())
                    && offsite.find(m.id()).isEmpty()) {
                LOG.info("Copying backup {} to {}, which an earlier run could not copy", m.id(), offsite.name());
                copier.copy(m, repository, offsite);
            }
        }
    }

    /** Runs {@link #run(BackupKind)} on {@code schedule}; failures are recorded and the schedule goes on. */
    public ScheduledJob schedule(Schedule schedule, BackupKind kind, ScheduledExecutorService executor) {
        return ScheduledJob.start("backup of " + source.name(), schedule, executor, clock, () -> run(kind));
    }

    /**
     * {@link #schedule(Schedule, BackupKind, ScheduledExecutorService)} for several instances backing
     * up the same source into the same repository: each run takes {@code lock}'s lock
     * {@code backup of <source>} (a run that finds it held elsewhere is skipped, logged at debug and
     * counted in {@link ScheduledJob#skipped()}), and under it backs up only if the repository holds
     * no complete or verified backup of this source and kind started at or after the run's due time;
     * so with every instance scheduling the same schedule on one shared lock, each slot is backed up
     * once (a slot whose backup failed, or whose holder died, is tried again by the next instance
     * that gets the lock). The
     * slot check compares the instances' clocks: keep them in sync to well under the schedule's
     * interval. Failures are recorded and the schedule goes on.
     *
     * @param lock the lock shared by the instances, e.g. a {@code PostgresClusterLock}
     * @throws IllegalArgumentException if the source's name makes an invalid lock name
     */
    public ScheduledJob schedule(Schedule schedule, BackupKind kind, ScheduledExecutorService executor,
            ClusterLock lock) {
        String name = "backup of " + source.name();
        return ScheduledJob.start(name, schedule, executor, clock, lock, name, due -> {
            boolean done = repository.list().stream().anyMatch(m -> m.source().equals(source.name())
                    && m.kind() == kind && (m.status() == BackupStatus.VERIFIED || m.status() == BackupStatus.COMPLETE)
                    && !m.started().isBefore(due));
            if (done) {
                LOG.debug("Scheduled backup of {} due {} skipped: another instance took it", LogText.of(source.name()), due);
                return;
            }
            run(kind);
        });
    }

    /**
     * A health check that is DOWN when the newest verified backup is older than {@code rpo} (or
     * there is none), UP otherwise, with the backup's age observed. Use 1.5 × the schedule's
     * interval: {@code freshnessCheck(schedule.interval(now).multipliedBy(3).dividedBy(2))}.
     */
    public HealthCheck freshnessCheck(Duration rpo) {
        Objects.requireNonNull(rpo, "rpo");
        return HealthCheck.of("backup:" + source.name(), () -> {
            Optional<Manifest> newest = repository.list().stream().filter(m -> m.status() == BackupStatus.VERIFIED)
                    .reduce((a, b) -> b.started().isAfter(a.started()) ? b : a);
            if (newest.isEmpty()) {
                return HealthResult.down("no verified backup in " + repository.name()).build();
            }
            Duration age = Duration.between(newest.get().started(), clock.instant());
            HealthResult.Builder result = age.compareTo(rpo) > 0
                    ? HealthResult.down("newest verified backup " + newest.get().id() + " is " + age.toMinutes()
                            + " min old; the limit is " + rpo.toMinutes() + " min")
                    : HealthResult.up();
            return result.observed(age.toSeconds(), "s").detail("backup", newest.get().id()).build();
        }).build();
    }

    /**
     * {@link #freshnessCheck(Duration)} with the RPO at 1.5 × {@code schedule}'s interval (an
     * hourly schedule: DOWN once the newest verified backup is 90 minutes old).
     */
    public HealthCheck freshnessCheck(Schedule schedule) {
        Duration interval = schedule.interval(clock.instant());
        return freshnessCheck(interval.plus(interval.dividedBy(2)));
    }

    /**
     * A Micrometer binder of this runner's outcomes, with the {@link BackupMetricNames#DEFAULT}
     * names: {@code infrakit.backup.runs} (counter, {@code result} success|failure),
     * {@code infrakit.backup.last.success} (gauge: epoch seconds of the last verified backup, 0 if
     * none), {@code infrakit.backup.last.duration} (seconds) and {@code infrakit.backup.last.size}
     * (bytes), all tagged with the source. The binder reads the runner's own counters when scraped;
     * it is created by this call only, so a runner used without Micrometer never loads it.
     */
    public MeterBinder metrics() {
        return metrics(BackupMetricNames.DEFAULT);
    }

    /** {@link #metrics()} under other names. */
    public MeterBinder metrics(BackupMetricNames names) {
        // Through a factory typed MeterBinder: returning the binder class itself from a method typed
        // MeterBinder would make the verifier load Micrometer when BackupRunner is loaded.
        return BackupRunnerMetrics.of(this, Objects.requireNonNull(names, "names"));
    }

    /** The source's name, for the metrics' tag. */
    String sourceName() {
        return source.name();
    }

    long successes() {
        return successes.get();
    }

    long failures() {
        return failures.get();
    }

    Manifest lastSuccess() {
        return lastSuccess.get();
    }

    Duration lastDuration() {
        return lastDuration.get();
    }

    private static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    private AuditEvent.Builder event(String type, AuditEvent.Outcome outcome, AuditEvent.Severity severity, String id,
            String reason, Map<String, ?> details) {
        AuditEvent.Builder event = AuditEvent.builder(AuditEvent.Category.ADMIN, type).clock(clock).actor(Actor.system())
                .action("backup").resource(Resource.of("backup", id)).outcome(outcome).severity(severity)
                .detail("source", source.name()).details(details);
        if (reason != null) {
            event.reason(reason.length() > 900 ? reason.substring(0, 900) + "…" : reason);
        }
        return event;
    }

    private void record(String type, AuditEvent.Outcome outcome, AuditEvent.Severity severity, String id, String reason,
            Map<String, ?> details) {
        record(type, outcome, severity, id, reason, details, null);
    }

    /** Records an event after the fact (as the outcome of {@code pending}, if given); a refusal is logged. */
    private void record(String type, AuditEvent.Outcome outcome, AuditEvent.Severity severity, String id, String reason,
            Map<String, ?> details, AuditEvent pending) {
        if (audit == null) {
            return;
        }
        AuditEvent.Builder event = event(type, outcome, severity, id, reason, details);
        if (pending != null) {
            event.follows(pending);
        }
        try {
            audit.record(event.build());
        } catch (RuntimeException e) {
            LOG.error("Could not record the audit event {} for backup {}: {}", type, id, LogText.of(e.getMessage()));
        }
    }

    private Notification notification(Notification.Severity severity, String title, String message) {
        return new Notification("infrakit-backup", severity, title, message, clock.instant(),
                Map.of("source", source.name(), "repository", repository.name()));
    }

    /** Sends {@code n}; never called while the repository lock is held. A failure is logged. */
    private void send(Notification n) {
        if (notifier == null) {
            return;
        }
        try {
            notifier.send(n);
        } catch (RuntimeException e) {
            LOG.error("Could not send the notification '{}' through {}: {}", ClientText.forLog(n.title(), 200),
                    notifier.name(), ClientText.forLog(e.getMessage(), 1000));
        }
    }

    @Override
    public String toString() {
        return "BackupRunner[" + source.name() + " -> " + repository.name() + (offsite == null ? "" : ", off-site "
                + offsite.name()) + "]";
    }

    /**
     * Builds a {@link BackupRunner}. Each setting may be given once: a second call throws
     * {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final BackupSource source;
        private final BackupRepository repository;
        private BackupRepository offsite;
        private WalRetention walRetention;
        private RetentionPolicy retention;
        private BackupDrill drill;
        private Clock clock;
        private AuditSink audit;
        private Notifier notifier;
        private Long minimumFreeBytes;

        private Builder(BackupSource source, BackupRepository repository) {
            this.source = Objects.requireNonNull(source, "source");
            this.repository = Objects.requireNonNull(repository, "repository");
        }

        /**
         * Also prunes the archived WAL of the repository (and the off-site one) after each verified
         * backup, by {@code retention} (see {@link WalRetention}); default: WAL is never deleted.
         */
        public Builder walRetention(WalRetention retention) {
            Arguments.setOnce(this.walRetention, "walRetention");
            this.walRetention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /**
         * A second repository every verified backup is copied to (and re-verified there).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder offsite(BackupRepository offsite) {
            Arguments.setOnce(this.offsite, "offsite");
            this.offsite = Objects.requireNonNull(offsite, "offsite");
            return this;
        }

        /**
         * The retention policy (default 30 days, 12 weeks).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder retention(RetentionPolicy retention) {
            Arguments.setOnce(this.retention, "retention");
            this.retention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /**
         * A restore drill run after each backup is verified.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder drill(BackupDrill drill) {
            Arguments.setOnce(this.drill, "drill");
            this.drill = Objects.requireNonNull(drill, "drill");
            return this;
        }

        /**
         * The clock (default the system clock, UTC; tests pass a fixed or manual one).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Records each backup, failure, drill and deletion.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder auditSink(AuditSink audit) {
            Arguments.setOnce(this.audit, "auditSink");
            this.audit = Objects.requireNonNull(audit, "audit");
            return this;
        }

        /**
         * Where failures are sent.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder notifier(Notifier notifier) {
            Arguments.setOnce(this.notifier, "notifier");
            this.notifier = Objects.requireNonNull(notifier, "notifier");
            return this;
        }

        /**
         * The least free space a run needs to start (default 64 MiB).
         *
         * @throws IllegalArgumentException naming the value if it is negative
         * @throws IllegalStateException if it was already set
         */
        public Builder minimumFreeBytes(long bytes) {
            Arguments.setOnce(minimumFreeBytes, "minimumFreeBytes");
            if (bytes < 0) {
                throw new IllegalArgumentException("minimumFreeBytes cannot be negative, got " + bytes);
            }
            this.minimumFreeBytes = bytes;
            return this;
        }

        /** The runner. */
        public BackupRunner build() {
            return new BackupRunner(this);
        }
    }
}
