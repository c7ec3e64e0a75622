package dev.infrakit.examples;

import dev.infrakit.backup.BackupCopier;
import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupSource;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.DirectorySource;
import dev.infrakit.backup.DrillResult;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.PostgresBackupSource;
import dev.infrakit.backup.PostgresBaseBackupSource;
import dev.infrakit.backup.PostgresRestore;
import dev.infrakit.backup.RestoreDrill;
import dev.infrakit.backup.RetentionPolicy;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code backup run|list|verify|restore|prune|new-key|base|wal|drill}: the backup runner from the
 * command line. {@code run} backs up a PostgreSQL database ({@code --jdbc-url}, pg_dump) or a
 * directory ({@code --directory}, tar.gz); {@code restore} creates a missing target database only
 * with {@code --create}, or, with {@code --data-dir}, restores a base backup to a point in time. The
 * continuous backup commands ({@code wal}, {@code drill}, the point-in-time restore) are in
 * {@link ContinuousBackupCommand}.
 */
final class BackupCommand {
    static final String USAGE = String.join("\n",
            "  backup run --jdbc-url URL --repo REPO [--offsite REPO] [--kind daily|weekly|manual] [KEYS] [S3]",
            "  backup run --directory DIR --repo REPO [--offsite REPO] [--kind daily|weekly|manual] [KEYS] [S3]   (tar.gz)",
            "  backup list --repo REPO [KEYS] [S3]",
            "  backup verify --repo REPO [--id ID] [--drill (--throwaway-server | --scratch-url URL [--allow-privileged-role])]",
            "         (--scratch-url's role: NOSUPERUSER NOCREATEROLE CREATEDB, member of no role, owning no database;",
            "         --throwaway-server restores on a PostgreSQL server started for the drill from initdb)",
            "  backup restore --repo REPO --id ID --target-url URL [--create] [--clean] [--allow-privileged-role]",
            "         (a missing target database is created only with --create, one with tables is replaced only",
            "         with --clean; a superuser or CREATEROLE role is refused without --allow-privileged-role)",
            "  backup restore --repo REPO --data-dir DIR --jdbc-url URL [--to-time ISO-8601 | --to-lsn X/Y] [--id BASE_ID]",
            "         [--os-user postgres] [KEYS] [S3]   (point in time: a base backup and the archived WAL into a NEW",
            "         data directory, replayed, promoted and stopped; --jdbc-url names the lost server's role and database)",
            "  backup prune --repo REPO [--dry-run] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]",
            "  backup new-key --encrypt-key-file FILE --id ID   (a new current key; the older ones stay for reading)",
            "  backup base --jdbc-url URL --repo REPO [--offsite REPO] [--kind daily|weekly|manual] [KEYS] [S3]",
            "         (the whole server with pg_basebackup, the base of point-in-time recovery; REPLICATION needed)",
            "  backup wal start --jdbc-url URL --repo REPO --spool DIR [--slot infrakit_wal] [--synchronous] [KEYS] [S3]",
            "         (continuous WAL archiving in the foreground until SIGTERM or Ctrl-C; REPLICATION needed)",
            "  backup wal status --repo REPO [--jdbc-url URL [--slot infrakit_wal]] [KEYS] [S3]",
            "  backup drill --pitr --repo REPO --jdbc-url URL [--id BASE_ID] [--check NAME=SQL]... [--work-dir DIR]",
            "         [KEYS] [S3]   (restores a base backup and all archived WAL on a server of its own, then deletes it)",
            "  REPO: a directory or s3://bucket/prefix; S3: [--s3-endpoint URL] [--s3-region R] [--s3-path-style]",
            "        [--s3-checksums-when-required], credentials AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the",
            "        AWS default chain; KEYS: --encrypt-key-file FILE or --master-key-file FILE (serve's key):",
            "        run encrypts the --offsite copy (without --offsite, the --repo); the others read --repo with them");

    private BackupCommand() {
    }

    /** {@code backup} and its subcommands. */
    static Cli.Command command() {
        String repo = "The backup repository: a directory or s3://bucket/prefix.";
        return new Cli.Command("backup", USAGE, null)
                .sub(options(new Cli.Command("run", lines(0, 2), (a, env, in, out, err) -> backup(a, env, out, err))
                        .value("jdbc-url", "URL", "Back up this PostgreSQL database (pg_dump).")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("directory", "DIR", "Back up this directory as a tar.gz archive.")
                        .value("repo", "REPO", repo + " Created when missing.")
                        .value("offsite", "REPO", "Also copy the backup here and verify the copy.")
                        .value("kind", "KIND", "daily, weekly or manual (default manual).")))
                .sub(options(new Cli.Command("list", lines(2, 3), (a, env, in, out, err) -> list(a, env, out, err))
                        .value("repo", "REPO", repo)))
                .sub(options(new Cli.Command("verify", lines(3, 6), (a, env, in, out, err) -> verify(a, env, out, err))
                        .value("repo", "REPO", repo)
                        .value("id", "ID", "The backup to verify (default the newest complete one).")
                        .flag("drill", "Also restore it and compare tables and row counts with the manifest.")
                        .flag("throwaway-server", "Drill on a PostgreSQL server started for the drill alone.")
                        .value("scratch-url", "URL", "Drill on this server (its maintenance database).")
                        .value("scratch-url-file", "FILE", "The --scratch-url from the first line of FILE.")
                        .flag("allow-privileged-role", "Let a superuser or CREATEROLE role drill.")))
                .sub(options(new Cli.Command("restore", lines(6, 12), (a, env, in, out, err) -> restore(a, env, out, err))
                        .value("repo", "REPO", repo)
                        .value("id", "ID", "The backup to restore (with --data-dir: the base backup, default the newest "
                                + "verified one that ended before the target).")
                        .value("target-url", "URL", "Restore into this database.")
                        .value("target-url-file", "FILE", "The --target-url from the first line of FILE.")
                        .flag("create", "Create the target database when it does not exist.")
                        .flag("clean", "Drop and replace the backup's objects in a target that has tables.")
                        .flag("allow-privileged-role", "Let a superuser or CREATEROLE role restore.")
                        .value("data-dir", "DIR", "Point-in-time restore of a base backup into this new (or empty) data "
                                + "directory; the archived WAL is staged beside it in DIR.wal.")
                        .value("to-time", "ISO-8601", "Recover the transactions committed up to this time, such as "
                                + "2026-12-07T09:30:00Z (default: all archived WAL).")
                        .value("to-lsn", "X/Y", "Recover up to this WAL position, such as 0/3000060.")
                        .value("jdbc-url", "URL", "With --data-dir: a role (and its database) of the backed-up server, "
                                + "to see the restored server promoted; its host and port are not used.")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("os-user", "USER", "With --data-dir, run as root: the OS user the restored server runs as "
                                + "(default postgres).")))
                .sub(options(new Cli.Command("prune", lines(12, 13), (a, env, in, out, err) -> prune(a, env, out, err))
                        .value("repo", "REPO", repo)
                        .flag("dry-run", "List what would be deleted; delete nothing.")
                        .value("keep-daily", "N", "Newest backup of each of the last N days (default 30).")
                        .value("keep-weekly", "N", "Newest backup of each of the last N ISO weeks (default 12).")
                        .value("keep-monthly", "N", "Newest backup of each of the last N months (default 0).")))
                .sub(options(new Cli.Command("base", lines(14, 16), (a, env, in, out, err) -> base(a, env, out, err))
                        .value("jdbc-url", "URL", "The PostgreSQL server to back up whole (its user needs REPLICATION).")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("repo", "REPO", repo + " Created when missing.")
                        .value("offsite", "REPO", "Also copy the backup here and verify the copy.")
                        .value("kind", "KIND", "daily, weekly or manual (default manual).")))
                .sub(new Cli.Command("new-key", lines(13, 14), (a, env, in, out, err) -> newKey(a, out))
                        .value("encrypt-key-file", "FILE", "The key file (created owner-only when missing).")
                        .value("id", "ID", "The new key's id: letters, digits, . _ - (e.g. 2026-12)."))
                .sub(ContinuousBackupCommand.wal(lines(16, 19), lines(16, 18), lines(18, 19)))
                .sub(ContinuousBackupCommand.drill(lines(19, 21)));
    }

    static Cli.Command options(Cli.Command command) {
        return BackupRepositories.keyOptions(BackupRepositories.s3Options(command));
    }

    /** Lines {@code from} (inclusive) to {@code to} (exclusive) of {@link #USAGE}: one subcommand's. */
    static String lines(int from, int to) {
        return String.join("\n", List.of(USAGE.split("\n")).subList(from, to));
    }

    /**
     * A repository that must exist (list, verify, restore, prune never create a directory from a
     * typo), read with the command's keys.
     */
    static BackupRepository existing(Args a, Map<String, String> env, PrintStream err) {
        String repo = a.require("repo");
        return BackupRepositories.open(repo, s3Settings(a, env, repo, ""), false, BackupRepositories.keys(a));
    }

    /** The S3 settings, refused when none of the repositories is in S3. */
    static BackupRepositories.S3Settings s3Settings(Args a, Map<String, String> env, String repo, String offsite) {
        BackupRepositories.check(repo, "repo");
        if (!offsite.isEmpty()) {
            BackupRepositories.check(offsite, "offsite");
        }
        BackupRepositories.S3Settings s3 = BackupRepositories.S3Settings.from(a, env);
        if (s3.given() && !repo.startsWith("s3://") && !offsite.startsWith("s3://")) {
            throw new Args.UsageException("the --s3-* options are for s3:// repositories");
        }
        return s3;
    }

    private static int backup(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        boolean database = a.get("jdbc-url").isPresent() || a.get("jdbc-url-file").isPresent();
        if (database == a.get("directory").isPresent()) {
            throw new Args.UsageException("backup run needs --jdbc-url URL (a PostgreSQL database) or --directory DIR "
                    + "(a directory, as tar.gz), one of them");
        }
        BackupKind kind = kind(a);
        BackupSource source;
        String what;
        if (database) {
            JdbcUrl url = JdbcUrl.require(a, "jdbc-url", env, err);
            source = url.applyTo(PostgresBackupSource.builder()).database(url.database).build();
            what = url.database + " on " + url.host + ":" + url.port;
        } else {
            Path dir = Path.of(a.require("directory"));
            if (!Files.isDirectory(dir)) {
                throw new Args.UsageException("--directory " + dir + " is not a directory");
            }
            source = DirectorySource.builder(dir).build();
            what = "the directory " + dir.toAbsolutePath().normalize();
        }
        return runInto(source, what, kind, a, env, out, err);
    }

    /** {@code backup base}: the whole server with pg_basebackup. */
    private static int base(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        JdbcUrl url = JdbcUrl.require(a, "jdbc-url", env, err);
        BackupSource source = url.applyTo(PostgresBaseBackupSource.builder()).build();
        return runInto(source, "the server " + url.host + ":" + url.port + " (pg_basebackup)", kind(a), a, env, out, err);
    }

    private static BackupKind kind(Args a) {
        try {
            return BackupKind.valueOf(a.get("kind").orElse("manual").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--kind is daily, weekly or manual, got '" + a.get("kind").orElse("") + "'");
        }
    }

    /** Runs {@code source}'s backup into {@code --repo}, copied to {@code --offsite} when given. */
    private static int runInto(BackupSource source, String what, BackupKind kind, Args a, Map<String, String> env,
            PrintStream out, PrintStream err) {
        BackupKeys keys = BackupRepositories.keys(a);
        boolean offsite = a.get("offsite").isPresent();
        BackupRepositories.S3Settings s3 = s3Settings(a, env, a.require("repo"), a.get("offsite").orElse(""));
        try (BackupRepository repository = BackupRepositories.open(a.require("repo"), s3, true, offsite ? null : keys);
                BackupRepository copy = offsite ? BackupRepositories.open(a.get("offsite").get(), s3, true, keys)
                        : null) {
            BackupRunner.Builder runner = BackupRunner.builder(source, repository).retention(RetentionPolicy.keepAll());
            if (copy != null) {
                runner.offsite(copy);
            }
            err.println("backing up " + what + " …");
            long start = System.nanoTime();
            Manifest m = runner.build().run(kind);
            err.printf("done in %.1f s%n", (System.nanoTime() - start) / 1e9);
            if (copy != null) {
                err.println("copied to " + copy.name() + " and verified there");
            }
            out.println(m.id() + " " + m.status() + " " + m.size() + " bytes"); // stdout: the result alone
        }
        return 0;
    }

    private static int list(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        try (BackupRepository repo = existing(a, env, err)) {
            for (Manifest m : repo.list()) {
                out.println(describe(m));
            }
        }
        return 0;
    }

    private static int newKey(Args a, PrintStream out) {
        Path file = Path.of(a.require("encrypt-key-file"));
        try {
            String id = BackupRepositories.newKey(file, a.require("id"));
            out.println("added key " + id + " to " + file + " as the current key; keep a copy of the file apart from "
                    + "the backups: without it they cannot be read");
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--id: " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write the key file " + file + ": " + e.getMessage());
        }
        return 0;
    }

    static String describe(Manifest m) {
        return m.id() + "  " + m.status() + "  " + m.kind().name().toLowerCase(Locale.ROOT) + "  " + m.started() + "  "
                + m.size() + " bytes" + m.drill().map(d -> "  drill " + (d.passed() ? "passed" : "FAILED") + " in "
                        + d.restoreTime().toMillis() / 1000.0 + " s").orElse("")
                + m.failure().map(f -> "  (" + f + ")").orElse("")
                + m.encryptionKeyId().map(k -> "  encrypted under key " + k + " (give its key file to read it)").orElse("");
    }

    /** Refuses to restore or drill a backup listed without its keys: its artifacts are ciphertext. */
    static void requireReadable(Manifest m) {
        if (m.encryptionKeyId().isPresent()) {
            throw new IllegalStateException("backup " + m.id() + " is encrypted under key '" + m.encryptionKeyId().get()
                    + "': give --encrypt-key-file (or --master-key-file for a serve's backups) to read it");
        }
    }

    private static Manifest chosen(BackupRepository repo, Args a) {
        if (a.get("id").isPresent()) {
            return repo.find(a.get("id").get()).orElseThrow(() -> new IllegalStateException("no backup " + a.get("id")
                    .get() + " in " + repo.name()));
        }
        return repo.list().stream().filter(m -> m.status() == BackupStatus.VERIFIED || m.status() == BackupStatus.COMPLETE)
                .max(Comparator.comparing(Manifest::started))
                .orElseThrow(() -> new IllegalStateException("no complete backup in " + repo.name()));
    }

    private static int verify(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        boolean scratchGiven = a.get("scratch-url").isPresent() || a.get("scratch-url-file").isPresent();
        if ((scratchGiven || a.flag("throwaway-server") || a.flag("allow-privileged-role")) && !a.flag("drill")) {
            throw new Args.UsageException("--scratch-url, --throwaway-server and --allow-privileged-role are for --drill");
        }
        if (a.flag("drill") && scratchGiven == a.flag("throwaway-server")) {
            throw new Args.UsageException("--drill needs --scratch-url URL or --throwaway-server (one of them)");
        }
        if (a.flag("throwaway-server") && a.flag("allow-privileged-role")) {
            throw new Args.UsageException("--allow-privileged-role is for --scratch-url; --throwaway-server restores "
                    + "as an unprivileged role of its own");
        }
        try (BackupRepository repo = existing(a, env, err)) {
            return verify(repo, a, env, out, err);
        }
    }

    private static int verify(BackupRepository repo, Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        Manifest m = chosen(repo, a);
        List<String> problems = BackupCopier.create().verify(repo, m.id());
        if (!problems.isEmpty()) {
            out.println("FAILED: " + m.id() + ": " + String.join("; ", problems));
            return 1;
        }
        out.println("checksums OK: " + m.id() + " (" + m.artifacts().size() + " artifacts, " + m.size() + " bytes)");
        if (a.flag("drill")) {
            requireReadable(m);
            RestoreDrill.Builder drill;
            if (a.flag("throwaway-server")) {
                drill = RestoreDrill.builder().onThrowawayServer();
                err.println("restoring " + m.id() + " on a throwaway server …");
            } else {
                JdbcUrl scratch = JdbcUrl.require(a, "scratch-url", env, err);
                drill = scratch.applyTo(RestoreDrill.builder()).maintenanceDatabase(scratch.database)
                        .allowPrivilegedRole(a.flag("allow-privileged-role"));
                err.println("restoring " + m.id() + " into a scratch database …");
            }
            DrillResult result = drill.build().run(repo, m.id());
            repo.update(m.withDrill(result));
            out.println((result.passed() ? "drill passed: " : "drill FAILED: ") + result.detail() + " (restore "
                    + result.restoreTime().toMillis() / 1000.0 + " s)");
            return result.passed() ? 0 : 1;
        }
        return 0;
    }

    private static int restore(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        if (a.get("data-dir").isPresent()) {
            return ContinuousBackupCommand.restore(a, env, out, err);
        }
        for (String pitrOnly : List.of("to-time", "to-lsn", "jdbc-url", "jdbc-url-file", "os-user")) {
            // INFRAKIT_JDBC_URL may be set for the other commands: only a --jdbc-url typed here is refused.
            if (pitrOnly.startsWith("jdbc-url") ? a.fromCommandLine(pitrOnly) : a.get(pitrOnly).isPresent()) {
                throw new Args.UsageException("--" + pitrOnly + " is for a point-in-time restore into a new data "
                        + "directory: give --data-dir DIR (a restore of a dump takes --id and --target-url)");
            }
        }
        String id = a.require("id");
        JdbcUrl target = JdbcUrl.require(a, "target-url", env, err);
        try (BackupRepository repo = existing(a, env, err)) {
            requireReadable(repo.find(id).orElseThrow(() -> new IllegalStateException("no backup " + id + " in "
                    + repo.name())));
            checkTarget(target, id, a.flag("create"), a.flag("clean"));
            PostgresRestore.Builder restore = target.applyTo(PostgresRestore.builder())
                    .allowPrivilegedRole(a.flag("allow-privileged-role"));
            err.println("restoring " + id + " into " + target.database + " …");
            Duration took = restore.build().restoreInto(repo, id, target.database, a.flag("clean"));
            out.println("restored " + id + " into " + target.database + " in " + took.toMillis() / 1000.0 + " s");
        }
        return 0;
    }

    /** User tables as pg_dump sees them: ordinary and partitioned, outside system schemas and extensions. */
    private static final String USER_TABLES = "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' "
            + "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass "
            + "AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1";

    /**
     * Refuses, in the command line's terms, a target database that does not exist (without
     * {@code --create}; the library would create it) or that has tables (without {@code --clean}; the
     * library refuses too, naming its own parameter). The library checks again when it restores.
     */
    private static void checkTarget(JdbcUrl target, String id, boolean create, boolean clean) {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", target.user);
        if (target.password != null) {
            props.setProperty("password", target.password);
        }
        props.setProperty("connectTimeout", "30");
        try (Connection c = DriverManager.getConnection(target.poolUrl(), props);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(USER_TABLES)) {
            List<String> tables = new ArrayList<>();
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
            if (!tables.isEmpty() && !clean) {
                throw new IllegalStateException("Refusing to restore backup " + id + " into database '" + target.database
                        + "': it is not empty (" + tables.size() + " tables, e.g. " + tables.get(0) + "); restore into "
                        + "a new database (--create), or pass --clean to drop and replace the backup's objects");
            }
        } catch (SQLException e) {
            if (!"3D000".equals(e.getSQLState())) {
                throw new IllegalStateException("Cannot connect to database '" + target.database + "' on " + target.host
                        + ":" + target.port + " to check it before restoring: " + e.getMessage(), e);
            }
            if (!create) {
                throw new IllegalStateException("Refusing to restore backup " + id + ": database '" + target.database
                        + "' does not exist on " + target.host + ":" + target.port + "; pass --create to create it, or "
                        + "check --target-url's database name");
            }
        }
    }

    private static int prune(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        int daily = nonNegative(a, "keep-daily", 30);
        int weekly = nonNegative(a, "keep-weekly", 12);
        int monthly = nonNegative(a, "keep-monthly", 0);
        try (BackupRepository repo = existing(a, env, err)) {
            return prune(repo, a, daily, weekly, monthly, out);
        }
    }

    private static int prune(BackupRepository repo, Args a, int daily, int weekly, int monthly, PrintStream out) {
        RetentionPolicy.Plan plan = RetentionPolicy.of(daily, weekly, monthly, 1).plan(repo.list());
        boolean dryRun = a.flag("dry-run");
        for (Manifest m : plan.delete()) {
            if (!dryRun) {
                repo.delete(m.id());
            }
            out.println((dryRun ? "would delete " : "deleted ") + describe(m));
        }
        out.println((dryRun ? "dry run: " : "") + plan.keep().size() + " kept, " + plan.delete().size()
                + (dryRun ? " to delete" : " deleted"));
        return 0;
    }

    private static int nonNegative(Args a, String name, int defaultValue) {
        int n = a.intValue(name, defaultValue);
        if (n < 0) {
            throw new Args.UsageException("--" + name + " cannot be negative");
        }
        return n;
    }
}
