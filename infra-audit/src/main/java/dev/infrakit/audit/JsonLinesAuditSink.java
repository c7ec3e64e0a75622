package dev.infrakit.audit;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes events as MAC-chained JSON lines to rotating files: {@code audit.log} holds every event,
 * {@code security.log} a copy of each event of severity WARN and above; each file set is its own
 * chain and rotates by size (defaults 100 MB × 10 and 50 MB × 5, counting the current file).
 *
 * <pre>{@code
 * JsonLinesAuditSink sink = JsonLinesAuditSink.builder(Path.of("/var/log/app/audit"), hmacKey)
 *         .durability(Durability.DURABLE)
 *         .build();
 * sink.record(AuditEvent.security("login.failed", user, ip, agent, Map.of()));
 * }</pre>
 *
 * <p>Events are redacted and encoded on the caller's thread; one writer thread appends them in
 * batches. With {@link Durability#DURABLE}, {@link #record} returns after the batch holding the
 * event was fsynced (group commit); with {@link Durability#ASYNC} it returns once queued, and the
 * writer syncs every {@code syncInterval} and on {@link #flush()}. A full ASYNC queue blocks or
 * rejects (counted) as configured, never drops. An I/O error (disk full) is thrown to the callers
 * whose events it affected and to every later caller until the sink is reopened.
 *
 * <p>The record format and chain are described in the verifier's documentation
 * ({@link AuditVerifier}). Thread-safe.
 */
public final class JsonLinesAuditSink implements AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesAuditSink.class);
    private static final long GATHER_MAX_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final Path directory;
    private final AuditJson json;
    private final Durability durability;
    private final Durability.QueueFull queueFull;
    private final long syncIntervalNanos;
    private final ChainedLog audit;
    private final ChainedLog security;
    private final BlockingQueue<Pending> queue;
    private final Thread writer;
    private final int queueCapacity;
    private final LongAdder written = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder syncs = new LongAdder();
    private final LongAdder syncNanos = new LongAdder();
    private final java.security.interfaces.ECPrivateKey checkpointKey;
    private final long checkpointIntervalNanos;
    private final java.time.Clock clock;
    private final CheckpointStore checkpointStore;
    private final LongAdder checkpointStoreFailures = new LongAdder();
    private volatile String checkpointStoreFailure;
    private long lastCheckpoint = System.nanoTime();
    /** Writer-thread state: the largest recent batch, decaying by one per batch, and the last sync's time. */
    private int recentBatch = 1;
    private long lastSyncNanos;
    private long checkpointedSeq = -1;
    private volatile IOException failure;
    private volatile boolean closed;

    /** One accepted event, or a flush marker (event == null). */
    private static final class Pending {
        final String json;
        final boolean securityCopy;
        final CompletableFuture<Void> done;

        Pending(String json, boolean securityCopy, boolean tracked) {
            this.json = json;
            this.securityCopy = securityCopy;
            this.done = tracked ? new CompletableFuture<>() : null;
        }
    }

    private JsonLinesAuditSink(Builder b) throws IOException {
        this.directory = b.directory;
        this.json = AuditJson.with(b.redactor());
        this.durability = b.durability();
        this.queueFull = b.queueFull();
        this.syncIntervalNanos = b.syncInterval().toNanos();
        long journal = durability == Durability.DURABLE ? b.journalSize() : 0;
        boolean chained = b.chained();
        this.audit = new ChainedLog(b.directory, "audit.log", b.auditMaxSize(), b.auditMaxFiles(), b.key, chained,
                journal);
        this.security = new ChainedLog(b.directory, "security.log", b.securityMaxSize(), b.securityMaxFiles(), b.key,
                chained, journal);
        audit.open();
        security.open();
        long recovered = audit.recoveredBytes() + security.recoveredBytes();
        if (recovered > 0) {
            LOG.warn("Restored {} bytes of acknowledged audit records from the journal into the logs in {} (they had "
                    + "not reached the disk before the machine stopped)", recovered, directory);
        }
        long repaired = audit.repairedTornLines() + security.repairedTornLines();
        if (repaired > 0) {
            LOG.warn("Cut {} torn line(s) off the end of the audit log in {} (a crash in the middle of a write; "
                    + "those events had not been acknowledged as durable)", repaired, directory);
        }
        this.queueCapacity = b.queueCapacity();
        this.checkpointKey = b.checkpointKey();
        this.checkpointIntervalNanos = b.checkpointInterval().toNanos();
        this.clock = b.clock();
        this.checkpointStore = b.checkpointStore;
        // Bounded, with one lock for producers and another for the writer, and a lock-free size():
        // an ArrayBlockingQueue's single lock was shared by every request thread and the writer,
        // which takes it again on each size() while it gathers a batch (#25).
        this.queue = new LinkedBlockingQueue<>(queueCapacity);
        this.writer = new Thread(this::writeLoop, "infrakit-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * A builder writing to {@code directory} with the chain key {@code hmacKey} (at least 32 bytes;
     * the verifier needs the same key).
     */
    public static Builder builder(Path directory, byte[] hmacKey) {
        return new Builder(directory, hmacKey);
    }

    @Override
    public void record(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        checkOpen();
        Pending pending = new Pending(json.toJson(event), event.severity().atLeastWarn(), durability == Durability.DURABLE);
        enqueue(pending);
        if (pending.done != null) {
            await(pending.done);
        }
    }

    private void enqueue(Pending pending) {
        if (durability == Durability.ASYNC && queueFull == Durability.QueueFull.REJECT) {
            if (!queue.offer(pending)) {
                rejected.increment();
                throw new AuditException("Audit queue full (" + (queue.size() + queue.remainingCapacity())
                        + " events); the event was not recorded");
            }
            return;
        }
        try {
            queue.put(pending);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditException("Interrupted while queueing an audit event; it was not recorded", e);
        }
    }

    private void await(CompletableFuture<Void> done) {
        try {
            done.join();
        } catch (CompletionException e) {
            throw new AuditException("Audit log write failed in " + directory + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new AuditException("This audit sink is closed");
        }
        IOException broken = failure;
        if (broken != null) {
            throw new AuditException("Audit log in " + directory + " failed earlier and accepts no more events: "
                    + broken.getMessage(), broken);
        }
    }

    @Override
    public void flush() {
        checkOpen();
        Pending marker = new Pending(null, false, true);
        enqueue(marker);
        await(marker.done);
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        long lastSync = System.nanoTime();
        while (true) {
            try {
                Pending first = queue.poll(syncIntervalNanos, TimeUnit.NANOSECONDS);
                if (first == null) {
                    if (closed && queue.isEmpty()) {
                        return;
                    }
                    if (failure == null && checkpointKey != null
                            && System.nanoTime() - lastCheckpoint >= checkpointIntervalNanos) {
                        checkpoint(); // the last events before a quiet spell get their checkpoint too
                    }
                    syncQuietly();
                    lastSync = System.nanoTime();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 4096);
                if (durability == Durability.DURABLE && batch.size() < recentBatch) {
                    // Group commit: the writers released by the last sync are on their way back.
                    // Wait (at most one sync's time, and only up to the batch size seen recently) so
                    // that one sync covers them all instead of splitting them over two. Yielding
                    // rather than parking: each wake-up of this thread would cost the writers CPU.
                    long deadline = System.nanoTime() + Math.min(GATHER_MAX_NANOS, lastSyncNanos);
                    while (batch.size() + queue.size() < recentBatch && System.nanoTime() < deadline) {
                        Thread.yield();
                    }
                    queue.drainTo(batch, 4096 - batch.size());
                }
                recentBatch = Math.max(batch.size(), recentBatch - 1);
            } catch (InterruptedException e) {
                if (queue.isEmpty()) {
                    return;
                }
            }
            boolean needsSync = false;
            IOException error = failure;
            boolean wrote = false;
            int appended = 0;
            for (Pending p : batch) {
                if (p.json == null) {
                    needsSync = true;
                    continue;
                }
                if (error == null) {
                    try {
                        audit.append(p.json);
                        if (p.securityCopy) {
                            security.append(p.json);
                        }
                        appended++;
                        wrote = true;
                    } catch (IOException e) {
                        error = e;
                        failure = e;
                        LOG.error("Audit log write failed in {}; the sink refuses further events", directory, e);
                    }
                }
                needsSync |= p.done != null;
            }
            if (error == null && wrote && !needsSync) {
                // ASYNC between syncs: hand the batch to the OS so a crash of the JVM alone loses nothing.
                try {
                    audit.writePending();
                    security.writePending();
                } catch (IOException e) {
                    error = e;
                    failure = e;
                    LOG.error("Audit log write failed in {}; the sink refuses further events", directory, e);
                }
            }
            if (error == null && checkpointKey != null && System.nanoTime() - lastCheckpoint >= checkpointIntervalNanos) {
                error = checkpoint();
            }
            if (error == null && (needsSync || System.nanoTime() - lastSync >= syncIntervalNanos)) {
                try {
                    long start = System.nanoTime();
                    audit.force();
                    security.force();
                    lastSync = System.nanoTime();
                    syncs.increment();
                    syncNanos.add(lastSync - start);
                    lastSyncNanos = lastSync - start;
                } catch (IOException e) {
                    error = e;
                    failure = e;
                    LOG.error("Audit log sync failed in {}; the sink refuses further events", directory, e);
                }
            }
            if (error == null) {
                written.add(appended);
            }
            for (Pending p : batch) {
                if (p.done != null) {
                    if (error == null) {
                        p.done.complete(null);
                    } else {
                        p.done.completeExceptionally(error);
                    }
                }
            }
            batch.clear();
        }
    }

    /**
     * Writes a signed checkpoint of both chains to the security log, if anything changed, and a
     * copy to the checkpoint store. The local copy failing fails the sink like any write; the store
     * failing is logged, counted and shown by the health check, and retried with the next one.
     */
    private IOException checkpoint() {
        lastCheckpoint = System.nanoTime();
        if (audit.lastSeq() == checkpointedSeq) {
            return null;
        }
        String jws;
        try {
            checkpointedSeq = audit.lastSeq();
            jws = Checkpoints.sign(checkpointKey,
                    new Checkpoints.ChainState(audit.lastSeq(), audit.lastMac(), audit.retained()),
                    new Checkpoints.ChainState(security.lastSeq(), security.lastMac(), security.retained()),
                    clock.instant());
            security.appendCheckpoint(jws);
        } catch (IOException | AuditException e) {
            IOException io = e instanceof IOException ? (IOException) e : new IOException(e.getMessage(), e);
            failure = io;
            LOG.error("Audit checkpoint failed in {}; the sink refuses further events", directory, e);
            return io;
        }
        if (checkpointStore != null) {
            try {
                checkpointStore.store(jws);
                checkpointStoreFailure = null;
            } catch (RuntimeException e) {
                checkpointStoreFailures.increment();
                checkpointStoreFailure = e.getMessage();
                checkpointedSeq = -1; // try again at the next interval, even without new events
                LOG.warn("Could not copy an audit checkpoint to {}: {}", checkpointStore.name(),
                        ClientText.forLog(e.getMessage(), 1000));
            }
        }
        return null;
    }

    private void syncQuietly() {
        if (failure != null) {
            return;
        }
        try {
            audit.force();
            security.force();
        } catch (IOException e) {
            failure = e;
            LOG.error("Audit log sync failed in {}; the sink refuses further events", directory, e);
        }
    }

    /** The queue's capacity. */
    public int queueCapacity() {
        return queueCapacity;
    }

    /**
     * {@inheritDoc} Here: written counts events appended (and synced, or handed to the operating
     * system in ASYNC mode); syncs are the fsyncs of written batches.
     */
    @Override
    public AuditLog.Stats stats() {
        return new AuditLog.Stats(written.sum(), rejected.sum(), queue.size(), syncs.sum(), syncNanos.sum());
    }

    /** {@link AuditMetrics} of this sink; built only when called. */
    @Override
    public java.util.Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
        return java.util.Optional.of(new AuditMetrics(this));
    }

    /**
     * A check named {@code audit-log}, in the readiness group: DOWN once a write or sync failed
     * (disk full, I/O error), DEGRADED while the queue is at least 80 % full or the last checkpoint
     * could not be copied to the checkpoint store, else UP with the queue depth observed. Always
     * present.
     */
    @Override
    public java.util.Optional<dev.infrakit.core.health.HealthCheck> healthCheck() {
        return java.util.Optional.of(dev.infrakit.core.health.HealthCheck.of("audit-log", () -> {
            IOException broken = failure;
            int depth = queue.size();
            if (broken != null) {
                return dev.infrakit.core.health.HealthResult.down("audit log write failed: " + broken.getMessage())
                        .observed(depth, "events").build();
            }
            if (depth * 5 >= queueCapacity * 4) {
                return dev.infrakit.core.health.HealthResult.degraded("audit queue " + depth + " of " + queueCapacity)
                        .observed(depth, "events").build();
            }
            String storeFailure = checkpointStoreFailure;
            if (storeFailure != null) {
                return dev.infrakit.core.health.HealthResult.degraded("audit checkpoints not copied to "
                        + checkpointStore.name() + ": " + storeFailure).observed(depth, "events").build();
            }
            return dev.infrakit.core.health.HealthResult.up().observed(depth, "events").build();
        }).groups(dev.infrakit.core.health.HealthCheck.READINESS).build());
    }

    /** Checkpoints that could not be copied to the checkpoint store since the sink opened. */
    public long checkpointStoreFailures() {
        return checkpointStoreFailures.sum();
    }

    /**
     * Reads events back from {@code audit.log} and its rotated files, newest first. Scans the
     * files (memory bounded by the limit); meant for an admin page, not for analytics.
     *
     * @throws AuditException if a file cannot be read
     */
    @Override
    public java.util.List<AuditRecord> query(AuditQuery query) {
        return AuditFiles.query(directory, "audit.log", Objects.requireNonNull(query, "query"));
    }

    /** Torn lines cut off when the sink opened. */
    public long repairedTornLines() {
        return audit.repairedTornLines() + security.repairedTornLines();
    }

    /** The directory holding the logs. */
    public Path directory() {
        return directory;
    }

    @Override
    public String name() {
        return "jsonl:" + directory;
    }

    /** Writes and syncs everything accepted, then closes the files. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        IOException broken = failure;
        if (broken == null) {
            Pending marker = new Pending(null, false, true);
            try {
                queue.put(marker);
                marker.done.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (CompletionException e) {
                broken = failure;
            }
        }
        closed = true;
        writer.interrupt();
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
            if (broken == null && checkpointKey != null) {
                IOException failed = checkpoint();
                broken = failed;
            }
            audit.close();
            security.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new AuditException("Could not close the audit log in " + directory + ": " + e.getMessage(), e);
        }
        if (broken != null) {
            throw new AuditException("Audit log in " + directory + " had failed: " + broken.getMessage(), broken);
        }
    }

    /**
     * Builds a {@link JsonLinesAuditSink}: the settings every sink has are those of
     * {@link AuditSinkBuilder}; {@link #checkpoints} writes the checkpoints to {@code security.log}.
     * Each setting may be given once. Not thread-safe.
     */
    public static final class Builder extends AuditSinkBuilder<Builder> {
        private final Path directory;
        private Duration syncInterval;
        private Long auditMaxSize;
        private Integer auditMaxFiles;
        private Long securityMaxSize;
        private Integer securityMaxFiles;
        private Boolean chained;
        private CheckpointStore checkpointStore;
        private Long journalSize;

        private Builder(Path directory, byte[] key) {
            super(key);
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /**
         * ASYNC only: how often written events are synced (default 1 s).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder syncInterval(Duration interval) {
            Arguments.setOnce(this.syncInterval, "syncInterval");
            this.syncInterval = Chain.requirePositive(interval, "syncInterval");
            return this;
        }

        /**
         * Whether records carry the HMAC chain (default true). Without it the lines hold only a
         * sequence number and the event: cheaper, but {@link AuditVerifier} cannot check them and
         * tampering goes unseen. Do not switch it on an existing log.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder chained(boolean chained) {
            Arguments.setOnce(this.chained, "chained");
            this.chained = chained;
            return this;
        }

        /**
         * Also stores every checkpoint in {@code store}, away from the log directory: with it, a
         * verifier holding only the public key detects logs cut together with their own
         * checkpoints ({@link AuditVerifier#verifyFiles(Path, String, byte[],
         * java.security.interfaces.ECPublicKey, CheckpointStore...)}). A failed copy is logged,
         * counted ({@link #checkpointStoreFailures()}), makes the health check DEGRADED and is
         * retried at the next interval. Needs {@link #checkpoints}.
         *
         * @throws IllegalStateException if a store was already set
         */
        public Builder checkpointStore(CheckpointStore store) {
            Arguments.setOnce(this.checkpointStore, "checkpointStore");
            this.checkpointStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Stores every checkpoint in PostgreSQL as well ({@code infrakit_audit_file_checkpoint},
         * from {@link PostgresAuditSink#createSchema}), under the log directory's absolute path:
         * {@code checkpointStore(CheckpointStore.postgres(dataSource, directory))}.
         *
         * @throws IllegalStateException if a store was already set
         */
        public Builder checkpointMirror(javax.sql.DataSource dataSource) {
            return checkpointStore(CheckpointStore.postgres(dataSource, directory.toAbsolutePath().toString()));
        }

        /**
         * DURABLE only: the size of the write-ahead journal kept beside each log
         * ({@code audit.log.journal}, {@code security.log.journal}; default 4 MiB, zero-filled when
         * created), or 0 for none.
         *
         * <p>With a journal, a batch is appended to the log without a sync and copied into the
         * journal, whose sync is cheaper because the journal never grows (on ext4 about half the
         * cost of syncing a log that grew); the log is synced when the journal is full, at rotation
         * and on close. Opening the sink writes any acknowledged records the log lost in a power
         * failure back from the journal, so keep the journals with the logs. Without one, each batch
         * syncs the log itself.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder journal(long bytes) {
            Arguments.setOnce(this.journalSize, "journal");
            if (bytes != 0 && bytes < 64 * 1024) {
                throw new IllegalArgumentException("journal must be 0 (none) or at least 65536 bytes, got " + bytes);
            }
            this.journalSize = bytes;
            return this;
        }

        /**
         * Size and count of {@code audit.log} files (default 100 MB × 10).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder auditFiles(long maxSize, int maxFiles) {
            Arguments.setOnce(this.auditMaxSize, "auditFiles");
            this.auditMaxSize = size(maxSize);
            this.auditMaxFiles = count(maxFiles);
            return this;
        }

        /**
         * Size and count of {@code security.log} files (default 50 MB × 5).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder securityFiles(long maxSize, int maxFiles) {
            Arguments.setOnce(this.securityMaxSize, "securityFiles");
            this.securityMaxSize = size(maxSize);
            this.securityMaxFiles = count(maxFiles);
            return this;
        }

        private static long size(long bytes) {
            if (bytes < 4096) {
                throw new IllegalArgumentException("A log file must be allowed at least 4096 bytes, got " + bytes);
            }
            return bytes;
        }

        private static int count(int files) {
            if (files < 1) {
                throw new IllegalArgumentException("At least one log file must be kept, got " + files);
            }
            return files;
        }

        /**
         * Opens (or creates) the logs, repairing a torn last line.
         *
         * @throws AuditException if the directory cannot be written or the last record is unreadable
         */
        @Override
        public JsonLinesAuditSink build() {
            if (checkpointStore != null && checkpointKey() == null) {
                throw new IllegalStateException("a checkpoint store needs checkpoints(signingKey, interval)");
            }
            try {
                return new JsonLinesAuditSink(this);
            } catch (IOException e) {
                throw new AuditException("Cannot open the audit log in " + directory + ": " + e.getMessage(), e);
            }
        }

        Duration syncInterval() {
            return syncInterval != null ? syncInterval : Duration.ofSeconds(1);
        }

        long auditMaxSize() {
            return auditMaxSize != null ? auditMaxSize : 100L * 1024 * 1024;
        }

        int auditMaxFiles() {
            return auditMaxFiles != null ? auditMaxFiles : 10;
        }

        long securityMaxSize() {
            return securityMaxSize != null ? securityMaxSize : 50L * 1024 * 1024;
        }

        int securityMaxFiles() {
            return securityMaxFiles != null ? securityMaxFiles : 5;
        }

        boolean chained() {
            return chained == null || chained;
        }

        long journalSize() {
            return journalSize != null ? journalSize : 4L * 1024 * 1024;
        }
    }
}
