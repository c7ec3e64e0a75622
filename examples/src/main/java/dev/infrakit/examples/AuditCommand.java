package dev.infrakit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.AuditVerifier;
import dev.infrakit.audit.CheckpointKeys;
import dev.infrakit.audit.CheckpointStore;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.MasterKey;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code audit verify}: checks the MAC chains of audit logs (files or the PostgreSQL table) and
 * prints {@code OK: <n> records in <k> chains} (exit 0) or {@code TAMPERED: <where> seq <n>: <why>}
 * (exit 1).
 */
final class AuditCommand {
    static final String USAGE = String.join("\n",
            "  audit verify --data-dir DIR                      (the service's audit files; keys and checkpoints",
            "                                                    from DIR unless given below)",
            "  audit verify --key-file FILE PATH...             (audit.log / security.log files or their directories)",
            "  audit verify --jdbc-url URL --master-key-file FILE (the PostgreSQL audit table)",
            "    [--checkpoint-public-key FILE] [--checkpoints FILE] [--no-checkpoints]",
            "    (signed checkpoints reveal records cut off the end; --data-dir needs them unless --no-checkpoints)");

    /** The purpose the audit chain key is derived for from the master key. */
    static final String CHAIN_KEY_PURPOSE = "infrakit audit chain";
    /** The checkpoint signing key's default file name in the data directory. */
    static final String CHECKPOINT_KEY = "audit-checkpoint.key";
    /** The default file name of the checkpoint copies in the data directory. */
    static final String CHECKPOINTS = "audit-checkpoints";

    private AuditCommand() {
    }

    /** The public key file that goes with a checkpoint private key file: the same name with {@code .pub}. */
    static Path publicKeyFile(Path privateKeyFile) {
        String name = privateKeyFile.getFileName().toString();
        return privateKeyFile.resolveSibling((name.endsWith(".key") ? name.substring(0, name.length() - 4) : name) + ".pub");
    }

    /** {@code audit verify}. */
    static Cli.Command command() {
        return new Cli.Command("audit", USAGE, null)
                .sub(new Cli.Command("verify", USAGE, (a, env, in, out, err) -> verify(a, env, out, err))
                        .value("data-dir", "DIR", "A service's data directory: its audit files, keys and checkpoints.")
                        .value("key-file", "FILE", "The chain key (base64) for the PATHs given.")
                        .value("jdbc-url", "URL", "Check the PostgreSQL audit table.")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("master-key-file", "FILE", "The services' master key (for --jdbc-url).")
                        .value("checkpoint-public-key", "FILE", "The checkpoints' public key.")
                        .value("checkpoints", "FILE", "The checkpoint copies.")
                        .flag("no-checkpoints", "Check the chains alone (a cut of the newest records goes unseen).")
                        .arguments("PATH", "audit.log / security.log files or their directories (with --key-file).",
                                false));
    }

    static int verify(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        boolean noCheckpoints = a.flag("no-checkpoints");
        if (noCheckpoints && (a.get("checkpoint-public-key").isPresent() || a.get("checkpoints").isPresent())) {
            throw new Args.UsageException("--no-checkpoints contradicts --checkpoint-public-key / --checkpoints");
        }
        if (a.get("checkpoints").isPresent() && a.get("checkpoint-public-key").isEmpty() && a.get("data-dir").isEmpty()) {
            throw new Args.UsageException("--checkpoints needs --checkpoint-public-key to check their signatures");
        }
        ECPublicKey checkpointKey = a.get("checkpoint-public-key")
                .map(f -> CheckpointKeys.readPublic(Path.of(f))).orElse(null);
        if (a.get("jdbc-url").isPresent() || a.get("jdbc-url-file").isPresent()) {
            return table(a, checkpointKey, env, out, err);
        }
        byte[] key;
        List<Path> sets = new ArrayList<>();
        CheckpointStore store = a.get("checkpoints").map(f -> CheckpointStore.file(Path.of(f))).orElse(null);
        if (a.get("data-dir").isPresent()) {
            Path dir = Path.of(a.get("data-dir").get());
            key = chainKey(MasterKey.fromFile(dir.resolve("master.key")));
            sets.add(dir.resolve("audit"));
            if (!noCheckpoints && checkpointKey == null) {
                Path pub = publicKeyFile(dir.resolve(CHECKPOINT_KEY));
                if (!Files.exists(pub)) {
                    throw new Args.UsageException("no checkpoint public key at " + pub + ": pass --checkpoint-public-key "
                            + "FILE, or --no-checkpoints to check the chains alone (a cut of the newest records "
                            + "then goes unseen)");
                }
                checkpointKey = CheckpointKeys.readPublic(pub);
            }
            if (!noCheckpoints && store == null) {
                store = CheckpointStore.file(dir.resolve(CHECKPOINTS));
            }
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
        CheckpointStore[] stores = store == null ? new CheckpointStore[0] : new CheckpointStore[] {store};
        for (Path target : sets) {
            List<Path[]> logs = logs(target);
            for (Path[] log : logs) {
                AuditVerifier.Result r = checkpointKey == null
                        ? AuditVerifier.verifyFiles(log[0], log[1].toString(), key)
                        : AuditVerifier.verifyFiles(log[0], log[1].toString(), key, checkpointKey, stores);
                if (!r.ok()) {
                    out.println("TAMPERED: " + log[0].resolve(log[1]) + " seq " + r.firstBadSequence().orElse(-1) + ": "
                            + r.problem() + " (" + r.detail() + ")");
                    return 1;
                }
                records += r.recordsChecked();
                chains++;
            }
        }
        out.println("OK: " + records + " records in " + chains + " chains" + checkpointNote(checkpointKey));
        return 0;
    }

    private static String checkpointNote(ECPublicKey checkpointKey) {
        return checkpointKey != null ? ", ends checked against signed checkpoints"
                : " (without checkpoints: records cut off the end would not show)";
    }

    /** The (directory, base name) of each log set to check under {@code target}. */
    private static List<Path[]> logs(Path target) {
        List<Path[]> logs = new ArrayList<>();
        if (Files.isDirectory(target)) {
            // Both sets, always: a set whose files were all deleted is reported, not skipped.
            for (String base : List.of("audit.log", "security.log")) {
                logs.add(new Path[] {target, Path.of(base)});
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

    private static int table(Args a, ECPublicKey checkpointKey, Map<String, String> env, PrintStream out,
            PrintStream err) {
        JdbcUrl url = JdbcUrl.require(a, "jdbc-url", env, err);
        byte[] key = chainKey(MasterKey.fromFile(Path.of(a.require("master-key-file"))));
        Map<String, String> pool = new HashMap<>(Map.of("url", url.poolUrl(), "username", url.user, "pool-size", "1"));
        if (url.password != null) {
            pool.put("password", url.password);
        }
        try (HikariDataSource ds = DataSources.create(Config.of(pool))) {
            AuditVerifier.Result r = AuditVerifier.verifyTable(ds, key, checkpointKey);
            if (!r.ok()) {
                out.println("TAMPERED: infrakit_audit seq " + r.firstBadSequence().orElse(-1) + ": " + r.problem() + " ("
                        + r.detail() + ")");
                return 1;
            }
            out.println("OK: " + r.recordsChecked() + " records in " + r.chains() + " chains" + checkpointNote(checkpointKey));
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
