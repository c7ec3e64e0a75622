package dev.infrakit.backup;

import dev.infrakit.backup.internal.LogText;
import dev.infrakit.backup.internal.PgSettings;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.io.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Continuous WAL archiving: a supervised {@code pg_receivewal} streams the server's WAL into a local
 * spool directory over a replication slot (so the server keeps every segment the archiver has not
 * received, even while it is down), and each completed segment is stored in a {@link WalArchive}
 * (hashed, and encrypted when the archive is) and only then removed from the spool.
 *
 * <p>Supervision: {@code pg_receivewal} is restarted when it exits, after a pause that doubles from
 * one second to a minute while it keeps failing (reset once it has run for a minute); every exit is
 * logged with the tool's stderr (never the password, which reaches it through {@code PGPASSWORD}
 * only). A segment that cannot be stored stays in the spool and is tried again every second; the
 * spool is what survives a store that is unreachable for a while. On {@link #close()} the stream
 * is stopped and everything received is stored, the segment in progress as {@code <name>.partial}
 * (the last WAL a recovery can use if this host is lost).
 *
 * <p>The server needs {@code wal_level=replica} (the default), {@code max_wal_senders} and
 * {@code max_replication_slots} of at least one each, and a {@code replication} line in
 * {@code pg_hba.conf} for the user, who needs the {@code REPLICATION} attribute. The slot is
 * created if missing, reserving WAL at once, so the WAL written before {@code pg_receivewal}
 * connects is streamed too.
 *
 * <p>One archiver per slot: with several instances of a service, each starting an archiver, only the
 * one holding the slot's session advisory lock on the server ({@code pg_try_advisory_lock}, keyed by
 * the slot name, held on a connection of its own) runs {@code pg_receivewal}; the others stand by
 * ({@link Status#standingBy()}) and try again every few seconds, so one takes over within seconds
 * when the holder stops; when the holder's host dies, once the server has ended its dead connection
 * (TCP keepalives, {@code wal_sender_timeout}: a minute or more with the defaults).
 * The lock is released only after {@link #close()} has stored everything received. The server
 * also refuses a second receiver on an active slot, and the archive refuses different content
 * under a completed segment's name, so even a lock lost without notice cannot mix two streams.
 *
 * <p>{@code pg_receivewal} connects with the slot name as its {@code application_name}, so a server
 * can name the archiver in {@code synchronous_standby_names} (see {@link Builder#synchronous}).
 * A slot whose archiver is gone keeps WAL on the server without bound: watch {@link #healthCheck}
 * and {@link #status()}, and drop the slot ({@code pg_drop_replication_slot}) when archiving is retired.
 */
public final class WalArchiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalArchiver.class);
    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Duration MIN_PAUSE = Duration.ofSeconds(1);
    private static final Duration MAX_PAUSE = Duration.ofMinutes(1);
    /** How often a standing-by archiver tries for the slot's lock. */
    private static final Duration STANDBY_PAUSE = Duration.ofSeconds(2);
    /** The advisory lock's first key, "IkWA"; the second is the slot name's hash. */
    private static final int LOCK_CLASS = 0x496B5741;

    private final PgSettings settings;
    private final WalArchive archive;
    private final Path spool;
    private final String slot;
    private final boolean synchronous;
    private final Clock clock;
    private final Object lock = new Object();
    private final AtomicReference<String> lastArchived = new AtomicReference<>();
    private final AtomicReference<Instant> lastArchivedAt = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong archivedCount = new AtomicLong();
    private Thread supervisor; // guarded by lock
    private Thread publisher; // guarded by lock
    private Process process; // guarded by lock
    private Connection lockSession; // guarded by lock: holds the slot's advisory lock
    private volatile boolean standingBy;
    private volatile boolean stopping;

    private WalArchiver(Builder b) {
        this.settings = b.settings.build();
        this.archive = b.archive;
        this.spool = b.spool;
        this.slot = b.slot != null ? b.slot : "infrakit_wal";
        this.synchronous = b.synchronous != null && b.synchronous;
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    }

    /**
     * A builder: {@link Builder#user}, {@link Builder#archive} and {@link Builder#spool} are required.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates the slot if it is missing, then starts streaming and storing.
     *
     * @throws BackupException if the spool cannot be made, or the slot cannot be created (the
     *     message names the tool's error)
     * @throws IllegalStateException if already started or closed
     */
    public WalArchiver start() {
        synchronized (lock) {
            if (supervisor != null || stopping) {
                throw new IllegalStateException("The WAL archiver was already started");
            }
            try {
                DurableFiles.createOwnerOnlyDirectories(spool);
                try (Stream<Path> files = Files.list(spool)) {
                    for (Path left : (Iterable<Path>) files::iterator) {
                        String name = left.getFileName().toString();
                        if (name.startsWith(".") && name.endsWith(".sealed")) {
                            Files.delete(left); // an encrypted copy a crash left behind
                        }
                    }
                }
            } catch (IOException e) {
                throw new BackupException("Cannot create the WAL spool " + spool + ": " + e.getMessage(), e);
            }
            createSlot();
            supervisor = new Thread(this::supervise, "infrakit-wal-receiver");
            supervisor.setDaemon(true);
            publisher = new Thread(this::publishLoop, "infrakit-wal-publisher");
            publisher.setDaemon(true);
            supervisor.start();
            publisher.start();
        }
        return this;
    }

    /**
     * Creates the slot if it is missing, reserving WAL at once (so nothing written before the
     * receiver connects is lost: it starts from the slot's position).
     */
    private void createSlot() {
        try (Connection connection = settings.connect("postgres");
                PreparedStatement create = connection.prepareStatement("SELECT pg_create_physical_replication_slot(?, true) "
                        + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
            create.setString(1, slot);
            create.setString(2, slot);
            create.execute();
        } catch (SQLException e) {
            throw new BackupException("Cannot create the replication slot " + slot + " for WAL archiving on "
                    + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
        }
    }

    private List<String> command(String... extra) {
        List<String> command = new ArrayList<>(List.of(settings.tool("pg_receivewal").toString(), "-D", spool.toString(),
                "-S", slot));
        command.addAll(List.of(extra));
        command.addAll(settings.connectionArguments());
        return command;
    }

    private void supervise() {
        Duration pause = MIN_PAUSE;
        while (!stopping) {
            String busy = holdSlotLock();
            if (busy != null) {
                if (!standingBy || !busy.equals(lastError.get())) {
                    LOG.info("WAL archiving from {}:{} on slot {}: {}; standing by", settings.host(), settings.port(), slot,
                            LogText.of(busy));
                }
                standingBy = true;
                lastError.set(busy);
                try {
                    Thread.sleep(STANDBY_PAUSE.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            standingBy = false;
            Instant started = clock.instant();
            // Status every second: close() waits on the position it reports (pg_stat_replication.write_lsn).
            List<String> command = command("--no-loop", "--status-interval=1");
            if (synchronous) {
                command.add("--synchronous");
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            settings.environment().forEach((name, value) -> {
                if (value == null) {
                    builder.environment().remove(name);
                } else {
                    builder.environment().put(name, value);
                }
            });
            builder.environment().put("PGAPPNAME", slot); // what synchronous_standby_names names
            String stderr;
            int exit;
            try {
                Process p;
                synchronized (lock) {
                    if (stopping) {
                        return;
                    }
                    p = builder.start();
                    process = p;
                }
                stderr = drain(p.getErrorStream());
                exit = p.waitFor();
            } catch (IOException e) {
                stderr = e.getMessage();
                exit = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (stopping) {
                return;
            }
            restarts.incrementAndGet();
            String why = "pg_receivewal exited with " + exit + (stderr.isEmpty() ? "" : ": " + stderr);
            lastError.set(why);
            if (Duration.between(started, clock.instant()).compareTo(MAX_PAUSE) >= 0) {
                pause = MIN_PAUSE;
            }
            LOG.warn("WAL archiving from {}:{} on slot {}: {}; restarting in {} s", settings.host(), settings.port(), slot,
                    LogText.of(why), pause.toSeconds());
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        }
    }

    /**
     * Makes sure this archiver holds the slot's advisory lock, on a session kept open for it: returns
     * null when it does, else why not (another archiver holds it, or the server cannot be reached).
     */
    private String holdSlotLock() {
        Connection session;
        synchronized (lock) {
            session = lockSession;
        }
        try {
            if (session != null && session.isValid(10)) {
                return null;
            }
        } catch (SQLException e) {
            // not valid: reconnect below
        }
        closeLockSession();
        Connection fresh;
        try {
            fresh = settings.connect("postgres");
        } catch (BackupException e) {
            return "cannot take the slot's lock: " + e.getMessage();
        }
        try (PreparedStatement take = fresh.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            take.setInt(1, LOCK_CLASS);
            take.setInt(2, slot.hashCode());
            try (java.sql.ResultSet rs = take.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    fresh.close();
                    return "another archiver holds the lock of slot " + slot;
                }
            }
        } catch (SQLException e) {
            try {
                fresh.close();
            } catch (SQLException ignored) {
                // already failing
            }
            return "cannot take the slot's lock: " + e.getMessage();
        }
        synchronized (lock) {
            if (stopping) {
                try {
                    fresh.close();
                } catch (SQLException ignored) {
                    // releasing anyway
                }
                return "stopping";
            }
            lockSession = fresh;
        }
        return null;
    }

    /** Ends the lock's session, which releases the lock. */
    private void closeLockSession() {
        Connection session;
        synchronized (lock) {
            session = lockSession;
            lockSession = null;
        }
        if (session != null) {
            try {
                session.close();
            } catch (SQLException e) {
                LOG.debug("Closing the WAL archiver's lock session: {}", LogText.of(e.getMessage()));
            }
        }
    }

    /** Reads a stream to its end, keeping its first 16 KiB (so the tool never blocks on a full pipe). */
    private static String drain(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) > 0; ) {
            kept.write(buffer, 0, Math.min(n, Math.max(0, 16 * 1024 - kept.size())));
        }
        return kept.toString(StandardCharsets.UTF_8).strip();
    }

    private void publishLoop() {
        while (!stopping) {
            publish(false);
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Stores every completed file in the spool (and, when {@code partialToo}, the segment in progress
     * as {@code .partial}), oldest first, removing each from the spool once stored.
     */
    private synchronized void publish(boolean partialToo) {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(spool)) {
            files.map(f -> f.getFileName().toString()).forEach(names::add);
        } catch (IOException e) {
            lastError.set("cannot list the spool " + spool + ": " + e.getMessage());
            return;
        }
        for (String name : names) {
            boolean partial = name.endsWith(".partial");
            if (!WalArchive.NAME.matcher(name).matches() || (partial && !partialToo)) {
                continue;
            }
            Path file = spool.resolve(name);
            try {
                archive.put(name, file);
                if (!partial) {
                    Files.delete(file); // a partial stays: pg_receivewal continues it after a restart
                    lastArchived.set(name);
                    lastArchivedAt.set(clock.instant());
                    archivedCount.incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                String why = "cannot archive " + name + ": " + e.getMessage();
                if (!why.equals(lastError.get())) {
                    LOG.warn("WAL archiving from {}:{}: {}; it stays in the spool and is tried again", settings.host(),
                            settings.port(), LogText.of(why));
                }
                lastError.set(why);
                return; // in order: a later segment never goes before an earlier one
            }
        }
    }

    /** The replication slot. */
    public String slot() {
        return slot;
    }

    /**
     * A check named {@code wal-archiving:<host>:<port>/<slot>}, not critical, that asks the server how
     * much WAL the slot holds back ({@code pg_current_wal_lsn()} minus the slot's
     * {@code restart_lsn}, observed in bytes): DOWN when that passes {@code maxRetainedBytes} (the
     * server's disk is at risk: archiving has stopped, or cannot keep up), DEGRADED when
     * {@code pg_receivewal} is not running or the last segment was stored longer than
     * {@code warnAfter} ago while more than a segment is held back, UP otherwise (also while
     * {@linkplain Status#standingBy() standing by} for another archiver). Registered in a
     * {@code HealthRegistry} whose transitions go to a notifier, it is the archiving alert.
     */
    public dev.infrakit.core.health.HealthCheck healthCheck(Duration warnAfter, long maxRetainedBytes) {
        return healthCheck(warnAfter, maxRetainedBytes, Long.MAX_VALUE);
    }

    /**
     * {@link #healthCheck(Duration, long)} that also warns (DEGRADED) when the archive holds more than
     * {@code maxArchiveBytes}: archived WAL grows without bound unless a {@link WalRetention} prunes
     * it ({@link BackupRunner.Builder#walRetention}), and this is how that shows before the
     * repository's disk or bill does. The archive is listed at most once a minute (its size counts
     * each file as stored, or 16 MiB for a segment whose size only reading would tell).
     */
    public dev.infrakit.core.health.HealthCheck healthCheck(Duration warnAfter, long maxRetainedBytes,
            long maxArchiveBytes) {
        Arguments.positive(warnAfter, "warnAfter");
        if (maxRetainedBytes <= 0) {
            throw new IllegalArgumentException("maxRetainedBytes must be positive, got " + maxRetainedBytes);
        }
        if (maxArchiveBytes <= 0) {
            throw new IllegalArgumentException("maxArchiveBytes must be positive, got " + maxArchiveBytes);
        }
        ArchiveSize archiveSize = maxArchiveBytes == Long.MAX_VALUE ? null : new ArchiveSize();
        return dev.infrakit.core.health.HealthCheck.of("wal-archiving:" + settings.host() + ":" + settings.port() + "/"
                + slot, () -> {
                    long retained;
                    try (Connection connection = settings.connect("postgres");
                            PreparedStatement query = connection.prepareStatement("SELECT pg_wal_lsn_diff("
                                    + "pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots "
                                    + "WHERE slot_name = ?")) {
                        query.setQueryTimeout(10);
                        query.setString(1, slot);
                        try (java.sql.ResultSet rs = query.executeQuery()) {
                            if (!rs.next()) {
                                return dev.infrakit.core.health.HealthResult.down("the replication slot " + slot
                                        + " does not exist: WAL is not being kept for the archive").build();
                            }
                            retained = rs.getLong(1);
                        }
                    } catch (BackupException | SQLException e) {
                        return dev.infrakit.core.health.HealthResult.down(e.getMessage()).build();
                    }
                    Status status = status();
                    if (retained > maxRetainedBytes) {
                        return dev.infrakit.core.health.HealthResult.down("the slot " + slot + " holds back " + retained
                                + " bytes of WAL on the server, more than " + maxRetainedBytes + ": archiving "
                                + (status.receiving() ? "cannot keep up" : "is down") + status.lastError()
                                .map(e -> " (" + e + ")").orElse("")).observed(retained, "bytes").build();
                    }
                    boolean stale = status.lastArchivedAt().map(t -> t.plus(warnAfter).isBefore(clock.instant()))
                            .orElse(true) && retained > 16L << 20;
                    if (archiveSize != null) {
                        long stored = archiveSize.bytes();
                        if (stored > maxArchiveBytes) {
                            return dev.infrakit.core.health.HealthResult.degraded("the WAL archive " + archive + " holds "
                                    + stored + " bytes, more than " + maxArchiveBytes + ": archived WAL grows without "
                                    + "bound unless a WAL retention prunes it").observed(retained, "bytes")
                                    .detail("archiveBytes", stored).build();
                        }
                    }
                    if (status.standingBy()) {
                        return dev.infrakit.core.health.HealthResult.up().observed(retained, "bytes")
                                .detail("standingBy", "another archiver holds the slot").build();
                    }
                    if (!status.receiving() || stale) {
                        return dev.infrakit.core.health.HealthResult.degraded((status.receiving() ? "no WAL segment "
                                + "archived for more than " + warnAfter : "pg_receivewal is not running") + status.lastError()
                                .map(e -> " (" + e + ")").orElse("")).observed(retained, "bytes").build();
                    }
                    return dev.infrakit.core.health.HealthResult.up().observed(retained, "bytes").build();
                }).critical(false).timeout(Duration.ofSeconds(15)).build();
    }

    /**
     * A Micrometer binder: {@code infrakit.backup.wal.archived} and {@code .restarts} (counters),
     * {@code .last.archived} (seconds since the epoch) and {@code .receiving} (1 or 0), tagged with the
     * slot. Read from the archiver's own state; the server is not queried on a scrape.
     */
    public io.micrometer.core.instrument.binder.MeterBinder metrics() {
        // Through a factory: the binder class is loaded only here, so Micrometer stays optional.
        return WalArchiverMetrics.of(this);
    }

    /** The archive's size, listed at most once a minute. */
    private final class ArchiveSize {
        private long bytes;
        private long listedAt;
        private boolean listed;

        synchronized long bytes() throws IOException {
            long now = System.nanoTime();
            if (!listed || now - listedAt > TimeUnit.MINUTES.toNanos(1)) {
                long total = 0;
                for (WalArchive.WalSegment file : archive.list()) {
                    total += file.size() >= 0 ? file.size() : 16L << 20;
                }
                bytes = total;
                listedAt = now;
                listed = true;
            }
            return bytes;
        }
    }

    /** What the archiver has done: the last segment stored and when, restarts, the last error. */
    public Status status() {
        boolean running;
        synchronized (lock) {
            running = process != null && process.isAlive();
        }
        return new Status(running, standingBy && !running, Optional.ofNullable(lastArchived.get()),
                Optional.ofNullable(lastArchivedAt.get()), archivedCount.get(), restarts.get(),
                Optional.ofNullable(lastError.get()));
    }

    /**
     * The archiver's state.
     *
     * @param receiving whether {@code pg_receivewal} runs now
     * @param standingBy whether another archiver holds the slot's lock, so this one waits to take over
     * @param lastArchived the name of the last completed segment stored
     * @param lastArchivedAt when it was stored
     * @param archived completed segments stored since start
     * @param restarts how often {@code pg_receivewal} exited and was restarted
     * @param lastError the last failure (a restart's reason or a segment that could not be stored)
     */
    public record Status(boolean receiving, boolean standingBy, Optional<String> lastArchived, Optional<Instant> lastArchivedAt, long archived,
            long restarts, Optional<String> lastError) {
    }

    /**
     * Waits (up to 10 seconds) until {@code pg_receivewal} has received all the WAL the server had
     * written when this was called (also commits not yet flushed under {@code synchronous_commit=off}),
     * stops streaming (as {@code pg_receivewal} stops on SIGTERM: what it received is flushed), then
     * stores everything received, the segment in progress as {@code .partial}, and only then releases
     * the slot's lock. Idempotent.
     */
    @Override
    public void close() {
        Thread s;
        Thread p;
        Process running;
        synchronized (lock) {
            if (stopping) {
                return;
            }
            stopping = true;
            s = supervisor;
            p = publisher;
            running = process;
        }
        if (running != null) {
            if (running.isAlive()) {
                awaitReceived(Duration.ofSeconds(10));
            }
            running.destroy();
            try {
                if (!running.waitFor(30, TimeUnit.SECONDS)) {
                    running.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Thread t : new Thread[] {s, p}) {
            if (t != null) {
                t.interrupt();
                try {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        publish(true);
        closeLockSession(); // only now may another archiver take the slot
    }

    /**
     * Waits (at most {@code wait}) until {@code pg_receivewal} reports having written all the WAL the
     * server had written when this was called (its insert position), so that closing loses no commit
     * of a server that is up. Gives up quietly when the server cannot be asked (it is down: nothing
     * more would come).
     */
    private void awaitReceived(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        try (Connection connection = settings.connect("postgres")) {
            String target;
            // The insert position, not the flush one: with synchronous_commit off a commit may not be
            // flushed yet, and the WAL writer flushes it within wal_writer_delay; then it is sent.
            try (PreparedStatement current = connection.prepareStatement("SELECT pg_current_wal_insert_lsn()::text");
                    java.sql.ResultSet rs = current.executeQuery()) {
                rs.next();
                target = rs.getString(1);
            }
            try (PreparedStatement received = connection.prepareStatement("SELECT coalesce(bool_or(write_lsn >= "
                    + "?::pg_lsn), false) FROM pg_stat_replication WHERE application_name = ?")) {
                received.setString(1, target);
                received.setString(2, slot);
                while (System.nanoTime() - deadline < 0) {
                    try (java.sql.ResultSet rs = received.executeQuery()) {
                        rs.next();
                        if (rs.getBoolean(1)) {
                            return;
                        }
                    }
                    Thread.sleep(50);
                }
            }
            LOG.warn("WAL archiving from {}:{} on slot {}: closing before pg_receivewal reported the WAL up to {}",
                    settings.host(), settings.port(), slot, target);
        } catch (BackupException | SQLException e) {
            LOG.debug("WAL archiver closing: cannot ask the server how far it streamed: {}", LogText.of(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "WalArchiver[" + settings + ", slot " + slot + " -> " + archive + "]";
    }

    /** Settings of a {@link WalArchiver}; each given at most once. Not thread-safe. */
    public static final class Builder extends PostgresClientBuilder<Builder> {
        private WalArchive archive;
        private Path spool;
        private String slot;
        private Boolean synchronous;
        private Clock clock;

        private Builder() {
            super(Duration.ofMinutes(1));
        }

        /** Where the segments are stored (required): a repository's {@link BackupRepository#walArchive()}. */
        public Builder archive(WalArchive archive) {
            Arguments.setOnce(this.archive, "archive");
            this.archive = Objects.requireNonNull(archive, "archive");
            return this;
        }

        /** The local spool directory {@code pg_receivewal} writes into (required; created owner-only). */
        public Builder spool(Path spool) {
            Arguments.setOnce(this.spool, "spool");
            this.spool = Objects.requireNonNull(spool, "spool");
            return this;
        }

        /** The replication slot (default {@code infrakit_wal}): lower-case letters, digits, underscores. */
        public Builder slot(String slot) {
            Arguments.setOnce(this.slot, "slot");
            if (slot == null || !SLOT.matcher(slot).matches()) {
                throw new IllegalArgumentException("A replication slot name is 1 to 63 lower-case letters, digits and "
                        + "underscores");
            }
            this.slot = slot;
            return this;
        }

        /**
         * Flush every WAL write at once and report it to the server ({@code pg_receivewal --synchronous}),
         * for a server whose {@code synchronous_standby_names} names the archiver by its slot name (its
         * {@code application_name}): every commit then returns only once the archiver has flushed it to
         * its spool, so a server that dies loses no acknowledged commit (tested by killing the server
         * mid-write); the cost is a round trip to the archiver on every commit, and commits block while
         * the archiver is down. Default false: asynchronous, so WAL the archiver has not yet received
         * when the server dies is lost (measured: well under a second of commits).
         */
        public Builder synchronous(boolean synchronous) {
            Arguments.setOnce(this.synchronous, "synchronous");
            this.synchronous = synchronous;
            return this;
        }

        /** The clock of the status times (default: the system clock). */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The archiver, not started.
         *
         * @throws IllegalStateException if the user, the archive or the spool is missing
         */
        public WalArchiver build() {
            if (archive == null || spool == null) {
                throw new IllegalStateException("A WAL archiver needs an archive and a spool directory");
            }
            return new WalArchiver(this);
        }
    }
}
