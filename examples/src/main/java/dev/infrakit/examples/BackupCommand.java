package dev.infrakit.examples;

import dev.infrakit.backup.BackupCopier;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupSource;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.DirectorySource;
import dev.infrakit.backup.DrillResult;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.PostgresBackupSource;
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
 * {@code backup run|list|verify|restore|prune}: the backup runner from the command line. {@code run}
 * backs up a PostgreSQL database ({@code --jdbc-url}, pg_dump) or a directory ({@code --directory},
 * tar.gz); {@code restore} creates a missing target database only with {@code --create}.
 */
final class BackupCommand {
    static final String USAGE = String.join("\n",
            "  backup run --jdbc-url URL --repo DIR [--offsite DIR] [--kind daily|weekly|manual]",
            "  backup run --directory DIR --repo DIR [--offsite DIR] [--kind daily|weekly|manual]   (a tar.gz archive)",
            "  backup list --repo DIR",
            "  backup verify --repo DIR [--id ID] [--drill (--throwaway-server | --scratch-url URL [--allow-privileged-role])]",
            "         (--scratch-url's role: NOSUPERUSER NOCREATEROLE CREATEDB, member of no role, owning no database;",
            "         --throwaway-server restores on a PostgreSQL server started for the drill from initdb)",
            "  backup restore --repo DIR --id ID --target-url URL [--create] [--clean] [--allow-privileged-role]",
            "         (a missing target database is created only with --create, one with tables is replaced only",
            "         with --clean; a superuser or CREATEROLE role is refused without --allow-privileged-role)",
            "  backup prune --repo DIR [--dry-run] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]");

    private BackupCommand() {
    }

    /** {@code backup} and its subcommands. */
    static Cli.Command command() {
        String repo = "The backup repository directory.";
        return new Cli.Command("backup", USAGE, null)
                .sub(new Cli.Command("run", lines(0, 2), (a, env, in, out, err) -> backup(a, env, out, err))
                        .value("jdbc-url", "URL", "Back up this PostgreSQL database (pg_dump).")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("directory", "DIR", "Back up this directory as a tar.gz archive.")
                        .value("repo", "DIR", repo + " Created when missing.")
                        .value("offsite", "DIR", "Also copy the backup here and verify the copy.")
                        .value("kind", "KIND", "daily, weekly or manual (default manual)."))
                .sub(new Cli.Command("list", lines(2, 3), (a, env, in, out, err) -> list(a, out))
                        .value("repo", "DIR", repo))
                .sub(new Cli.Command("verify", lines(3, 6), (a, env, in, out, err) -> verify(a, env, out, err))
                        .value("repo", "DIR", repo)
                        .value("id", "ID", "The backup to verify (default the newest complete one).")
                        .flag("drill", "Also restore it and compare tables and row counts with the manifest.")
                        .flag("throwaway-server", "Drill on a PostgreSQL server started for the drill alone.")
                        .value("scratch-url", "URL", "Drill on this server (its maintenance database).")
                        .value("scratch-url-file", "FILE", "The --scratch-url from the first line of FILE.")
                        .flag("allow-privileged-role", "Let a superuser or CREATEROLE role drill."))
                .sub(new Cli.Command("restore", lines(6, 9), (a, env, in, out, err) -> restore(a, env, out, err))
                        .value("repo", "DIR", repo)
                        .value("id", "ID", "The backup to restore.")
                        .value("target-url", "URL", "Restore into this database.")
                        .value("target-url-file", "FILE", "The --target-url from the first line of FILE.")
                        .flag("create", "Create the target database when it does not exist.")
                        .flag("clean", "Drop and replace the backup's objects in a target that has tables.")
                        .flag("allow-privileged-role", "Let a superuser or CREATEROLE role restore."))
                .sub(new Cli.Command("prune", lines(9, 10), (a, env, in, out, err) -> prune(a, out))
                        .value("repo", "DIR", repo)
                        .flag("dry-run", "List what would be deleted; delete nothing.")
                        .value("keep-daily", "N", "Newest backup of each of the last N days (default 30).")
                        .value("keep-weekly", "N", "Newest backup of each of the last N ISO weeks (default 12).")
                        .value("keep-monthly", "N", "Newest backup of each of the last N months (default 0)."));
    }

    /** Lines {@code from} (inclusive) to {@code to} (exclusive) of {@link #USAGE}: one subcommand's. */
    private static String lines(int from, int to) {
        return String.join("\n", List.of(USAGE.split("\n")).subList(from, to));
    }

    /** The repository a run writes to (created if missing). */
    private static LocalBackupRepository repository(Args a) {
        return LocalBackupRepository.open(Path.of(a.require("repo")));
    }

    /** A repository that must exist (list, verify, restore, prune never create one from a typo). */
    private static LocalBackupRepository existing(Args a) {
        Path dir = Path.of(a.require("repo"));
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new IllegalStateException("no backup repository at " + dir);
        }
        return LocalBackupRepository.open(dir);
    }

    private static int backup(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        boolean database = a.get("jdbc-url").isPresent() || a.get("jdbc-url-file").isPresent();
        if (database == a.get("directory").isPresent()) {
            throw new Args.UsageException("backup run needs --jdbc-url URL (a PostgreSQL database) or --directory DIR "
                    + "(a directory, as tar.gz), one of them");
        }
        BackupKind kind;
        try {
            kind = BackupKind.valueOf(a.get("kind").orElse("manual").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--kind is daily, weekly or manual, got '" + a.get("kind").orElse("") + "'");
        }
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
        BackupRunner.Builder runner = BackupRunner.builder(source, repository(a)).retention(RetentionPolicy.keepAll());
        a.get("offsite").ifPresent(dir -> runner.offsite(LocalBackupRepository.open(Path.of(dir))));
        err.println("backing up " + what + " …");
        long start = System.nanoTime();
        Manifest m = runner.build().run(kind);
        err.printf("done in %.1f s%n", (System.nanoTime() - start) / 1e9);
        out.println(m.id() + " " + m.status() + " " + m.size() + " bytes");
        return 0;
    }

    private static int list(Args a, PrintStream out) {
        for (Manifest m : existing(a).list()) {
            out.println(describe(m));
        }
        return 0;
    }

    static String describe(Manifest m) {
        return m.id() + "  " + m.status() + "  " + m.kind().name().toLowerCase(Locale.ROOT) + "  " + m.started() + "  "
                + m.size() + " bytes" + m.drill().map(d -> "  drill " + (d.passed() ? "passed" : "FAILED") + " in "
                        + d.restoreTime().toMillis() / 1000.0 + " s").orElse("")
                + m.failure().map(f -> "  (" + f + ")").orElse("");
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
        LocalBackupRepository repo = existing(a);
        Manifest m = chosen(repo, a);
        List<String> problems = BackupCopier.create().verify(repo, m.id());
        if (!problems.isEmpty()) {
            out.println("FAILED: " + m.id() + ": " + String.join("; ", problems));
            return 1;
        }
        out.println("checksums OK: " + m.id() + " (" + m.artifacts().size() + " artifacts, " + m.size() + " bytes)");
        if (a.flag("drill")) {
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
        String id = a.require("id");
        JdbcUrl target = JdbcUrl.require(a, "target-url", env, err);
        LocalBackupRepository repo = existing(a);
        if (repo.find(id).isEmpty()) {
            throw new IllegalStateException("no backup " + id + " in " + repo.name());
        }
        checkTarget(target, id, a.flag("create"), a.flag("clean"));
        PostgresRestore.Builder restore = target.applyTo(PostgresRestore.builder())
                .allowPrivilegedRole(a.flag("allow-privileged-role"));
        err.println("restoring " + id + " into " + target.database + " …");
        Duration took = restore.build().restoreInto(repo, id, target.database, a.flag("clean"));
        out.println("restored " + id + " into " + target.database + " in " + took.toMillis() / 1000.0 + " s");
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

    private static int prune(Args a, PrintStream out) {
        int daily = nonNegative(a, "keep-daily", 30);
        int weekly = nonNegative(a, "keep-weekly", 12);
        int monthly = nonNegative(a, "keep-monthly", 0);
        LocalBackupRepository repo = existing(a);
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
