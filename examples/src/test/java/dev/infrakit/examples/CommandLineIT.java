package dev.infrakit.examples;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line tool run in-process against the ephemeral PostgreSQL and real audit files. */
class CommandLineIT {

    /** One command's exit code and output. */
    private static final class Run {
        final int code;
        final String out;
        final String err;

        Run(int code, String out, String err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }
    }

    private static Run main(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of(args), env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run main(String... args) {
        return main(Map.of(), args);
    }

    private static String url(EphemeralPostgres server, String database) {
        return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database + "?user=" + server.username()
                + "&password=" + server.password();
    }

    @Test
    void backupRunListVerifyDrillRestoreAndPrune(@TempDir Path dir) throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        TestDatabase db = server.createDatabase("cli_source");
        TestDatabase target = server.createDatabase("cli_target");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE app_user (id serial PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now())");
            s.execute("INSERT INTO app_user (name) SELECT 'user-' || g FROM generate_series(1, 500) g");
        }
        String repo = dir.resolve("repo").toString();
        Run run = main("backup", "run", "--jdbc-url", url(server, db.name()), "--repo", repo, "--offsite",
                dir.resolve("offsite").toString(), "--kind", "daily");
        assertEquals(0, run.code, run.err);
        assertTrue(run.out.contains(" VERIFIED "), run.out);
        assertFalse(run.out.contains(server.password()) || run.err.contains(server.password()), "no password printed");
        String id = run.out.split(" ")[0];

        Run list = main("backup", "list", "--repo", repo);
        assertTrue(list.out.startsWith(id + "  VERIFIED  daily"), list.out);

        Run refused = main("backup", "verify", "--repo", repo, "--drill", "--scratch-url", url(server, "postgres"));
        assertEquals(1, refused.code, "a superuser scratch role is refused: " + refused.out + refused.err);
        assertTrue(refused.err.contains("Refusing to run the restore drill") && refused.err.contains("superuser"),
                refused.err);
        Run drill = main("backup", "verify", "--repo", repo, "--drill", "--throwaway-server");
        assertEquals(0, drill.code, drill.out + drill.err);
        assertTrue(drill.out.contains("checksums OK: " + id) && drill.out.contains("drill passed"), drill.out);
        assertTrue(main("backup", "list", "--repo", repo).out.contains("drill passed"), "the drill is recorded");

        Run superuser = main("backup", "restore", "--repo", repo, "--id", id, "--target-url", url(server, target.name()));
        assertEquals(1, superuser.code, "a superuser restore needs --allow-privileged-role");
        assertTrue(superuser.err.contains("Refusing to restore backup " + id), superuser.err);
        Run restore = main("backup", "restore", "--repo", repo, "--id", id, "--target-url", url(server, target.name()),
                "--allow-privileged-role");
        assertEquals(0, restore.code, restore.err);
        try (Connection c = target.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM app_user")) {
            r.next();
            assertEquals(500, r.getLong(1));
        }
        Run again = main("backup", "restore", "--repo", repo, "--id", id, "--target-url", url(server, target.name()),
                "--allow-privileged-role");
        assertEquals(1, again.code, "a non-empty target is refused without --clean");
        assertTrue(again.err.contains("it is not empty"), again.err);
        assertEquals(0, main("backup", "restore", "--repo", repo, "--id", id, "--target-url", url(server, target.name()),
                "--clean", "--allow-privileged-role").code);

        Run second = main(Map.of("INFRAKIT_REPO", repo), "backup", "run", "--jdbc-url", url(server, db.name()));
        assertEquals(0, second.code, "--repo from the environment: " + second.err);
        Run dry = main("backup", "prune", "--repo", repo, "--dry-run", "--keep-daily", "0", "--keep-weekly", "0");
        assertEquals(0, dry.code, dry.err);
        assertTrue(dry.out.contains("would delete " + id) && dry.out.contains("dry run: 1 kept, 1 to delete"), dry.out);
        assertEquals(2, main("backup", "list", "--repo", repo).out.lines().count(), "nothing deleted by a dry run");
        Run prune = main("backup", "prune", "--repo", repo, "--keep-daily", "0", "--keep-weekly", "0");
        assertTrue(prune.out.contains("deleted " + id), prune.out);
        assertEquals(1, main("backup", "list", "--repo", repo).out.lines().count());

        // A damaged artifact: verify fails with exit 1.
        String newest = main("backup", "list", "--repo", repo).out.split(" ")[0];
        Path dump = dir.resolve("repo").resolve(newest).resolve("database.dump");
        byte[] bytes = Files.readAllBytes(dump);
        Files.write(dump, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Run bad = main("backup", "verify", "--repo", repo);
        assertEquals(1, bad.code);
        assertTrue(bad.out.startsWith("FAILED: " + newest), bad.out);

        Run failing = main("backup", "run", "--jdbc-url", url(server, db.name()).replace(server.password(), "wrong"),
                "--repo", repo);
        assertEquals(1, failing.code);
        assertTrue(failing.err.contains("failed: Cannot connect to database"), failing.err);
        assertFalse(failing.err.contains("wrong"), "the password is not echoed: " + failing.err);
        db.close();
        target.close();
    }

    @Test
    void auditVerifyPrintsOkOrTheFirstTamperedRecord(@TempDir Path dir) throws Exception {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Path logs = dir.resolve("logs");
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logs, key).build()) {
            for (int i = 0; i < 20; i++) {
                sink.record(AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, "credential.read")
                        .actor(Actor.user("alice")).action("read").resource(Resource.of("credential", "db" + i))
                        .severity(i % 5 == 0 ? AuditEvent.Severity.WARN : AuditEvent.Severity.INFO).build());
            }
        }
        Path keyFile = Files.writeString(dir.resolve("audit.key"), Base64.getEncoder().encodeToString(key));
        Run ok = main("audit", "verify", "--key-file", keyFile.toString(), logs.toString());
        assertEquals(0, ok.code, ok.err);
        assertEquals("OK: 26 records in 2 chains (without checkpoints: records cut off the end would not show)",
                ok.out.strip(), "20 + 4 events and a link record per chain");

        Path audit = logs.resolve("audit.log");
        byte[] bytes = Files.readAllBytes(audit);
        // The quoted resource id: a bare "db7" can also occur inside a random event id or MAC.
        int at = new String(bytes, StandardCharsets.UTF_8).indexOf("\"db7\"");
        bytes[at + 3] = (byte) '8';
        Files.write(audit, bytes);
        Run tampered = main("audit", "verify", "--key-file", keyFile.toString(), audit.toString());
        assertEquals(1, tampered.code);
        assertTrue(tampered.out.startsWith("TAMPERED: " + audit + " seq 9: MODIFIED"), tampered.out);
    }

    /**
     * The service layout: {@code <data-dir>/master.key}, {@code <data-dir>/audit/}, the checkpoint
     * key pair and the checkpoint copies beside them. A clean cut of the newest records (with the
     * checkpoints written into security.log) is TRUNCATED, found through the copies.
     */
    @Test
    void auditVerifyOfADataDirectoryChecksItsSignedCheckpoints(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        MasterKey master = MasterKey.generateToFile(data.resolve("master.key"));
        java.security.KeyPair keys = dev.infrakit.audit.CheckpointKeys.loadOrCreate(data.resolve("audit-checkpoint.key"),
                data.resolve("audit-checkpoint.pub"));
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(data.resolve("audit"), AuditCommand.chainKey(master))
                .checkpoints((java.security.interfaces.ECPrivateKey) keys.getPrivate(), java.time.Duration.ofMinutes(1))
                .checkpointStore(dev.infrakit.audit.CheckpointStore.file(data.resolve("audit-checkpoints"))).build()) {
            for (int i = 0; i < 3; i++) {
                sink.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "login.failed").actor(Actor.user("bob" + i))
                        .action("login").severity(AuditEvent.Severity.WARN).build());
            }
        }
        Run service = main("audit", "verify", "--data-dir", data.toString());
        assertEquals(0, service.code, service.err);
        assertEquals("OK: 9 records in 2 chains, ends checked against signed checkpoints", service.out.strip(),
                "3 events and a link per chain, and the closing checkpoint in security.log");

        // Cut the last event off both logs, and the checkpoint off security.log: the chains alone still verify.
        for (String log : java.util.List.of("audit.log", "security.log")) {
            java.util.List<String> lines = Files.readAllLines(data.resolve("audit").resolve(log));
            Files.write(data.resolve("audit").resolve(log), lines.subList(0, log.equals("audit.log") ? 3 : 3));
        }
        Run alone = main("audit", "verify", "--data-dir", data.toString(), "--no-checkpoints");
        assertEquals(0, alone.code, alone.out + alone.err);
        Run cut = main("audit", "verify", "--data-dir", data.toString());
        assertEquals(1, cut.code, cut.out + cut.err);
        assertTrue(cut.out.startsWith("TAMPERED: " + data.resolve("audit").resolve("audit.log") + " seq 4: TRUNCATED"),
                cut.out);

        // Everything deleted: still TAMPERED, never OK.
        try (java.util.stream.Stream<Path> files = Files.list(data.resolve("audit"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Run gone = main("audit", "verify", "--data-dir", data.toString());
        assertEquals(1, gone.code, gone.out + gone.err);
        assertTrue(gone.out.startsWith("TAMPERED: "), gone.out);

        // A data directory without the public key: refused unless --no-checkpoints says so.
        Files.delete(data.resolve("audit-checkpoint.pub"));
        Run noKey = main("audit", "verify", "--data-dir", data.toString());
        assertEquals(2, noKey.code);
        assertTrue(noKey.err.contains("no checkpoint public key at"), noKey.err);
    }

    @Test
    void helpAndUsageErrorsHaveTheirExitCodes(@TempDir Path dir) {
        String x = dir.resolve("nowhere").toString();
        Run help = main("--help");
        assertEquals(0, help.code);
        assertTrue(help.out.contains("backup run --jdbc-url URL --repo REPO"), help.out);
        Run unknown = main("backup", "list", "--repo", x, "--colour", "blue");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.startsWith("error: unknown flag --colour"), unknown.err);
        assertEquals(2, main("backup", "run", "--repo", x).code, "--jdbc-url is required");
        assertEquals(2, main("backup", "prune", "--repo", x, "--keep-daily", "many").code);
        Run missing = main("backup", "list", "--repo", x);
        assertEquals(1, missing.code);
        assertTrue(missing.err.contains("no backup repository at"), missing.err);
        assertFalse(java.nio.file.Files.exists(dir.resolve("nowhere")), "no repository is created by a typo");
        assertEquals(2, main("fly").code);
        assertEquals(2, main().code);
        Run badUrl = main("backup", "run", "--jdbc-url", "postgres://nope", "--repo", x);
        assertEquals(2, badUrl.code);
        assertTrue(badUrl.err.contains("must be jdbc:postgresql://"), badUrl.err);
    }
}
