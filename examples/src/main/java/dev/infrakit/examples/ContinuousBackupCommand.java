package dev.infrakit.examples;

import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.DrillResult;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.PointInTimeDrill;
import dev.infrakit.backup.PointInTimeRestore;
import dev.infrakit.backup.PostgresBaseBackupSource;
import dev.infrakit.backup.WalArchive;
import dev.infrakit.backup.WalArchiver;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Continuous backup from the command line (#24): {@code backup wal start} (a {@link WalArchiver} in
 * the foreground until SIGTERM), {@code backup wal status} (the archive, the base backups and the
 * slot on the server), {@code backup restore --data-dir} (a {@link PointInTimeRestore} into a new
 * data directory) and {@code backup drill --pitr} (a {@link PointInTimeDrill} recorded in the base
 * backup's manifest). The base backups themselves are {@code backup base}.
 */
final class ContinuousBackupCommand {
    /** The replication slot of {@code backup wal start} unless {@code --slot} names another. */
    static final String DEFAULT_SLOT = "infrakit_wal";
    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern OS_USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    /** How long a restored server may take to replay and be promoted (the library's start timeout too). */
    private static final Duration REPLAY_TIMEOUT = Duration.ofHours(4);

    private ContinuousBackupCommand() {
    }

    private static final String REPO = "The backup repository: a directory or s3://bucket/prefix.";

    /** {@code backup wal start|status}. */
    static Cli.Command wal(String usage, String startUsage, String statusUsage) {
        return new Cli.Command("wal", usage, null)
                .sub(BackupCommand.options(new Cli.Command("start", startUsage, (a, env, in, out, err) -> start(a, env,
                        out, err))
                        .value("jdbc-url", "URL", "The PostgreSQL server whose WAL is archived (its user needs "
                                + "REPLICATION; the database part is not used).")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("repo", "REPO", REPO + " Created when missing; encrypted with KEYS.")
                        .value("spool", "DIR", "Local directory pg_receivewal writes into (created owner-only): what is "
                                + "received waits there while the repository cannot be reached.")
                        .value("slot", "NAME", "The replication slot, created when missing (default " + DEFAULT_SLOT
                                + "): lower-case letters, digits and underscores.")
                        .flag("synchronous", "Report each WAL write flushed at once, for a server whose "
                                + "synchronous_standby_names names the slot: no acknowledged commit is lost, but "
                                + "commits wait for the archiver and block while it is down.")))
                .sub(BackupCommand.options(new Cli.Command("status", statusUsage, (a, env, in, out, err) -> status(a,
                        env, out, err))
                        .value("repo", "REPO", REPO)
                        .value("jdbc-url", "URL", "Also show the slot on this server: active or not, WAL retained.")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("slot", "NAME", "The replication slot (default " + DEFAULT_SLOT + ").")));
    }

    /** {@code backup drill --pitr}. */
    static Cli.Command drill(String usage) {
        return BackupCommand.options(new Cli.Command("drill", usage, (a, env, in, out, err) -> drill(a, env, out, err))
                .flag("pitr", "The point-in-time drill of a base backup (required; the drill of a dump is backup "
                        + "verify --drill).")
                .value("repo", "REPO", REPO)
                .value("jdbc-url", "URL", "A role and database of the backed-up server: the drill connects to the "
                        + "restored server as that role; the host and port are not used.")
                .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                .value("id", "BASE_ID", "The base backup (default the newest verified one).")
                .values("check", "NAME=SQL", "A query run in the restored database whose first value must be true, "
                        + "such as rows=SELECT count(*) > 0 FROM orders; repeatable.")
                .value("work-dir", "DIR", "Where the drill restores (default the temporary directory): it needs twice "
                        + "the server's size, and the server's OS user must be able to pass through it."));
    }

    private static String slot(Args a) {
        String slot = a.get("slot").orElse(DEFAULT_SLOT);
        if (!SLOT.matcher(slot).matches()) {
            throw new Args.UsageException("--slot is 1 to 63 lower-case letters, digits and underscores");
        }
        return slot;
    }

    /** {@code backup wal start}: archives until SIGTERM or Ctrl-C, then stores the segment in progress. */
    static int start(Args a, Map<String, String> env, PrintStream out, PrintStream err) throws InterruptedException {
        JdbcUrl url = JdbcUrl.require(a, "jdbc-url", env, err);
        Path spool = Path.of(a.require("spool")).toAbsolutePath().normalize();
        String slot = slot(a);
        String spec = a.require("repo");
        BackupKeys keys = BackupRepositories.keys(a);
        BackupRepository repository = BackupRepositories.open(spec, BackupCommand.s3Settings(a, env, spec, ""), true,
                keys);
        WalArchiver archiver;
        try {
            WalArchive archive = repository.walArchive().orElseThrow(() -> new IllegalStateException(repository.name()
                    + " keeps no WAL"));
            WalArchiver.Builder builder = url.applyTo(WalArchiver.builder()).archive(archive).spool(spool).slot(slot);
            if (a.flag("synchronous")) {
                builder.synchronous(true);
            }
            archiver = builder.build().start();
        } catch (RuntimeException e) {
            repository.close();
            throw e;
        }
        err.println("archiving the WAL of " + url.host + ":" + url.port + " on slot " + slot + " into "
                + repository.name() + (keys == null ? "" : " (encrypted)") + ", spool " + spool
                + (a.flag("synchronous") ? ", synchronous" : "") + "; SIGTERM or Ctrl-C stops it");
        err.flush();
        CountDownLatch stopped = Cli.stopOnSignal("infrakit-wal-shutdown", () -> {
            archiver.close(); // stops pg_receivewal, stores what it received, the segment in progress as .partial
            err.println("stopped: " + archiver.status().archived() + " segments archived since start"
                    + lastPartial(repository).map(p -> "; the segment in progress stored as " + p).orElse(""));
            repository.close();
        }, out, err);
        long reported = 0;
        String lastError = null;
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            WalArchiver.Status status = archiver.status();
            if (status.archived() > reported) {
                reported = status.archived();
                err.println("archived " + status.lastArchived().orElse("?") + " (" + reported + " since start)");
            }
            String error = status.lastError().orElse(null);
            if (error != null && !error.equals(lastError) && !status.standingBy()) {
                // The library logs it too; this line says it is still running and retrying.
                err.println("not archiving: " + error + " (retrying)");
            }
            lastError = error;
        }
        return 0;
    }

    private static Optional<String> lastPartial(BackupRepository repository) {
        try {
            return repository.walArchive().orElseThrow().list().stream().map(WalArchive.WalSegment::name)
                    .filter(n -> n.endsWith(".partial")).max(Comparator.naturalOrder());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code backup wal status}. */
    static int status(Args a, Map<String, String> env, PrintStream out, PrintStream err) throws IOException {
        Optional<JdbcUrl> url = JdbcUrl.from(a, "jdbc-url", env, err);
        if (url.isEmpty() && a.fromCommandLine("slot")) {
            throw new Args.UsageException("--slot names a slot on the server: give --jdbc-url too");
        }
        String slot = slot(a);
        try (BackupRepository repo = BackupCommand.existing(a, env, err)) {
            WalArchive archive = repo.walArchive().orElseThrow(() -> new IllegalStateException(repo.name()
                    + " keeps no WAL"));
            List<WalArchive.WalSegment> files = archive.list();
            List<String> segments = files.stream().map(WalArchive.WalSegment::name)
                    .filter(n -> SEGMENT.matcher(n).matches()).sorted().toList();
            out.println("archive: " + repo.name());
            boolean sized = files.stream().allMatch(f -> f.size() >= 0);
            long bytes = files.stream().mapToLong(WalArchive.WalSegment::size).sum();
            out.println("segments: " + segments.size() + (segments.isEmpty() ? "" : ", " + segments.get(0) + " to "
                    + segments.get(segments.size() - 1)) + "; " + files.size() + " files, " + (sized ? bytes + " bytes"
                    : "size unknown (an encrypted archive's sizes are known only when read)"));
            out.println("partial: " + files.stream().map(WalArchive.WalSegment::name).filter(n -> n.endsWith(".partial"))
                    .max(Comparator.naturalOrder()).orElse("none"));
            List<Manifest> bases = repo.list().stream()
                    .filter(m -> m.artifact(PostgresBaseBackupSource.BASE_ARTIFACT).isPresent())
                    .sorted(Comparator.comparing(Manifest::started)).toList();
            out.println("base backups: " + bases.size());
            for (Manifest m : bases) {
                out.println("  " + m.id() + "  " + m.status() + "  started " + m.started() + m.ended().map(e -> "  ended "
                        + e).orElse("") + m.drill().map(d -> "  drill " + (d.passed() ? "passed" : "FAILED")).orElse(""));
            }
            if (url.isPresent()) {
                JdbcUrl server = url.get();
                out.println(slotState(server, slot));
            }
        }
        return 0;
    }

    /**
     * The slot's line: active or not and the WAL it holds back on the server.
     *
     * @throws IllegalStateException if the server cannot be reached, or has no such slot
     */
    private static String slotState(JdbcUrl server, String slot) {
        String where = server.host + ":" + server.port;
        try (Connection c = DriverManager.getConnection(server.poolUrl(), properties(server));
                PreparedStatement query = c.prepareStatement("SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), "
                        + "restart_lsn)::bigint, pg_walfile_name(pg_current_wal_lsn()) FROM pg_replication_slots "
                        + "WHERE slot_name = ?")) {
            query.setString(1, slot);
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("the replication slot " + slot + " does not exist on " + where
                            + ": no WAL is kept for the archive (backup wal start --slot " + slot + " creates it)");
                }
                boolean active = rs.getBoolean(1);
                long retained = rs.getLong(2);
                boolean reserved = !rs.wasNull();
                String writing = rs.getString(3);
                return "slot " + slot + " on " + where + ": " + (active ? "active" : "INACTIVE (no archiver is "
                        + "receiving)") + ", " + (reserved ? retained + " bytes of WAL retained" : "no WAL reserved")
                        + "; the server writes " + writing;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the replication slot " + slot + " on " + where + ": "
                    + e.getMessage(), e);
        }
    }

    private static Properties properties(JdbcUrl url) {
        Properties props = new Properties();
        props.setProperty("user", url.user);
        if (url.password != null) {
            props.setProperty("password", url.password);
        }
        props.setProperty("connectTimeout", "30");
        return props;
    }

    /** Where a point-in-time restore stops: {@code --to-time}, {@code --to-lsn} or the end of the archive. */
    static PointInTimeRestore.Target target(Args a) {
        Optional<String> time = a.get("to-time");
        Optional<String> lsn = a.get("to-lsn");
        if (time.isPresent() && lsn.isPresent()) {
            throw new Args.UsageException("give --to-time or --to-lsn, not both");
        }
        if (time.isPresent()) {
            try {
                return PointInTimeRestore.Target.time(OffsetDateTime.parse(time.get()).toInstant());
            } catch (DateTimeParseException e) {
                throw new Args.UsageException("--to-time is an ISO-8601 time with its offset, such as "
                        + "2026-12-07T09:30:00Z or 2026-12-07T10:30:00.250+01:00");
            }
        }
        if (lsn.isPresent()) {
            try {
                return PointInTimeRestore.Target.lsn(lsn.get());
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("--to-lsn is a WAL position such as 0/3000060 (as pg_current_wal_lsn() "
                        + "shows it)");
            }
        }
        return PointInTimeRestore.Target.latest();
    }

    /**
     * {@code backup restore --data-dir}: the base backup and the WAL after it into a new data directory,
     * replayed to the target and promoted, then stopped.
     */
    static int restore(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        for (String dumpOnly : List.of("target-url", "target-url-file")) {
            if (a.fromCommandLine(dumpOnly)) {
                throw new Args.UsageException("--data-dir (a point-in-time restore into a new data directory) does not "
                        + "take --" + dumpOnly + ": that restores a dump into a database");
            }
        }
        for (String dumpOnly : List.of("create", "clean", "allow-privileged-role")) {
            if (a.flag(dumpOnly)) {
                throw new Args.UsageException("--data-dir (a point-in-time restore into a new data directory) does not "
                        + "take --" + dumpOnly + ": it is for a restore of a dump with --target-url");
            }
        }
        PointInTimeRestore.Target target = target(a);
        Path dataDir = Path.of(a.require("data-dir")).toAbsolutePath().normalize();
        Optional<String> osUser = a.get("os-user");
        if (osUser.isPresent() && (!OS_USER.matcher(osUser.get()).matches() || osUser.get().equals("root"))) {
            throw new Args.UsageException("--os-user is the name of an unprivileged OS user, such as postgres");
        }
        JdbcUrl role = JdbcUrl.from(a, "jdbc-url", env, err).orElseThrow(() -> new Args.UsageException("--data-dir "
                + "needs --jdbc-url (or --jdbc-url-file FILE, or INFRAKIT_JDBC_URL): a role and database of the "
                + "backed-up server, to see the restored server promoted; the host and port are not used"));
        try (BackupRepository repo = BackupCommand.existing(a, env, err)) {
            Manifest base = a.get("id").isPresent()
                    ? repo.find(a.get("id").get()).orElseThrow(() -> new IllegalStateException("no backup "
                            + a.get("id").get() + " in " + repo.name()))
                    : PointInTimeRestore.chooseBaseBackup(repo, target);
            BackupCommand.requireReadable(base);
            err.println("restoring base backup " + base.id() + " and the archived WAL to " + target + " into " + dataDir
                    + " …");
            long start = System.nanoTime();
            PointInTimeRestore.Builder restore = PointInTimeRestore.builder().repository(repo).backup(base.id())
                    .target(target).dataDirectory(dataDir).timeout(REPLAY_TIMEOUT);
            osUser.ifPresent(restore::osUser);
            String recovered;
            try (PointInTimeRestore.RestoredServer server = restore.build().restore()) {
                err.println("replaying the WAL on a server started on 127.0.0.1:" + server.port() + " …");
                server.awaitPromoted(role.database, role.user, role.password, REPLAY_TIMEOUT);
                recovered = recoveredPoint(server.port(), role);
                err.printf("promoted in %.1f s; stopping it%n", (System.nanoTime() - start) / 1e9);
            }
            out.println("restored base backup " + base.id() + " into " + dataDir + ": " + recovered);
            String user = osUser.orElse("root".equals(System.getProperty("user.name")) ? "postgres" : null);
            String pgCtl = "pg_ctl -D " + dataDir + " -l " + dataDir.resolve("postgresql.log") + " start";
            out.println("start it with: " + (user == null ? pgCtl : "runuser -u " + user + " -- " + pgCtl));
            err.println("it keeps the backed-up server's settings (postgresql.conf: port, listen_addresses, …) and "
                    + "pg_hba.conf: check them before starting it; " + dataDir.getFileName() + ".wal beside it (the WAL "
                    + "staged for the replay) is no longer needed");
        }
        return 0;
    }

    /** The last transaction the restored server replayed, and where the replay ended. */
    private static String recoveredPoint(int port, JdbcUrl role) {
        Properties props = new Properties();
        props.setProperty("user", role.user);
        if (role.password != null) {
            props.setProperty("password", role.password);
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/"
                + java.net.URLEncoder.encode(role.database, java.nio.charset.StandardCharsets.UTF_8), props);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_last_xact_replay_timestamp(), pg_last_wal_replay_lsn()::text")) {
            rs.next();
            OffsetDateTime last = rs.getObject(1, OffsetDateTime.class);
            String lsn = rs.getString(2);
            return last == null ? "no transaction replayed after the base backup (replay ended at LSN " + lsn + ")"
                    : "recovered to " + last.toInstant() + ", LSN " + lsn;
        } catch (SQLException e) {
            throw new IllegalStateException("the restored server was promoted but cannot be read: " + e.getMessage(), e);
        }
    }

    /** {@code backup drill --pitr}. */
    static int drill(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        if (!a.flag("pitr")) {
            throw new Args.UsageException("backup drill is the point-in-time drill of a base backup: give --pitr (the "
                    + "drill of a dump is backup verify --drill)");
        }
        JdbcUrl role = JdbcUrl.require(a, "jdbc-url", env, err);
        PointInTimeDrill.Builder drill = PointInTimeDrill.builder().user(role.user).database(role.database)
                .timeout(REPLAY_TIMEOUT);
        if (role.password != null) {
            drill.password(role.password);
        }
        for (String check : a.all("check")) {
            int eq = check.indexOf('=');
            if (eq <= 0 || check.substring(eq + 1).isBlank()) {
                throw new Args.UsageException("--check is NAME=SQL, such as rows=SELECT count(*) > 0 FROM orders");
            }
            try {
                drill.check(check.substring(0, eq).strip(), check.substring(eq + 1));
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new Args.UsageException("--check: " + e.getMessage());
            }
        }
        a.get("work-dir").ifPresent(d -> drill.workDirectory(Path.of(d)));
        try (BackupRepository repo = BackupCommand.existing(a, env, err)) {
            Manifest base = a.get("id").isPresent()
                    ? repo.find(a.get("id").get()).orElseThrow(() -> new IllegalStateException("no backup "
                            + a.get("id").get() + " in " + repo.name()))
                    : repo.list().stream().filter(m -> m.status() == BackupStatus.VERIFIED
                            && m.artifact(PostgresBaseBackupSource.BASE_ARTIFACT).isPresent())
                            .max(Comparator.comparing(Manifest::started))
                            .orElseThrow(() -> new IllegalStateException("no verified base backup in " + repo.name()
                                    + " (backup base takes one)"));
            if (base.artifact(PostgresBaseBackupSource.BASE_ARTIFACT).isEmpty()) {
                throw new IllegalStateException("backup " + base.id() + " is not a base backup (backup base takes one; "
                        + "the drill of a dump is backup verify --drill)");
            }
            BackupCommand.requireReadable(base);
            err.println("restoring base backup " + base.id() + " and all the WAL archived since on a server of its own …");
            DrillResult result = drill.build().run(repo, base);
            repo.update(base.withDrill(result));
            out.println((result.passed() ? "drill passed: " : "drill FAILED: ") + result.detail());
            out.println("recovery time (RTO): " + result.restoreTime().toMillis() / 1000.0 + " s");
            out.println("recovery point: " + result.recoveredTo().map(t -> t + " (" + Duration.between(t, result.at())
                    .toMillis() / 1000.0 + " s before the drill began)").orElse("no transaction after the base backup"));
            return result.passed() ? 0 : 1;
        }
    }
}
