package dev.infrakit.examples;

import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.PostgresBaseBackupSource;
import dev.infrakit.backup.WalArchive;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Continuous backup from the command line and from {@code serve} (#24 item 5), against a
 * PostgreSQL 15 server of the class's own: {@code backup wal start} as a child process of the
 * packaged jar (stopped with SIGTERM: exit 0, the segment in progress stored as {@code .partial}),
 * {@code backup base}, {@code backup wal status}, {@code backup restore --data-dir --to-time} (the
 * restored server started with {@code pg_ctl} holds exactly the rows committed before the time),
 * {@code backup drill --pitr} (failed and passed, recorded in the manifest), the usage errors, and
 * {@code serve --backup-mode continuous} archiving the demo's own database server.
 */
class ContinuousBackupCliIT {
    private static final Path JAR = Paths.get("target", "infrakit-examples.jar");
    private static final String MASTER = MasterKey.generate().toBase64();
    private static EphemeralPostgres server;
    private static TestDatabase db;

    @BeforeAll
    static void startServer() {
        server = EphemeralPostgres.builder().start();
        db = server.createDatabase("shop");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static CliRun main(String... args) {
        return CliRun.run(args);
    }

    /** The packaged jar as a child process; its stderr collected line by line into {@code err}. */
    private static Process startJar(StringBuffer err, String... args) throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: run ./mvnw package first");
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().keySet().removeIf(k -> k.startsWith("INFRAKIT_"));
        Process process = builder.start();
        process.getOutputStream().close();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    err.append(line).append('\n');
                }
            } catch (IOException e) {
                err.append("(reading stderr failed: ").append(e.getMessage()).append(")\n");
            }
        }, "wal-start-stderr");
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    private static String url(String database) {
        return DemoHttp.jdbcUrl(server, database);
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    /** The server's clock now (the commit times recovery compares with are the server's). */
    private static Instant serverNow() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    private static String switchWal() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * The names in the repository's WAL archive, read from its directory: opening the repository
     * (LocalBackupRepository.open) while an archiver writes would remove the archiver's temporary
     * file ("left by an interrupted WAL archiving") and make it try again a second later.
     */
    private static List<String> archived(Path repo) throws IOException {
        Path wal = repo.resolve(".wal");
        if (!Files.isDirectory(wal)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(wal)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> WalArchive.NAME.matcher(n).matches()).sorted()
                    .toList();
        }
    }

    /** Waits until the server has sent the archiver every WAL written so far, and a second more. */
    private static void awaitSent(String slot) throws Exception {
        await("the WAL sent to " + slot, Duration.ofSeconds(30), () -> {
            try (Connection c = server.connectAdmin(); PreparedStatement st = c.prepareStatement("SELECT sent_lsn >= "
                    + "pg_current_wal_insert_lsn() FROM pg_stat_replication WHERE application_name = ?")) {
                st.setString(1, slot);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        Thread.sleep(1000);
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static void awaitArchived(Path repo, String segment) throws InterruptedException {
        await(segment + " in the archive of " + repo, Duration.ofSeconds(60), () -> {
            try {
                return archived(repo).contains(segment);
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void walArchivingBaseBackupStatusPointInTimeRestoreAndDrillFromTheCommandLine(@TempDir Path temp) throws Exception {
        // The restored servers run as postgres when this JVM is root: they must pass through.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        Path repo = temp.resolve("repo");
        Path urlFile = temp.resolve("db.url");
        Files.writeString(urlFile, url(db.name()) + "\n");
        Files.setPosixFilePermissions(urlFile, PosixFilePermissions.fromString("rw-------"));
        sql("CREATE TABLE orders (id bigserial PRIMARY KEY, batch int NOT NULL, "
                + "created timestamptz NOT NULL DEFAULT clock_timestamp())");

        StringBuffer archiverErr = new StringBuffer();
        Process archiver = startJar(archiverErr, "backup", "wal", "start", "--jdbc-url-file", urlFile.toString(),
                "--repo", repo.toString(), "--spool", temp.resolve("spool").toString());
        String baseId;
        Instant firstBatch;
        Instant target;
        Instant thirdBatch;
        try {
            await("the archiver's start line: " + archiverErr, Duration.ofSeconds(60),
                    () -> archiverErr.toString().contains("archiving the WAL of " + server.host() + ":" + server.port()
                            + " on slot infrakit_wal into ") || !archiver.isAlive());
            assertTrue(archiver.isAlive(), "backup wal start runs until stopped: " + archiverErr);

            sql("INSERT INTO orders (batch) SELECT 1 FROM generate_series(1, 100)");
            firstBatch = serverNow();
            awaitArchived(repo, switchWal());
            await("the archiver's line for the segment", Duration.ofSeconds(10),
                    () -> archiverErr.toString().matches("(?s).*archived [0-9A-F]{24} \\(\\d+ since start\\).*"));

            CliRun base = main("backup", "base", "--jdbc-url", url(db.name()), "--repo", repo.toString());
            assertEquals(0, base.code(), base.err());
            baseId = base.out().split(" ")[0];

            Thread.sleep(1100);
            sql("INSERT INTO orders (batch) SELECT 2 FROM generate_series(1, 100)");
            Thread.sleep(1100);
            target = serverNow(); // between the second batch and the third
            Thread.sleep(1100);
            sql("INSERT INTO orders (batch) SELECT 3 FROM generate_series(1, 100)");
            thirdBatch = serverNow();
            awaitArchived(repo, switchWal());

            CliRun status = main("backup", "wal", "status", "--repo", repo.toString(), "--jdbc-url", url(db.name()));
            assertEquals(0, status.code(), status.err());
            Matcher segments = Pattern.compile("segments: (\\d+), [0-9A-F]{24} to [0-9A-F]{24}; \\d+ files, \\d+ bytes")
                    .matcher(status.out());
            assertTrue(segments.find() && Integer.parseInt(segments.group(1)) >= 2, status.out());
            assertTrue(status.out().contains("partial: none"), "the segment in progress is still in the spool: "
                    + status.out());
            assertTrue(status.out().contains("base backups: 1\n  " + baseId + "  VERIFIED  started "), status.out());
            assertTrue(status.out().matches("(?s).*slot infrakit_wal on " + server.host() + ":" + server.port()
                    + ": active, \\d+ bytes of WAL retained; the server writes [0-9A-F]{24}\\n.*"), status.out());
            assertFalse(status.out().contains(server.password()) || status.err().contains(server.password()), status.err());

            // A fourth batch, after the last completed segment: only the segment in progress holds it.
            sql("INSERT INTO orders (batch) SELECT 4 FROM generate_series(1, 100)");
            awaitSent("infrakit_wal");

            CliRun noSlot = main("backup", "wal", "status", "--repo", repo.toString(), "--jdbc-url", url(db.name()),
                    "--slot", "no_such_slot");
            assertEquals(1, noSlot.code(), noSlot.err());
            assertTrue(noSlot.err().contains("the replication slot no_such_slot does not exist on " + server.host()),
                    noSlot.err());
        } finally {
            // SIGTERM (through the handle: Process.destroy() would also close our end of its stderr)
            archiver.toHandle().destroy();
        }
        assertTrue(archiver.waitFor(90, TimeUnit.SECONDS), "stopped on SIGTERM: " + archiverErr);
        assertEquals(0, archiver.exitValue(), "a clean stop exits 0: " + archiverErr);
        await("the archiver's last line", Duration.ofSeconds(10), () -> archiverErr.toString().contains("stopped: "));
        List<String> afterStop = archived(repo);
        String partial = afterStop.stream().filter(n -> n.endsWith(".partial")).findFirst().orElse(null);
        assertTrue(partial != null, "the segment in progress is stored as .partial on stop: " + afterStop + "; "
                + archiverErr);
        assertTrue(archiverErr.toString().contains("the segment in progress stored as " + partial), archiverErr.toString());
        CliRun stopped = main("backup", "wal", "status", "--repo", repo.toString(), "--jdbc-url", url(db.name()));
        assertEquals(0, stopped.code(), stopped.err());
        assertTrue(stopped.out().contains("partial: " + partial) && stopped.out().contains("slot infrakit_wal on "
                + server.host() + ":" + server.port() + ": INACTIVE"), stopped.out());

        // Point in time: the base backup and the WAL up to `target`, between the second batch and the third.
        Path data = temp.resolve("restored");
        CliRun restored = main("backup", "restore", "--repo", repo.toString(), "--data-dir", data.toString(), "--to-time",
                target.toString(), "--jdbc-url", url(db.name()));
        assertEquals(0, restored.code(), restored.err());
        Matcher point = Pattern.compile("restored base backup " + baseId + " into " + Pattern.quote(data.toString())
                + ": recovered to (\\S+), LSN [0-9A-F]+/[0-9A-F]+\\n").matcher(restored.out());
        assertTrue(point.find(), restored.out());
        Instant recoveredTo = Instant.parse(point.group(1));
        assertTrue(recoveredTo.isAfter(firstBatch) && !recoveredTo.isAfter(target),
                "recovered to " + recoveredTo + ": after the first batch (" + firstBatch + "), not after " + target);
        assertTrue(restored.out().contains("start it with: ") && restored.out().contains("pg_ctl -D " + data + " -l "),
                restored.out());
        assertFalse(restored.out().contains(server.password()) || restored.err().contains(server.password()));
        assertEquals(Map.of(1, 100L, 2, 100L), startAndCount(data),
                "the restored server holds the first two batches, not the third nor the fourth");

        // The drill: a check that does not hold fails it; then one that does, recorded in the manifest.
        Path work = Files.createDirectories(temp.resolve("drills"));
        CliRun failing = main("backup", "drill", "--pitr", "--repo", repo.toString(), "--jdbc-url", url(db.name()),
                "--check", "a thousand=SELECT count(*) = 1000 FROM orders", "--work-dir", work.toString());
        assertEquals(1, failing.code(), failing.out() + failing.err());
        assertTrue(failing.out().startsWith("drill FAILED: ") && failing.out().contains("check 'a thousand' returned false"),
                failing.out());
        CliRun passing = main("backup", "drill", "--pitr", "--repo", repo.toString(), "--jdbc-url", url(db.name()),
                "--check", "every batch=SELECT count(*) = 400 FROM orders",
                "--check", "the fourth=SELECT count(*) = 100 FROM orders WHERE batch = 4", "--work-dir", work.toString());
        assertEquals(0, passing.code(), passing.out() + passing.err());
        assertTrue(passing.out().startsWith("drill passed: ") && passing.out().contains("2 checks passed"), passing.out());
        assertTrue(passing.out().matches("(?s).*recovery time \\(RTO\\): [0-9.]+ s\\n.*"), passing.out());
        Matcher rpo = Pattern.compile("recovery point: (\\S+) \\(").matcher(passing.out());
        assertTrue(rpo.find(), passing.out());
        assertFalse(Instant.parse(rpo.group(1)).isBefore(thirdBatch),
                "the drill replays every archived commit, the fourth batch's (in the .partial) too: " + passing.out());
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList(), "the drill deletes what it restored");
        }
        try (LocalBackupRepository repository = LocalBackupRepository.open(repo)) {
            Manifest m = repository.find(baseId).orElseThrow();
            assertTrue(m.drill().orElseThrow().passed() && m.drill().orElseThrow().recoveredTo().isPresent(),
                    m.toString());
        }
        CliRun list = main("backup", "list", "--repo", repo.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith(baseId) && l.contains("drill passed")), list.out());
    }

    /**
     * Starts the restored data directory with pg_ctl as the restore told (on a port of its own beside
     * the original), counts the orders of each batch, and stops it.
     */
    private static Map<Integer, Long> startAndCount(Path data) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path pgCtl = server.binDirectory().resolve("pg_ctl");
        List<String> prefix = "root".equals(System.getProperty("user.name"))
                ? List.of("runuser", "-u", "postgres", "--") : List.of();
        List<String> start = new ArrayList<>(prefix);
        start.addAll(List.of(pgCtl.toString(), "-D", data.toString(), "-l", data.resolve("postgresql.log").toString(),
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + data, "-w", "start"));
        Process started = new ProcessBuilder(start).redirectErrorStream(true).start();
        String output = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, started.waitFor(), output);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db.name(),
                server.username(), server.password());
                PreparedStatement st = c.prepareStatement("SELECT batch, count(*) FROM orders GROUP BY batch ORDER BY 1");
                ResultSet rs = st.executeQuery()) {
            Map<Integer, Long> counts = new LinkedHashMap<>();
            while (rs.next()) {
                counts.put(rs.getInt(1), rs.getLong(2));
            }
            return counts;
        } finally {
            List<String> stop = new ArrayList<>(prefix);
            stop.addAll(List.of(pgCtl.toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"));
            Process stopping = new ProcessBuilder(stop).redirectErrorStream(true).start();
            stopping.getInputStream().readAllBytes();
            stopping.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void misusedContinuousBackupOptionsAreUsageErrorsNamingTheOption(@TempDir Path dir) {
        String repo = dir.toString();
        String secretUrl = "jdbc:postgresql://db.invalid:5432/shop?user=shop&password=hunter2-secret";
        Map<String, List<String>> cases = new LinkedHashMap<>();
        cases.put("--target-url", List.of("backup", "restore", "--repo", repo, "--data-dir", dir.resolve("d").toString(),
                "--target-url", secretUrl));
        cases.put("--clean", List.of("backup", "restore", "--repo", repo, "--data-dir", dir.resolve("d").toString(),
                "--jdbc-url", secretUrl, "--clean"));
        cases.put("--to-time is an ISO-8601 time", List.of("backup", "restore", "--repo", repo, "--data-dir",
                dir.resolve("d").toString(), "--jdbc-url", secretUrl, "--to-time", "yesterday-at-nine"));
        cases.put("--to-lsn is a WAL position", List.of("backup", "restore", "--repo", repo, "--data-dir",
                dir.resolve("d").toString(), "--jdbc-url", secretUrl, "--to-lsn", "0/nope"));
        cases.put("give --to-time or --to-lsn, not both", List.of("backup", "restore", "--repo", repo, "--data-dir",
                dir.resolve("d").toString(), "--jdbc-url", secretUrl, "--to-time", "2026-12-07T09:30:00Z", "--to-lsn",
                "0/3000060"));
        cases.put("--to-time is for a point-in-time restore", List.of("backup", "restore", "--repo", repo, "--id", "x",
                "--target-url", secretUrl, "--to-time", "2026-12-07T09:30:00Z"));
        cases.put("--data-dir needs --jdbc-url", List.of("backup", "restore", "--repo", repo, "--data-dir",
                dir.resolve("d").toString()));
        cases.put("give --pitr", List.of("backup", "drill", "--repo", repo, "--jdbc-url", secretUrl));
        cases.put("--check is NAME=SQL", List.of("backup", "drill", "--pitr", "--repo", repo, "--jdbc-url", secretUrl,
                "--check", "no query here"));
        cases.put("--slot names a slot on the server", List.of("backup", "wal", "status", "--repo", repo, "--slot",
                "other"));
        cases.put("--slot is 1 to 63", List.of("backup", "wal", "start", "--repo", repo, "--jdbc-url", secretUrl,
                "--spool", dir.resolve("spool").toString(), "--slot", "Not-A-Slot"));
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            CliRun r = main(c.getValue().toArray(String[]::new));
            assertEquals(2, r.code(), c.getKey() + ": " + r.err());
            // (a --jdbc-url with a password on the command line is warned about first, on a line of its own)
            String error = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
            assertTrue(error.contains(c.getKey()), c.getKey() + ": " + r.err());
            assertTrue(r.err().contains("usage: java -jar infrakit-examples.jar\n  " + c.getValue().get(0) + " "
                    + c.getValue().get(1)), "the command's usage follows: " + r.err());
            assertFalse(r.err().contains("hunter2-secret") || r.out().contains("hunter2-secret"), c.getKey() + ": " + r.err());
            assertFalse(r.err().contains("yesterday-at-nine"), "the value is not repeated: " + r.err());
        }
        CliRun drill = main("backup", "drill", "--repo", repo, "--jdbc-url", secretUrl);
        assertTrue(drill.err().contains("backup verify --drill"), "points to the drill of a dump: " + drill.err());
        CliRun mixed = main("backup", "restore", "--repo", repo, "--data-dir", dir.resolve("d").toString(), "--target-url",
                secretUrl);
        assertTrue(mixed.err().startsWith("error: --data-dir"), mixed.err());
        assertFalse(Files.exists(dir.resolve("d")), "nothing restored on a usage error");
    }

    @Test
    void serveInContinuousModeTakesBaseBackupsAndArchivesItsOwnDatabaseServer(@TempDir Path data, @TempDir Path repo)
            throws Exception {
        TestDatabase demo = server.createDatabase("demo");
        Map<String, String> env = Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42", "INFRAKIT_MASTER_KEY", MASTER);
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "200ms", "--jdbc-url", url(demo.name()), "--backup-repo",
                repo.toString(), "--backup-mode", "continuous", "--backup-retention", "daily=7"));
        DemoService service = DemoService.start(ServeCommand.settings(args, env), new PrintStream(
                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            // The catch-up backup at start is a base backup of the whole server.
            Pattern succeeded = Pattern.compile("infrakit_backup_runs_total\\{result=\"success\"[^}]*} 1\\.0");
            String[] metrics = {""};
            await("the catch-up base backup", Duration.ofSeconds(90), () -> {
                try {
                    metrics[0] = DemoHttp.call(service.port(), "GET", "/metrics", null, null).body();
                } catch (Exception e) {
                    return false;
                }
                return succeeded.matcher(metrics[0]).find();
            });
            awaitArchived(repo, switchWal());
            HttpResponse<String> health = DemoHttp.call(service.port(), "GET", "/health", null, null);
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("\"wal-archiving:" + server.host() + ":" + server.port() + "/infrakit_demo"),
                    health.body());
            String scraped = DemoHttp.call(service.port(), "GET", "/metrics", null, null).body();
            assertTrue(scraped.matches("(?s).*infrakit_backup_wal_receiving\\{[^}]*slot=\"infrakit_demo\"[^}]*} 1\\.0.*"),
                    scraped);
            assertTrue(scraped.matches("(?s).*infrakit_backup_wal_archived_total\\{[^}]*slot=\"infrakit_demo\"[^}]*} "
                    + "[1-9].*"), scraped);
            assertTrue(slotActive("infrakit_demo"), "the demo's archiver streams on its slot");
            try (Connection c = demo.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE after_the_switch (id int)"); // WAL in the segment in progress
            }
            awaitSent("infrakit_demo");
        } finally {
            service.close();
        }
        assertTrue(archived(repo).stream().anyMatch(n -> n.endsWith(".partial")),
                "closing the service stores the segment in progress: " + archived(repo));
        try (LocalBackupRepository repository = LocalBackupRepository.open(repo)) {
            List<Manifest> all = repository.list();
            assertEquals(1, all.size(), all.toString());
            assertTrue(all.get(0).artifact(PostgresBaseBackupSource.BASE_ARTIFACT).isPresent(),
                    "the scheduled backups are base backups: " + all);
        }
        await("the slot inactive once the service stopped", Duration.ofSeconds(30), () -> {
            try {
                return !slotActive("infrakit_demo");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        for (List<String> bad : List.of(List.of("--backup-mode", "incremental", "--backup-repo", repo.toString()),
                List.of("--backup-mode", "continuous"))) {
            List<String> flags = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--jdbc-url",
                    url(demo.name())));
            flags.addAll(bad);
            Args.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(Args.UsageException.class,
                    () -> ServeCommand.settings(flags, env, new PrintStream(err, true, StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().startsWith("--backup-mode "), e.getMessage());
        }
        CliRun unknown = main("serve", "--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--backup-mode", "incremental");
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().startsWith("error: --backup-mode is dumps or continuous"), unknown.err());
    }

    /**
     * With {@code --backup-retention}, archived WAL follows the base backups: four base backups four
     * days apart on the service's own schedule (its clock and scheduler driven by the test), and the
     * WAL archived before the second one (the newest base backup older than the 7-day window at the
     * fourth) is deleted while the WAL after it stays.
     */
    @Test
    void serveInContinuousModePrunesArchivedWalWithBackupRetention(@TempDir Path data, @TempDir Path repo)
            throws Exception {
        TestDatabase demo = server.createDatabase("demo_retention");
        dev.infrakit.core.ManualClock clock = dev.infrakit.core.ManualClock.at(Instant.now());
        dev.infrakit.core.fixtures.ManualScheduler scheduler = new dev.infrakit.core.fixtures.ManualScheduler(clock);
        DemoService.Settings settings = ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "200ms", "--jdbc-url", url(demo.name()), "--backup-repo",
                repo.toString(), "--backup-mode", "continuous", "--backup-every", "4d", "--backup-retention", "daily=30"),
                Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42", "INFRAKIT_MASTER_KEY", MASTER));
        settings.backupClock = clock;
        settings.backupExecutor = scheduler;
        DemoService service = DemoService.start(settings, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)); // the catch-up base backup runs at once: the first
        List<String> beforeSecond = new ArrayList<>();
        String afterSecond;
        try {
            for (int i = 0; i < 2; i++) {
                write(demo, "CREATE TABLE IF NOT EXISTS filler (n int); INSERT INTO filler SELECT 1");
                String segment = switchWal();
                awaitArchived(repo, segment);
                beforeSecond.add(segment);
            }
            scheduler.advance(Duration.ofDays(4)); // the second base backup
            write(demo, "INSERT INTO filler SELECT 2");
            afterSecond = switchWal();
            awaitArchived(repo, afterSecond);
            scheduler.advance(Duration.ofDays(4)); // the third: the window still reaches back to the first
            assertTrue(archived(repo).containsAll(beforeSecond), "nothing the first base backup needs is deleted: "
                    + archived(repo));
            scheduler.advance(Duration.ofDays(4)); // the fourth: the second is the oldest base backup still needed
        } finally {
            service.close();
        }
        List<String> left = archived(repo);
        for (String segment : beforeSecond) {
            assertFalse(left.contains(segment), segment + " (before the second base backup) is pruned: " + left);
        }
        assertTrue(left.contains(afterSecond), "the WAL after the second base backup stays: " + left);
        try (LocalBackupRepository repository = LocalBackupRepository.open(repo)) {
            assertEquals(4, repository.list().size(), "daily=30 keeps the four base backups: " + repository.list());
        }
    }

    private static void write(TestDatabase database, String statements) throws Exception {
        try (Connection c = database.connect(); Statement st = c.createStatement()) {
            st.execute(statements);
        }
    }

    private static boolean slotActive(String slot) throws Exception {
        try (Connection c = server.connectAdmin();
                PreparedStatement st = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next(), "the slot " + slot + " exists");
                return rs.getBoolean(1);
            }
        }
    }
}
