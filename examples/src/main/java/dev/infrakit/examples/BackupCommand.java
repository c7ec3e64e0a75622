package dev.infrakit.examples;

import dev.infrakit.backup.BackupCopier;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.DrillResult;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.PostgresBackupSource;
import dev.infrakit.backup.PostgresRestore;
import dev.infrakit.backup.RestoreDrill;
import dev.infrakit.backup.RetentionPolicy;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code backup run|list|verify|restore|prune}: the backup runner from the command line. */
final class BackupCommand {
    static final String USAGE = String.join("\n",
            "  backup run --jdbc-url URL --repo DIR [--offsite DIR] [--kind daily|weekly|manual]",
            "  backup list --repo DIR",
            "  backup verify --repo DIR [--id ID] [--drill (--throwaway-server | --scratch-url URL [--allow-privileged-role])]",
            "         (--scratch-url's role: NOSUPERUSER NOCREATEROLE CREATEDB, member of no role, owning no database;",
            "         --throwaway-server restores on a PostgreSQL server started for the drill from initdb)",
            "  backup restore --repo DIR --id ID --target-url URL [--clean] [--allow-privileged-role]",
            "         (a superuser or CREATEROLE role is refused without --allow-privileged-role)",
            "  backup prune --repo DIR [--dry-run] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]");

    private BackupCommand() {
    }

    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            throw new Args.UsageException("backup needs a subcommand: run, list, verify, restore or prune");
        }
        List<String> rest = args.subList(1, args.size());
        switch (args.get(0)) {
            case "run":
                return backup(Args.parse(rest, Set.of("jdbc-url", "jdbc-url-file", "repo", "offsite", "kind"), Set.of(),
                        env), env, out, err);
            case "list":
                return list(Args.parse(rest, Set.of("repo"), Set.of(), env), out);
            case "verify":
                return verify(Args.parse(rest, Set.of("repo", "id", "scratch-url", "scratch-url-file"),
                        Set.of("drill", "throwaway-server", "allow-privileged-role"), env), env, out, err);
            case "restore":
                return restore(Args.parse(rest, Set.of("repo", "id", "target-url", "target-url-file"),
                        Set.of("clean", "allow-privileged-role"), env), env, out, err);
            case "prune":
                return prune(Args.parse(rest, Set.of("repo", "keep-daily", "keep-weekly", "keep-monthly"),
                        Set.of("dry-run"), env), out);
            default:
                throw new Args.UsageException("unknown backup subcommand '" + args.get(0) + "'");
        }
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
        JdbcUrl url = JdbcUrl.require(a, "jdbc-url", env, err);
        BackupKind kind;
        try {
            kind = BackupKind.valueOf(a.get("kind").orElse("manual").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--kind is daily, weekly or manual, got '" + a.get("kind").orElse("") + "'");
        }
        PostgresBackupSource.Builder source = url.applyTo(PostgresBackupSource.builder()).database(url.database);
        BackupRunner.Builder runner = BackupRunner.builder(source.build(), repository(a))
                .retention(RetentionPolicy.keepAll());
        a.get("offsite").ifPresent(dir -> runner.offsite(LocalBackupRepository.open(Path.of(dir))));
        err.println("backing up " + url.database + " on " + url.host + ":" + url.port + " …");
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
        PostgresRestore.Builder restore = target.applyTo(PostgresRestore.builder())
                .allowPrivilegedRole(a.flag("allow-privileged-role"));
        err.println("restoring " + id + " into " + target.database + " …");
        Duration took = restore.build().restoreInto(repo, id, target.database, a.flag("clean"));
        out.println("restored " + id + " into " + target.database + " in " + took.toMillis() / 1000.0 + " s");
        return 0;
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
