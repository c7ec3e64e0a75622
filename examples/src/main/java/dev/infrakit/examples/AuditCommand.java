package dev.infrakit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.AuditVerifier;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.MasterKey;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code audit verify}: checks the MAC chains of audit logs (files or the PostgreSQL table) and
 * prints {@code OK: <n> records in <k> chains} (exit 0) or {@code TAMPERED: <where> seq <n>: <why>}
 * (exit 1).
 */
final class AuditCommand {
    static final String USAGE = String.join("\n",
            "  audit verify --data-dir DIR                      (the service's audit files; key from DIR/master.key)",
            "  audit verify --key-file FILE PATH...             (audit.log / security.log files or their directories)",
            "  audit verify --jdbc-url URL --master-key-file FILE (the PostgreSQL audit table)");

    /** The purpose the audit chain key is derived for from the master key. */
    static final String CHAIN_KEY_PURPOSE = "infrakit audit chain";

    private AuditCommand() {
    }

    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !args.get(0).equals("verify")) {
            throw new Args.UsageException("audit needs the subcommand verify");
        }
        Args a = Args.parse(args.subList(1, args.size()), Set.of("data-dir", "key-file", "jdbc-url", "master-key-file"),
                Set.of(), env);
        if (a.get("jdbc-url").isPresent()) {
            return table(a, out);
        }
        byte[] key;
        List<Path> sets = new ArrayList<>();
        if (a.get("data-dir").isPresent()) {
            Path dir = Path.of(a.get("data-dir").get());
            key = chainKey(MasterKey.fromFile(dir.resolve("master.key")));
            sets.add(dir.resolve("audit"));
        } else if (a.get("key-file").isPresent()) {
            key = keyFile(Path.of(a.get("key-file").get()));
            if (a.positional().isEmpty()) {
                throw new Args.UsageException("audit verify --key-file needs the log files or directories to check");
            }
            for (String p : a.positional()) {
                sets.add(Path.of(p));
            }
        } else {
            throw new Args.UsageException("audit verify needs --data-dir, --key-file or --jdbc-url");
        }
        long records = 0;
        int chains = 0;
        for (Path target : sets) {
            List<Path[]> logs = logs(target);
            for (Path[] log : logs) {
                AuditVerifier.Result r = AuditVerifier.verifyFiles(log[0], log[1].toString(), key);
                if (!r.ok()) {
                    out.println("TAMPERED: " + log[0].resolve(log[1]) + " seq " + r.firstBadSequence().orElse(-1) + ": "
                            + r.problem() + " (" + r.detail() + ")");
                    return 1;
                }
                records += r.recordsChecked();
                chains++;
            }
        }
        out.println("OK: " + records + " records in " + chains + " chains");
        return 0;
    }

    /** The (directory, base name) of each log set to check under {@code target}. */
    private static List<Path[]> logs(Path target) {
        List<Path[]> logs = new ArrayList<>();
        if (Files.isDirectory(target)) {
            for (String base : List.of("audit.log", "security.log")) {
                if (Files.exists(target.resolve(base))) {
                    logs.add(new Path[] {target, Path.of(base)});
                }
            }
            if (logs.isEmpty()) {
                throw new IllegalStateException("no audit.log or security.log in " + target);
            }
        } else if (Files.isRegularFile(target)) {
            String base = target.getFileName().toString().replaceAll("\\.\\d+$", "");
            Path dir = target.toAbsolutePath().getParent();
            logs.add(new Path[] {dir, Path.of(base)});
        } else {
            throw new IllegalStateException("cannot read " + target);
        }
        return logs;
    }

    private static int table(Args a, PrintStream out) {
        JdbcUrl url = JdbcUrl.parse("jdbc-url", a.require("jdbc-url"));
        byte[] key = chainKey(MasterKey.fromFile(Path.of(a.require("master-key-file"))));
        Map<String, String> pool = new HashMap<>(Map.of("url", "jdbc:postgresql://" + url.host + ":" + url.port + "/"
                + url.database, "username", url.user, "pool-size", "1"));
        if (url.password != null) {
            pool.put("password", url.password);
        }
        try (HikariDataSource ds = DataSources.create(Config.of(pool))) {
            AuditVerifier.Result r = AuditVerifier.verifyTable(ds, key);
            if (!r.ok()) {
                out.println("TAMPERED: infrakit_audit seq " + r.firstBadSequence().orElse(-1) + ": " + r.problem() + " ("
                        + r.detail() + ")");
                return 1;
            }
            out.println("OK: " + r.recordsChecked() + " records in " + r.chains() + " chains");
            return 0;
        }
    }

    /** The audit chain key a service derives from its master key. */
    static byte[] chainKey(MasterKey master) {
        return master.derive(CHAIN_KEY_PURPOSE);
    }

    private static byte[] keyFile(Path file) {
        try {
            byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
            if (key.length < 32) {
                throw new IllegalStateException("the key in " + file + " has " + key.length + " bytes; at least 32");
            }
            return key;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the key file " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the key file " + file + " does not hold base64");
        }
    }
}
