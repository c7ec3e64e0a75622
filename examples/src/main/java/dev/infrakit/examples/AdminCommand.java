package dev.infrakit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.CheckpointKeys;
import dev.infrakit.audit.CheckpointStore;
import dev.infrakit.audit.Durability;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.audit.PostgresAuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.PostgresCredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.WriteCondition;
import dev.infrakit.auth.PasswordHasher;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code admin reset-password}: sets a new password for the {@code admin} account of a stopped
 * service, offline, on its stores as {@code serve} opens them (an embedded data directory, or
 * {@code --jdbc-url} with the master key). The password is read from the terminal without echo, or
 * from the first line of stdin when there is no terminal; never from argv or the environment, which
 * other users of the machine and process listings can see. Recorded as {@code user.password-reset}
 * in the service's own audit trail, PENDING before the change (no record, no change) and its outcome
 * after.
 */
final class AdminCommand {
    static final String USAGE = String.join("\n",
            "  admin reset-password --data-dir DIR [--master-key-file FILE]",
            "  admin reset-password --jdbc-url URL --master-key-file FILE",
            "    (a stopped service's admin password; the new one is read from the terminal, or the first line of",
            "     stdin; " + DemoService.MIN_PASSWORD_LENGTH + " to " + PasswordHasher.MAX_PASSWORD_LENGTH
                    + " characters; audited as user.password-reset)");

    private AdminCommand() {
    }

    /** {@code admin reset-password}. */
    static Cli.Command command() {
        return new Cli.Command("admin", USAGE, null)
                .sub(new Cli.Command("reset-password", USAGE, (a, env, in, out, err) -> resetPassword(a, env, in, out, err))
                        .value("data-dir", "DIR", "An embedded service's data directory.")
                        .value("jdbc-url", "URL", "A service's PostgreSQL database.")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("master-key-file", "FILE", "The master key (default <data-dir>/master.key).")
                        .value("audit-checkpoint-key", "FILE", "As for serve (default <data-dir>/audit-checkpoint.key).")
                        .value("audit-checkpoints", "FILE", "As for serve (default <data-dir>/audit-checkpoints).")
                        .arguments("ARG", "None: the password is read from the terminal or stdin.", true));
    }

    static int resetPassword(Args a, Map<String, String> env, InputStream in, PrintStream out, PrintStream err)
            throws IOException {
        if (!a.positional().isEmpty()) {
            throw new Args.UsageException("admin reset-password takes no arguments (the password is read from the "
                    + "terminal or stdin), got " + a.positional().size());
        }
        boolean postgres = a.get("jdbc-url").isPresent() || a.get("jdbc-url-file").isPresent();
        if (postgres == a.get("data-dir").isPresent()) {
            throw new Args.UsageException("admin reset-password needs --data-dir DIR or --jdbc-url URL (one of them)");
        }
        MasterKey master;
        Path dataDir = null;
        if (postgres) {
            master = MasterKey.fromFile(Path.of(a.require("master-key-file")));
        } else {
            dataDir = Path.of(a.require("data-dir"));
            Path keyFile = a.get("master-key-file").map(Path::of).orElse(dataDir.resolve("master.key"));
            if (!Files.isDirectory(dataDir.resolve("credentials"))) {
                throw new Args.UsageException("--data-dir " + dataDir + " holds no service data (no credentials/)");
            }
            if (!Files.exists(keyFile)) {
                throw new Args.UsageException("no master key at " + keyFile + " (give --master-key-file)");
            }
            master = MasterKey.fromFile(keyFile);
        }

        // Embedded: refused while the service runs (its audit files have one writer), before asking.
        DataDirectoryLock lock = postgres ? null : DataDirectoryLock.acquire(dataDir);
        char[] password = new char[0];
        try {
            password = readPassword(in, err);
            if (password.length < DemoService.MIN_PASSWORD_LENGTH || password.length > PasswordHasher.MAX_PASSWORD_LENGTH) {
                throw new Args.UsageException(DemoService.PASSWORD_RULE);
            }
            String hash = PasswordHasher.defaults().hash(password);
            if (postgres) {
                JdbcUrl url = JdbcUrl.require(a, "jdbc-url", env, err);
                Map<String, String> pool = new HashMap<>(Map.of("url", url.poolUrl(), "username", url.user,
                        "pool-size", "2"));
                if (url.password != null) {
                    pool.put("password", url.password);
                }
                try (HikariDataSource ds = DataSources.create(Config.of(pool));
                     PostgresAuditSink audit = PostgresAuditSink.builder(ds, AuditCommand.chainKey(master))
                             .durability(Durability.DURABLE).build();
                     CredentialStore store = PostgresCredentialStore.builder(ds, KeyRing.of(master)).build()) {
                    reset(store, audit, hash);
                }
            } else {
                Path checkpointKey = a.get("audit-checkpoint-key").map(Path::of)
                        .orElse(dataDir.resolve(AuditCommand.CHECKPOINT_KEY));
                Path checkpoints = a.get("audit-checkpoints").map(Path::of)
                        .orElse(dataDir.resolve(AuditCommand.CHECKPOINTS));
                resetEmbedded(dataDir, master, checkpointKey, checkpoints, hash);
            }
        } finally {
            Arrays.fill(password, '\0');
            if (lock != null) {
                lock.close();
            }
        }
        out.println("admin password reset; sign in with the new one");
        return 0;
    }

    private static void resetEmbedded(Path dataDir, MasterKey master, Path checkpointKey, Path checkpoints,
            String hash) {
        java.security.interfaces.ECPrivateKey signing = (java.security.interfaces.ECPrivateKey) CheckpointKeys
                .loadOrCreate(checkpointKey, AuditCommand.publicKeyFile(checkpointKey)).getPrivate();
        // As the service writes them, so that audit verify --data-dir checks these records too;
        // closing signs a checkpoint over them.
        try (JsonLinesAuditSink audit = JsonLinesAuditSink.builder(dataDir.resolve("audit"),
                AuditCommand.chainKey(master)).durability(Durability.DURABLE)
                .checkpoints(signing, DemoService.CHECKPOINT_INTERVAL)
                .checkpointStore(CheckpointStore.file(checkpoints)).build();
             CredentialStore store = FileCredentialStore.directory(dataDir.resolve("credentials"),
                     KeyRing.of(master)).build()) {
            reset(store, audit, hash);
        }
    }

    private static void reset(CredentialStore store, AuditSink audit, String hash) {
        Secret admin = store.find(ADMIN).orElseThrow(() -> new IllegalStateException(
                "no admin account in the store: start the service once to create it"));
        String role = admin.value().field("role").orElse("admin");
        String operator = "cli:" + System.getProperty("user.name", "unknown");
        Supplier<AuditEvent.Builder> event = () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "user.password-reset")
                .actor(Actor.service(operator)).action("reset-password").resource(Resource.of("user", "admin"));
        AuditEvent pending = event.get().outcome(AuditEvent.Outcome.PENDING).build();
        audit.record(pending); // no record, no change
        try {
            store.put(ADMIN, SecretValue.ofFields(Map.of("hash", hash, "role", role)),
                    WriteCondition.ifVersion(admin.version()));
        } catch (RuntimeException e) {
            audit.record(event.get().follows(pending).outcome(AuditEvent.Outcome.FAILURE)
                    .severity(AuditEvent.Severity.WARN).reason(e.getClass().getSimpleName()).build());
            throw e;
        }
        audit.record(event.get().follows(pending).build());
    }

    private static final String ADMIN = "users/admin";

    /**
     * The terminal without echo, asked twice, when stdin is the process's own and a terminal;
     * otherwise the first line of {@code in}.
     */
    private static char[] readPassword(InputStream in, PrintStream err) throws IOException {
        Console console = System.console();
        if (console != null && in == System.in) {
            char[] first = console.readPassword("new admin password: ");
            char[] second = console.readPassword("again: ");
            try {
                if (first == null || second == null) {
                    throw new Args.UsageException("no password given on the terminal");
                }
                if (!Arrays.equals(first, second)) {
                    throw new Args.UsageException("the two passwords differ");
                }
                return first.clone();
            } finally {
                if (first != null) {
                    Arrays.fill(first, '\0');
                }
                if (second != null) {
                    Arrays.fill(second, '\0');
                }
            }
        }
        err.println("reading the new admin password from the first line of stdin");
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line = reader.readLine();
        if (line == null) {
            throw new Args.UsageException("no password on stdin (its first line is the new password)");
        }
        return line.toCharArray();
    }
}
