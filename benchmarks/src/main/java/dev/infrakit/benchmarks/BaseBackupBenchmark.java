package dev.infrakit.benchmarks;

import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.PointInTimeRestore;
import dev.infrakit.backup.PostgresBaseBackupSource;
import dev.infrakit.backup.RetentionPolicy;
import dev.infrakit.backup.WalArchive;
import dev.infrakit.backup.WalArchiver;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Continuous backup and point-in-time recovery of a whole PostgreSQL 15 cluster holding a pgbench
 * database (default scale 50, about 800 MB), side by side with the bare tool and with pgBackRest
 * (Debian's {@code pgbackrest}, 2.45), on one {@link EphemeralPostgres} run with production
 * durability ({@code fsync}, {@code synchronous_commit}, {@code full_page_writes} on) and
 * {@code archive_mode=on}, {@code archive_command} = pgBackRest's {@code archive-push}. Three parts:
 *
 * <ol>
 *   <li><b>Base backup</b>, each contender {@code rounds} times, alternating (the order rotates each
 *   round), median reported: Infrakit's {@link BackupRunner} with {@link PostgresBaseBackupSource}
 *   (gzip level 1, its default) into a {@link LocalBackupRepository}, every step it takes by default
 *   included (the artifact hashed while written, fsync, publish, every artifact read back and
 *   re-hashed, retention); the same into an {@link EncryptedBackupRepository}; as a diagnostic, the
 *   source alone writing into nothing (no repository, hash, fsync, read-back or retention); bare
 *   {@code pg_basebackup -D dir -Ft --compress=client-gzip:1 -X fetch --checkpoint=fast
 *   --manifest-checksums=SHA256}; pgBackRest {@code backup --type=full} with
 *   {@code compress-type=gz compress-level=1 start-fast=y}, archive check on (the default: it waits
 *   until the backup's WAL is in its archive), {@code --process-max=1} and {@code 2}.</li>
 *   <li><b>Point-in-time restore</b> to the end of the archived WAL: a fresh Infrakit base backup
 *   (a {@link WalArchiver} streaming into the repository's WAL archive) and a fresh pgBackRest full
 *   backup, then 30 s of pgbench's write load (2 clients) archived by both, then a WAL switch; then,
 *   {@code rounds} times alternating: {@link PointInTimeRestore} into a new data directory until
 *   {@link PointInTimeRestore.RestoredServer#awaitPromoted} returns (with its default check of every
 *   restored file against the backup's {@code backup_manifest}, and once more without it), against
 *   {@code pgbackrest restore} (process-max 1 and 2) into a new data directory, {@code pg_ctl start},
 *   and the same wait until {@code pg_is_in_recovery()} is false. Each restored server must hold
 *   exactly the {@code pgbench_history} rows the original holds.</li>
 *   <li><b>Recovery point under write load</b>, {@code crashes} times for each way of killing:
 *   a fresh base backup with the archiver running (asynchronous, its default), three threads
 *   inserting one row per transaction as fast as they can, each acknowledged id recorded with the
 *   time its commit returned; after 15 s the server is killed, either the postmaster alone
 *   ({@code kill -9} of the pid in {@code postmaster.pid}) or the whole server (every process
 *   stopped with SIGSTOP, then SIGKILLed); the archiver is closed (storing the partial segment), the
 *   cluster restored to the latest WAL, and the acknowledged rows it lacks counted, with the time
 *   from the last acknowledged row it holds to the last acknowledged row.</li>
 * </ol>
 * Not a JMH benchmark: one run takes several minutes (about 7 at scale 50 with 3 rounds). Needs root (the server and pgBackRest run as
 * {@code postgres} through {@code runuser}) and {@code pgbackrest} on the {@code PATH}. Work files
 * go to a temporary directory under the current one (which the {@code postgres} user must be able
 * to enter), deleted at the end.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.infrakit.benchmarks.BaseBackupBenchmark [scale] [rounds] [crashes]}
 */
public final class BaseBackupBenchmark {
    private static final String STANZA = "bench";
    private static final String OS_USER = "postgres";
    private static final int WRITE_LOAD_SECONDS = 30;
    private static final int CRASH_AFTER_SECONDS = 15;
    private static final int WRITERS = 3;

    private final EphemeralPostgres server;
    private final TestDatabase db;
    private final Path bin;
    private final Path work;
    private final Path pgbackrestConf;

    private BaseBackupBenchmark(EphemeralPostgres server, TestDatabase db, Path work, Path pgbackrestConf) {
        this.server = server;
        this.db = db;
        this.bin = server.binDirectory();
        this.work = work;
        this.pgbackrestConf = pgbackrestConf;
    }

    public static void main(String[] args) throws Exception {
        int scale = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int crashes = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf("BaseBackupBenchmark scale %d, %d rounds, %d crashes of each kind; %s, %d cores%n", scale,
                rounds, crashes, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        Path work = Files.createTempDirectory(Path.of("."), "basebackup-bench").toAbsolutePath().normalize();
        // The server, pgBackRest and the restored servers run as postgres: they must pass through it.
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        Path pgbackrest = Files.createDirectory(work.resolve("pgbackrest"));
        Path conf = pgbackrest.resolve("pgbackrest.conf");
        try (EphemeralPostgres server = EphemeralPostgres.builder().setting("max_wal_size", "4GB")
                .setting("checkpoint_timeout", "30min").setting("fsync", "on").setting("synchronous_commit", "on")
                .setting("full_page_writes", "on").setting("archive_mode", "on")
                .setting("archive_command", "pgbackrest --config=" + conf + " --stanza=" + STANZA + " archive-push %p")
                .start()) {
            TestDatabase db = server.createDatabase("bench");
            BaseBackupBenchmark bench = new BaseBackupBenchmark(server, db, work, conf);
            bench.configurePgBackRest(pgbackrest);
            bench.generate(scale);
            bench.baseBackups(rounds);
            bench.restores(rounds);
            bench.recoveryPoint(crashes);
        } finally {
            TempFiles.deleteTree(work);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Set-up

    private void configurePgBackRest(Path dir) throws Exception {
        for (String sub : List.of("repo", "log", "lock", "spool")) {
            Files.createDirectory(dir.resolve(sub));
        }
        Files.writeString(pgbackrestConf, String.join("\n",
                "[global]",
                "repo1-path=" + dir.resolve("repo"),
                "repo1-retention-full=1",
                "compress-type=gz",
                "compress-level=1",
                "start-fast=y",
                "log-level-console=warn",
                "log-level-file=off",
                "log-path=" + dir.resolve("log"),
                "lock-path=" + dir.resolve("lock"),
                "spool-path=" + dir.resolve("spool"),
                "",
                "[" + STANZA + "]",
                "pg1-path=" + server.dataDirectory(),
                "pg1-port=" + server.port(),
                "pg1-socket-path=" + server.dataDirectory().getParent(),
                "pg1-user=" + server.username(),
                ""), StandardCharsets.UTF_8);
        run(List.of("chown", "-R", OS_USER, dir.toString()));
        pgbackrest("stanza-create");
        System.out.println(runAsPostgres(List.of("pgbackrest", "version")).strip() + ", "
                + run(List.of(bin.resolve("pg_basebackup").toString(), "--version")).strip());
    }

    private void generate(int scale) throws Exception {
        long t0 = System.nanoTime();
        run(List.of(bin.resolve("pgbench").toString(), "-i", "-q", "-s", Integer.toString(scale), "-h", server.host(),
                "-p", Integer.toString(server.port()), "-U", server.username(), db.name()));
        execute("CHECKPOINT");
        pgbackrest("check"); // switches WAL and waits until pgBackRest's archive has it
        awaitArchiveQueueEmpty();
        System.out.printf("pgbench scale %d: database %.0f MB, cluster %.0f MB, in %.0f s%n", scale,
                queryLong("SELECT pg_database_size(current_database())") / 1e6,
                queryLong("SELECT sum(pg_database_size(datname))::bigint FROM pg_database") / 1e6, seconds(t0));
    }

    // ---------------------------------------------------------------------------------------------
    // 1. Base backups

    private void baseBackups(int rounds) throws Exception {
        LocalBackupRepository plain = LocalBackupRepository.open(work.resolve("repo-plain"));
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        BackupRepository encrypted = EncryptedBackupRepository.wrap(LocalBackupRepository.open(work.resolve("repo-enc")),
                BackupKeys.of("bench-1", key));
        try {
            BackupRunner plainRunner = runner(plain);
            BackupRunner encryptedRunner = runner(encrypted);
            Path bare = work.resolve("bare");
            Map<String, Contender> contenders = new LinkedHashMap<>();
            contenders.put("pg_basebackup", () -> {
                TempFiles.deleteTree(bare);
                long s = System.nanoTime();
                run(List.of(bin.resolve("pg_basebackup").toString(), "-D", bare.toString(), "-Ft",
                        "--compress=client-gzip:1", "-X", "fetch", "--checkpoint=fast", "--manifest-checksums=SHA256",
                        "-h", server.host(), "-p", Integer.toString(server.port()), "-U", server.username()));
                double t = seconds(s);
                return new Sample(t, size(bare));
            });
            contenders.put("infrakit", () -> {
                long s = System.nanoTime();
                Manifest m = plainRunner.run(BackupKind.MANUAL);
                return new Sample(seconds(s), m.size());
            });
            PostgresBaseBackupSource source = baseBackupSource();
            contenders.put("infrakit-source-only", () -> {
                // Diagnostic: the source alone (pg_basebackup's tar through the pipe, gzip, tar scan),
                // into nothing: no repository, no hash, no fsync, no read-back, no retention.
                long s = System.nanoTime();
                source.backup(name -> OutputStream.nullOutputStream());
                return new Sample(seconds(s), 0);
            });
            contenders.put("pgbackrest-pm1", () -> pgBackRestFull(1));
            contenders.put("pgbackrest-pm2", () -> pgBackRestFull(2));
            contenders.put("infrakit-encrypted", () -> {
                long s = System.nanoTime();
                Manifest m = encryptedRunner.run(BackupKind.MANUAL);
                return new Sample(seconds(s), m.size());
            });
            Map<String, List<Sample>> samples = measure(contenders, rounds, "base backup");
            TempFiles.deleteTree(bare);
            System.out.println("== base backup, medians (s) ==");
            double bareMedian = median(samples.get("pg_basebackup"));
            double pm1 = median(samples.get("pgbackrest-pm1"));
            samples.forEach((name, list) -> System.out.printf("%-20s %6.1f s  (%s)  %5.0f MB  %.2fx pg_basebackup, "
                    + "%.2fx pgbackrest-pm1%n", name, median(list), values(list), list.get(0).bytes() / 1e6,
                    median(list) / bareMedian, median(list) / pm1));
        } finally {
            encrypted.close();
            plain.close();
        }
    }

    private BackupRunner runner(BackupRepository repository) {
        return BackupRunner.builder(baseBackupSource(), repository).retention(RetentionPolicy.of(0, 0, 0, 1))
                .minimumFreeBytes(0).build();
    }

    private PostgresBaseBackupSource baseBackupSource() {
        return PostgresBaseBackupSource.builder().host(server.host()).port(server.port()).user(server.username())
                .password(server.password()).binDir(bin).build();
    }

    private Sample pgBackRestFull(int processes) throws Exception {
        long s = System.nanoTime();
        pgbackrest("--type=full", "--process-max=" + processes, "backup");
        double t = seconds(s);
        return new Sample(t, size(work.resolve("pgbackrest/repo/backup")));
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Point-in-time restores

    private void restores(int rounds) throws Exception {
        try (LocalBackupRepository repo = LocalBackupRepository.open(work.resolve("repo-pitr"))) {
            WalArchiver archiver = archiver(repo, "bench_pitr", work.resolve("spool-pitr")).start();
            long history;
            long walBytes;
            Manifest base;
            try {
                long s = System.nanoTime();
                base = runner(repo).run(BackupKind.MANUAL);
                System.out.printf("PITR set-up: infrakit base backup %.1f s (archiver running)", seconds(s));
                s = System.nanoTime();
                String log = pgbackrest("--type=full", "--process-max=1", "--log-level-console=info", "backup");
                System.out.printf(", pgbackrest full backup %.1f s; its log:%n%s", seconds(s), log);
                String before = queryString("SELECT pg_current_wal_lsn()::text");
                run(List.of(bin.resolve("pgbench").toString(), "-n", "-c", "2", "-j", "2", "-T",
                        Integer.toString(WRITE_LOAD_SECONDS), "-h", server.host(), "-p", Integer.toString(server.port()),
                        "-U", server.username(), db.name()));
                walBytes = queryLong("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + before + "')::bigint");
                history = queryLong("SELECT count(*) FROM pgbench_history");
                String last = queryString("SELECT pg_walfile_name(pg_switch_wal())");
                awaitArchiveQueueEmpty();
                WalArchive archive = repo.walArchive().orElseThrow();
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (archive.list().stream().noneMatch(w -> w.name().equals(last))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(last + " never reached the WAL archive: " + archiver.status());
                    }
                    Thread.sleep(100);
                }
            } finally {
                archiver.close();
            }
            execute("SELECT pg_drop_replication_slot('bench_pitr')");
            System.out.printf("PITR: %d s of pgbench (2 clients) wrote %.0f MB of WAL; pgbench_history holds %d rows%n",
                    WRITE_LOAD_SECONDS, walBytes / 1e6, history);

            Path restores = Files.createDirectory(work.resolve("restores"));
            Map<String, Contender> contenders = new LinkedHashMap<>();
            AtomicLong n = new AtomicLong();
            contenders.put("infrakit", () -> infrakitRestore(repo, base, restores.resolve("infrakit-"
                    + n.incrementAndGet()), true, history));
            contenders.put("infrakit-no-verify", () -> infrakitRestore(repo, base, restores.resolve("infrakit-nv-"
                    + n.incrementAndGet()), false, history));
            contenders.put("pgbackrest-pm1", () -> pgBackRestRestore(restores.resolve("pgbr1-" + n.incrementAndGet()),
                    1, history));
            contenders.put("pgbackrest-pm2", () -> pgBackRestRestore(restores.resolve("pgbr2-" + n.incrementAndGet()),
                    2, history));
            Map<String, List<Sample>> samples = measure(contenders, rounds, "PITR restore");
            System.out.println("== PITR restore to the latest WAL, medians (s) ==");
            double pm1 = median(samples.get("pgbackrest-pm1"));
            samples.forEach((name, list) -> System.out.printf("%-20s %6.1f s  (%s)  %.2fx pgbackrest-pm1; server "
                    + "started at %.1f s (median), recovery and promotion the rest%n", name, median(list), values(list),
                    median(list) / pm1, median(list.stream().map(x -> new Sample(x.untilStart(), 0)).toList())));
        }
    }

    /** {@link PointInTimeRestore} to the latest WAL, with or without its check of every file (default: with). */
    private Sample infrakitRestore(BackupRepository repo, Manifest base, Path dir, boolean verify, long history)
            throws Exception {
        long s = System.nanoTime();
        StartWatch watch = new StartWatch(dir, s);
        try (PointInTimeRestore.RestoredServer restored = PointInTimeRestore.builder().repository(repo)
                .backup(base.id()).dataDirectory(dir).binDir(bin).verify(verify).build().restore()) {
            restored.awaitPromoted(db.name(), server.username(), server.password(), Duration.ofHours(1));
            double t = seconds(s);
            requireRows(restored.port(), history, restored.log());
            return new Sample(t, 0, watch.stop());
        } finally {
            watch.stop();
            TempFiles.deleteTree(dir);
            TempFiles.deleteTree(dir.resolveSibling(dir.getFileName() + ".wal"));
        }
    }

    private Sample pgBackRestRestore(Path dir, int processes, long history) throws Exception {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        run(List.of("chown", OS_USER, dir.toString()));
        int port = freePort();
        long s = System.nanoTime();
        StartWatch watch = new StartWatch(dir, s);
        try {
            pgbackrest("--pg1-path=" + dir, "--process-max=" + processes, "restore");
            runAsPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.toString(), "-l",
                    dir.resolve("restore.log").toString(), "-w", "-t", "3600", "-o", "-p " + port
                            + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir + " -c archive_mode=off",
                    "start"));
            awaitPromoted(port, Duration.ofHours(1));
            double t = seconds(s);
            requireRows(port, history, Files.readString(dir.resolve("restore.log")));
            return new Sample(t, 0, watch.stop());
        } finally {
            watch.stop();
            if (Files.exists(dir.resolve("postmaster.pid"))) {
                runAsPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.toString(), "-m", "fast", "-w", "stop"));
            }
            TempFiles.deleteTree(dir);
        }
    }

    /** The same wait as {@link PointInTimeRestore.RestoredServer#awaitPromoted}: poll every 100 ms. */
    private void awaitPromoted(int port, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try (Connection c = connect(port); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("The restored server cannot be reached", e);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The restored server is still recovering after " + wait);
            }
            Thread.sleep(100);
        }
    }

    private void requireRows(int port, long expected, String log) throws SQLException {
        try (Connection c = connect(port); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_history")) {
            rs.next();
            if (rs.getLong(1) != expected) {
                throw new IllegalStateException("The restored server holds " + rs.getLong(1) + " pgbench_history rows, "
                        + "the original " + expected + "; its log: " + log);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 3. Recovery point under write load

    private void recoveryPoint(int crashes) throws Exception {
        // pgBackRest is done: stop it archiving, so that its archive-push is not load on this part.
        execute("ALTER SYSTEM SET archive_command = '/bin/true'");
        execute("SELECT pg_reload_conf()");
        execute("CREATE TABLE rpo_ticks (id bigint PRIMARY KEY, writer int NOT NULL, "
                + "written_at timestamptz NOT NULL DEFAULT clock_timestamp())");
        AtomicLong ids = new AtomicLong();
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= crashes * 2; i++) {
            boolean wholeServer = i % 2 == 0;
            lines.add(crash(i, wholeServer, ids));
        }
        System.out.println("== recovery point, asynchronous WalArchiver, server killed under write load ==");
        lines.forEach(System.out::println);
    }

    private String crash(int round, boolean wholeServer, AtomicLong ids) throws Exception {
        Path dir = work.resolve("crash-" + round);
        String slot = "bench_rpo_" + round;
        // The restored server runs as postgres: it must pass through (the repository keeps its own owner-only).
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        try (LocalBackupRepository repo = LocalBackupRepository.open(dir.resolve("repo"))) {
            WalArchiver archiver = archiver(repo, slot, dir.resolve("spool")).start();
            Manifest base;
            List<List<long[]>> acknowledged = new ArrayList<>();
            long killedAt;
            long started;
            long firstId = ids.get() + 1;
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            List<String> writerErrors = Collections.synchronizedList(new ArrayList<>());
            long leftOver;
            try {
                base = runner(repo).run(BackupKind.MANUAL);
                started = System.nanoTime();
                for (int w = 0; w < WRITERS; w++) {
                    List<long[]> acks = new ArrayList<>(1 << 16);
                    acknowledged.add(acks);
                    int writer = w;
                    Thread t = new Thread(() -> write(writer, ids, acks, stop, writerErrors), "rpo-writer-" + w);
                    writers.add(t);
                    t.start();
                }
                Thread.sleep(CRASH_AFTER_SECONDS * 1000L);
                long postmaster = Long.parseLong(Files.readAllLines(server.dataDirectory().resolve("postmaster.pid"))
                        .get(0).strip());
                List<ProcessHandle> processes = new ArrayList<>();
                ProcessHandle.of(postmaster).ifPresent(p -> {
                    processes.add(p);
                    p.descendants().forEach(processes::add);
                });
                if (wholeServer) {
                    List<String> pids = processes.stream().map(p -> Long.toString(p.pid())).toList();
                    signal("-STOP", pids);
                    killedAt = System.nanoTime();
                    signal("-KILL", pids);
                } else {
                    signal("-9", List.of(Long.toString(postmaster)));
                    killedAt = System.nanoTime();
                }
                // Writers stop on their connection's error; any still running after 2 s are stopped.
                for (Thread t : writers) {
                    t.join(Math.max(1, 2000 - (System.nanoTime() - killedAt) / 1_000_000));
                }
                stop.set(true);
                for (Thread t : writers) {
                    t.join();
                }
                leftOver = awaitExit(processes);
            } finally {
                archiver.close();
            }
            // Restore the latest WAL the archiver stored.
            Path data = dir.resolve("restored");
            Set<Long> restored = new HashSet<>();
            long s = System.nanoTime();
            double restoreSeconds;
            try (PointInTimeRestore.RestoredServer r = PointInTimeRestore.builder().repository(repo).backup(base.id())
                    .dataDirectory(data).binDir(bin).build().restore()) {
                r.awaitPromoted(db.name(), server.username(), server.password(), Duration.ofHours(1));
                restoreSeconds = seconds(s);
                try (Connection c = connect(r.port()); PreparedStatement q = c.prepareStatement(
                        "SELECT id FROM rpo_ticks WHERE id >= ?")) {
                    q.setLong(1, firstId);
                    try (ResultSet rs = q.executeQuery()) {
                        while (rs.next()) {
                            restored.add(rs.getLong(1));
                        }
                    }
                }
            }
            server.start(); // crash recovery of the original, for the next round
            execute("SELECT pg_drop_replication_slot('" + slot + "')");
            TempFiles.deleteTree(dir);

            long acked = 0;
            long missing = 0;
            long afterKill = 0;
            long lastAck = 0;
            long lastRestoredAck = 0;
            long firstMissingAck = Long.MAX_VALUE;
            Set<Long> ackedIds = new HashSet<>();
            for (List<long[]> acks : acknowledged) {
                for (long[] a : acks) {
                    acked++;
                    ackedIds.add(a[0]);
                    lastAck = Math.max(lastAck, a[1]);
                    if (a[1] > killedAt) {
                        afterKill++;
                    }
                    if (restored.contains(a[0])) {
                        lastRestoredAck = Math.max(lastRestoredAck, a[1]);
                    } else {
                        missing++;
                        firstMissingAck = Math.min(firstMissingAck, a[1]);
                    }
                }
            }
            long notAcked = restored.stream().filter(id -> !ackedIds.contains(id)).count();
            double writeSeconds = (killedAt - started) / 1e9;
            double rate = acked / writeSeconds;
            return String.format("crash %d (%s): %d rows acknowledged in %.1f s (%.0f/s, %d after the kill), "
                    + "%d restored; acknowledged and missing: %d (%.1f ms of writes at that rate); last restored "
                    + "acknowledged row %.1f ms before the last acknowledged row; earliest missing one acknowledged "
                    + "%+.1f ms from the kill; restored but never acknowledged: %d; restore %.1f s; server processes "
                    + "left 30 s after the kill: %d%s",
                    round, wholeServer ? "whole server SIGSTOP+SIGKILL" : "kill -9 postmaster", acked, writeSeconds,
                    rate, afterKill, restored.size(), missing, missing / rate * 1000, (lastAck - lastRestoredAck) / 1e6,
                    missing == 0 ? 0.0 : (firstMissingAck - killedAt) / 1e6, notAcked, restoreSeconds, leftOver,
                    writerErrors.isEmpty() ? "" : "; writers: " + writerErrors);
        }
    }

    private void write(int writer, AtomicLong ids, List<long[]> acks, AtomicBoolean stop, List<String> errors) {
        try (Connection c = db.connect(); PreparedStatement insert = c.prepareStatement(
                "INSERT INTO rpo_ticks (id, writer) VALUES (?, ?)")) {
            c.setAutoCommit(true);
            insert.setInt(2, writer);
            while (!stop.get()) {
                long id = ids.incrementAndGet();
                insert.setLong(1, id);
                insert.executeUpdate();
                acks.add(new long[] {id, System.nanoTime()});
            }
        } catch (SQLException e) {
            if (!stop.get() && e.getSQLState() != null && !e.getSQLState().startsWith("08")
                    && !e.getSQLState().startsWith("57")) {
                errors.add(writer + ": " + e.getSQLState() + " " + e.getMessage());
            }
        }
    }

    /** Waits until the killed server's processes are gone; kills any left after 30 s. Returns how many were left. */
    private static long awaitExit(List<ProcessHandle> processes) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<String> left = processes.stream().filter(ProcessHandle::isAlive).map(p -> Long.toString(p.pid())).toList();
        if (!left.isEmpty()) {
            signal("-KILL", left);
            while (processes.stream().anyMatch(ProcessHandle::isAlive)) {
                Thread.sleep(50);
            }
        }
        return left.size();
    }

    private static void signal(String signal, List<String> pids) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        command.addAll(pids);
        exec(command, null);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private WalArchiver archiver(BackupRepository repo, String slot, Path spool) {
        return WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                .password(server.password()).binDir(bin).archive(repo.walArchive().orElseThrow()).spool(spool).slot(slot)
                .build();
    }

    /** A timed thing; the bytes it produced. */
    private interface Contender {
        Sample run() throws Exception;
    }

    /** Seconds taken, bytes produced, and for a restore the seconds until the server started (else -1). */
    private record Sample(double seconds, long bytes, double untilStart) {
        Sample(double seconds, long bytes) {
            this(seconds, bytes, -1);
        }
    }

    /**
     * Watches a restore's data directory for {@code postmaster.pid} (every 10 ms): what comes before
     * is the files' restore (extracting, staging WAL), what comes after is the server's recovery.
     */
    private static final class StartWatch {
        private final Thread thread;
        private volatile double untilStart = -1;

        StartWatch(Path dir, long start) {
            thread = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    if (Files.exists(dir.resolve("postmaster.pid"))) {
                        untilStart = seconds(start);
                        return;
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "start-watch");
            thread.setDaemon(true);
            thread.start();
        }

        double stop() throws InterruptedException {
            thread.interrupt();
            thread.join();
            return untilStart;
        }
    }

    /** Each contender {@code rounds} times, alternating; the order rotates by one each round. */
    private static Map<String, List<Sample>> measure(Map<String, Contender> contenders, int rounds, String what)
            throws Exception {
        List<String> names = new ArrayList<>(contenders.keySet());
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        names.forEach(name -> samples.put(name, new ArrayList<>()));
        for (int i = 0; i < rounds; i++) {
            StringBuilder line = new StringBuilder(what + " round " + (i + 1) + ":");
            for (int k = 0; k < names.size(); k++) {
                String name = names.get((i + k) % names.size());
                Sample sample = contenders.get(name).run();
                samples.get(name).add(sample);
                line.append(String.format(" %s %.1f s%s%s;", name, sample.seconds(), sample.bytes() > 0
                        ? String.format(" (%.0f MB)", sample.bytes() / 1e6) : "", sample.untilStart() >= 0
                        ? String.format(" (server started at %.1f s)", sample.untilStart()) : ""));
            }
            System.out.println(line);
        }
        return samples;
    }

    private String pgbackrest(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("pgbackrest", "--config=" + pgbackrestConf, "--stanza=" + STANZA));
        command.addAll(List.of(arguments));
        return runAsPostgres(command);
    }

    /** Waits until the server's archiver has handed every completed segment to pgBackRest. */
    private void awaitArchiveQueueEmpty() throws Exception {
        Path status = server.dataDirectory().resolve("pg_wal/archive_status");
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (true) {
            try (Stream<Path> files = Files.list(status)) {
                if (files.noneMatch(f -> f.getFileName().toString().endsWith(".ready"))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pgBackRest's archive-push did not catch up in 10 minutes");
            }
            Thread.sleep(100);
        }
    }

    private Connection connect(int port) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", server.username());
        props.setProperty("password", server.password());
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db.name(), props);
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private long queryLong(String sql) throws SQLException {
        return Long.parseLong(queryString(sql));
    }

    private String queryString(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(List<Sample> samples) {
        List<Double> sorted = new ArrayList<>(samples.stream().map(Sample::seconds).toList());
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String values(List<Sample> samples) {
        return String.join(", ", samples.stream().map(s -> String.format("%.1f", s.seconds())).toList());
    }

    private static long size(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private String runAsPostgres(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", OS_USER, "--"));
        full.addAll(command);
        return run(full);
    }

    private String run(List<String> command) throws IOException, InterruptedException {
        return exec(command, server.password());
    }

    private static String exec(List<String> command, String password) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (password != null) {
            pb.environment().put("PGPASSWORD", password);
        }
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + output);
        }
        return output;
    }
}
