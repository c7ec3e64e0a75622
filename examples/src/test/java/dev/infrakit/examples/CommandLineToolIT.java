package dev.infrakit.examples;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command-line tool on picocli (issue #20, item 4): help and usage errors of every command, stdout
 * for results and stderr for logs (through the packaged jar, so logback's own output is captured),
 * {@code backup run --directory} and {@code backup restore --create}.
 */
class CommandLineToolIT {
    private static final Path JAR = Paths.get("target", "infrakit-examples.jar");

    /** Every command that runs something, as typed before its options. */
    private static final List<List<String>> COMMANDS = List.of(List.of("serve"), List.of("backup", "run"),
            List.of("backup", "list"), List.of("backup", "verify"), List.of("backup", "restore"),
            List.of("backup", "prune"), List.of("backup", "base"), List.of("backup", "wal", "start"),
            List.of("backup", "wal", "status"), List.of("backup", "drill"), List.of("audit", "verify"),
            List.of("users", "unlock"),
            List.of("admin", "reset-password"), List.of("loadtest"));

    private static CliRun main(String... args) {
        return CliRun.run(args);
    }

    /** The packaged jar in a child process, stdout and stderr apart. */
    private static CliRun jar(String... args) throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: run ./mvnw package first");
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("INFRAKIT_"));
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the jar did not exit within 120 s: " + String.join(" ", args));
        }
        return new CliRun(process.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String url(EphemeralPostgres server, String database) {
        return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database + "?user=" + server.username()
                + "&password=" + server.password();
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    @Test
    void everyCommandAnswersHelpOnStdoutWithExitZero() {
        for (List<String> command : COMMANDS) {
            for (String help : List.of("--help", "-h")) {
                CliRun r = main(concat(command, help));
                assertEquals(0, r.code(), command + " " + help + ": " + r.err());
                assertEquals("", r.err(), command + " " + help);
                assertTrue(r.out().startsWith("usage: java -jar infrakit-examples.jar\n  " + String.join(" ", command)),
                        command + ": " + r.out());
                assertTrue(r.out().contains("-h, --help") && r.out().contains("Exit codes: 0 done, 1 failed"),
                        command + ": " + r.out());
            }
        }
        CliRun restore = main("backup", "restore", "--help");
        assertTrue(restore.out().contains("--create") && restore.out().contains("--clean"), restore.out());
        assertTrue(restore.out().contains("  backup restore --repo REPO --data-dir DIR --jdbc-url URL [--to-time ISO-8601")
                && restore.out().contains("--to-lsn=X/Y") && restore.out().contains("--os-user=USER"),
                "restore --help shows both forms: " + restore.out());
        CliRun drill = main("backup", "drill", "--help");
        assertTrue(drill.out().contains("--pitr") && drill.out().contains("--check=NAME=SQL"), drill.out());
        CliRun wal = main("backup", "wal", "--help");
        assertEquals(0, wal.code());
        assertTrue(wal.out().contains("backup wal start") && wal.out().contains("backup wal status"), wal.out());
        CliRun run = main("backup", "run", "--help");
        assertTrue(run.out().contains("--directory=DIR") && run.out().contains("--jdbc-url=URL"), run.out());
        CliRun backup = main("backup", "--help");
        assertEquals(0, backup.code());
        assertTrue(backup.out().contains("restore") && backup.out().contains("prune"), backup.out());
    }

    @Test
    void aBadOptionExitsTwoNamingItWithoutRepeatingItsValue(@TempDir Path dir) {
        for (List<String> command : COMMANDS) {
            CliRun r = main(concat(command, "--colour=hunter2-secret"));
            assertEquals(2, r.code(), command + ": " + r.err());
            assertTrue(r.err().startsWith("error: unknown flag --colour for " + String.join(" ", command)),
                    command + ": " + r.err());
            assertTrue(r.err().contains("usage: java -jar infrakit-examples.jar\n  " + String.join(" ", command)),
                    "the command's usage follows: " + r.err());
            assertFalse(r.err().contains("hunter2-secret"), command + ": " + r.err());
            assertEquals("", r.out(), command.toString());
        }
        CliRun switchWithValue = main("backup", "restore", "--repo", "r", "--id", "x", "--clean=true");
        assertEquals(2, switchWithValue.code());
        assertTrue(switchWithValue.err().startsWith("error: --clean is a switch and takes no value"), switchWithValue.err());
        CliRun missingValue = main("backup", "list", "--repo");
        assertEquals(2, missingValue.code());
        assertTrue(missingValue.err().startsWith("error: --repo needs a value"), missingValue.err());
        CliRun twice = main("backup", "list", "--repo", dir.resolve("first").toString(), "--repo",
                dir.resolve("second").toString());
        assertEquals(1, twice.code(), "the last one counts, as before: " + twice.err());
        assertTrue(twice.err().contains("no backup repository at " + dir.resolve("second")), twice.err());
        CliRun stray = main("backup", "list", "--repo", "a", "hunter2-secret");
        assertEquals(2, stray.code());
        assertTrue(stray.err().startsWith("error: backup list takes no further arguments, got 1"), stray.err());
        assertFalse(stray.err().contains("hunter2-secret"), stray.err());
        CliRun subcommand = main("backup", "restor");
        assertEquals(2, subcommand.code());
        assertTrue(subcommand.err().startsWith("error: unknown backup subcommand 'restor': run, list, verify, restore, "
                + "prune"), subcommand.err());
        CliRun none = main("audit");
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("error: audit needs a subcommand: verify"), none.err());
    }

    @Test
    void backupRunDirectoryTakesAVerifiedTarGzBackupWithTheResultAloneOnStdoutAndLogsOnStderr(@TempDir Path dir)
            throws Exception {
        Path source = Files.createDirectories(dir.resolve("site"));
        Files.writeString(source.resolve("index.html"), "<h1>hello</h1>\n");
        Files.createDirectories(source.resolve("img"));
        Files.write(source.resolve("img").resolve("logo.bin"), new byte[] {1, 2, 3, 4, 5});
        String repo = dir.resolve("repo").toString();

        CliRun run = jar("backup", "run", "--directory", source.toString(), "--repo", repo, "--offsite",
                dir.resolve("offsite").toString(), "--kind", "daily");
        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(1, lines.size(), "stdout holds the result alone: " + run.out());
        assertTrue(lines.get(0).matches("\\S+ VERIFIED \\d+ bytes"), run.out());
        assertTrue(run.err().contains("backing up the directory " + source.toAbsolutePath().normalize()), run.err());
        assertTrue(run.err().lines().anyMatch(l -> l.contains(" INFO ") && l.contains("Copied backup")),
                "the library's log lines go to stderr: " + run.err());
        String id = lines.get(0).split(" ")[0];

        Path archive = dir.resolve("repo").resolve(id).resolve("site.tar.gz");
        assertTrue(Files.isRegularFile(archive), "the archive " + archive);
        Process tar = new ProcessBuilder("tar", "-tzf", archive.toString()).redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, tar.waitFor(), listing);
        assertTrue(listing.contains("index.html") && listing.contains("img/logo.bin"), listing);

        CliRun verify = jar("backup", "verify", "--repo", repo, "--id", id);
        assertEquals(0, verify.code(), verify.err());
        assertTrue(verify.out().startsWith("checksums OK: " + id), verify.out());
        assertFalse(verify.out().contains(" INFO "), verify.out());

        CliRun both = main("backup", "run", "--directory", source.toString(), "--jdbc-url", "jdbc:postgresql://h/d?user=u",
                "--repo", repo);
        assertEquals(2, both.code());
        assertTrue(both.err().startsWith("error: backup run needs --jdbc-url URL (a PostgreSQL database) or --directory"),
                both.err());
        CliRun missing = main("backup", "run", "--directory", dir.resolve("nope").toString(), "--repo", repo);
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("error: --directory " + dir.resolve("nope") + " is not a directory"),
                missing.err());
    }

    @Test
    void restoreCreatesAMissingTargetDatabaseOnlyWithCreate(@TempDir Path dir) throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        TestDatabase db = server.createDatabase("cli_create_source");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE invoice (id serial PRIMARY KEY, total numeric NOT NULL)");
            s.execute("INSERT INTO invoice (total) SELECT g FROM generate_series(1, 42) g");
        }
        String repo = dir.resolve("repo").toString();
        CliRun backup = main("backup", "run", "--jdbc-url", url(server, db.name()), "--repo", repo);
        assertEquals(0, backup.code(), backup.err());
        String id = backup.out().split(" ")[0];
        String target = db.name() + "_restored";

        CliRun refused = main("backup", "restore", "--repo", repo, "--id", id, "--target-url", url(server, target),
                "--allow-privileged-role");
        assertEquals(1, refused.code(), refused.out() + refused.err());
        assertTrue(refused.err().contains("database '" + target + "' does not exist")
                && refused.err().contains("pass --create to create it"), refused.err());
        assertFalse(refused.err().contains(server.password()), refused.err());
        assertFalse(exists(server, target), "nothing created without --create");

        CliRun created = main("backup", "restore", "--repo", repo, "--id", id, "--target-url", url(server, target),
                "--create", "--allow-privileged-role");
        assertEquals(0, created.code(), created.err());
        assertTrue(created.out().startsWith("restored " + id + " into " + target), created.out());
        assertTrue(exists(server, target));
        try (Connection c = java.sql.DriverManager.getConnection(server.jdbcUrl(target), server.username(),
                server.password()); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM invoice")) {
            r.next();
            assertEquals(42, r.getLong(1));
        }

        CliRun notEmpty = main("backup", "restore", "--repo", repo, "--id", id, "--target-url", url(server, target),
                "--create", "--allow-privileged-role");
        assertEquals(1, notEmpty.code());
        assertTrue(notEmpty.err().contains("it is not empty") && notEmpty.err().contains("pass --clean"), notEmpty.err());
        assertFalse(notEmpty.err().contains("clean=true"), "the message names the option: " + notEmpty.err());
        assertEquals(0, main("backup", "restore", "--repo", repo, "--id", id, "--target-url", url(server, target),
                "--clean", "--allow-privileged-role").code());
    }

    private static boolean exists(EphemeralPostgres server, String database) throws Exception {
        try (Connection c = server.connectAdmin();
                PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            s.setString(1, database);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }
}
