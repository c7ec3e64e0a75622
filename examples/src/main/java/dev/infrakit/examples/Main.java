package dev.infrakit.examples;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The Infrakit demo: the service ({@code serve}), backups ({@code backup run|list|verify|restore|prune}, and
 * continuous backup: {@code backup base|wal start|wal status|drill}, {@code backup restore --data-dir}),
 * audit verification ({@code audit verify}), login unlocks ({@code users unlock}), an admin password reset
 * ({@code admin reset-password}) and a load test ({@code loadtest}), parsed by picocli (see {@link Cli}).
 * Results on stdout, logs and progress on stderr; exit 0 on success, 1 on failure with the reason on
 * stderr, 2 on a usage error with the problem and the usage on stderr.
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "usage: java -jar infrakit-examples.jar <command> [flags]",
            "",
            ServeCommand.USAGE,
            BackupCommand.USAGE,
            AuditCommand.USAGE,
            UsersCommand.USAGE,
            AdminCommand.USAGE,
            LoadTestCommand.USAGE,
            "",
            "Every option can also be set as INFRAKIT_ + its name in upper snake case (--keep-daily: INFRAKIT_KEEP_DAILY);",
            "the command line wins. <command> --help (also backup run --help, ...) shows a command's options.",
            "Results on stdout; logs, progress and warnings on stderr. Exit codes: 0 done, 1 failed (the reason on",
            "stderr), 2 usage error (the problem and the usage on stderr).",
            "",
            "Secrets: a URL on the command line is visible to every local user (ps), so give each URL flag",
            "(--jdbc-url, --scratch-url, --target-url) from a file, --jdbc-url-file FILE (its first line), or the",
            "environment, INFRAKIT_JDBC_URL (INFRAKIT_SCRATCH_URL, INFRAKIT_TARGET_URL); a URL without password=",
            "takes PGPASSWORD. A password that arrives on the command line still works, with a warning on stderr.",
            "URLs: jdbc:postgresql://host[:port]/database?user=U[&password=P][&sslmode=M][&sslrootcert=FILE]",
            "[&sslcert=FILE][&sslkey=FILE]; sslmode require, verify-ca or verify-full refuses a server without TLS",
            "before the password is sent (default PGSSLMODE, else prefer), for JDBC and pg_dump/pg_restore alike;",
            "PGSSLROOTCERT, PGSSLCERT and PGSSLKEY apply where the URL names no file; other parameters are refused.");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.getenv(), System.out, System.err));
    }

    /** Runs a command; returns the exit code. */
    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        return run(args, env, System.in, out, err);
    }

    /** Runs a command reading what it reads (a new password) from {@code in}; returns the exit code. */
    static int run(List<String> args, Map<String, String> env, java.io.InputStream in, PrintStream out,
            PrintStream err) {
        return Cli.run(args, env, in, out, err);
    }
}
