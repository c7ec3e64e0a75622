package dev.infrakit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.backup.internal.PgBinaries;
import dev.infrakit.backup.internal.ThrowawayServer;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Base backups of a real PostgreSQL 15 cluster with {@code pg_basebackup}: through the runner into a
 * plain and an encrypted repository, checked by PostgreSQL's own {@code pg_verifybackup} against the
 * manifest the backup carries, and by starting a server on the restored files and counting the rows.
 */
class PostgresBaseBackupSourceIT {
    private static EphemeralPostgres server;
    private static TestDatabase db;

    @TempDir
    Path temp;

    @BeforeAll
    static void startServer() throws Exception {
        server = EphemeralPostgres.builder().start();
        db = server.createDatabase("base_backup");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE ledger (id bigserial PRIMARY KEY, note text NOT NULL)");
            st.execute("INSERT INTO ledger (note) SELECT 'entry-' || g FROM generate_series(1, 20000) g");
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static PostgresBaseBackupSource.Builder source() {
        return PostgresBaseBackupSource.builder().host(server.host()).port(server.port()).user(server.username())
                .password(server.password());
    }

    @Test
    void aBaseBackupIsVerifiedFileByFileAndStartsAsAServerWithEveryRow() throws Exception {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            Manifest backup = BackupRunner.builder(source().build(), repository).minimumFreeBytes(0).build()
                    .run(BackupKind.DAILY);
            assertEquals(BackupStatus.VERIFIED, backup.status());
            assertEquals(List.of(PostgresBaseBackupSource.BASE_ARTIFACT, PostgresBaseBackupSource.MANIFEST_ARTIFACT),
                    backup.artifacts().stream().map(Artifact::name).toList());
            assertTrue(backup.serverVersion().orElseThrow().startsWith("15"), backup.toString());
            JsonNode manifest;
            try (InputStream in = repository.open(backup.id(), PostgresBaseBackupSource.MANIFEST_ARTIFACT)) {
                manifest = new ObjectMapper().readTree(in);
            }
            assertTrue(manifest.path("Files").size() > 500, "every file of the cluster is listed");
            manifest.path("Files").forEach(f -> assertEquals("SHA256", f.path("Checksum-Algorithm").asText()));
            Path data = restore(repository, backup.id());
            assertEquals(0, verifyBackup(data), "pg_verifybackup finds every file as the manifest says");
            assertEquals(20000, countRows(data), "a server started on the restored files has every row");
        }
    }

    @Test
    void anEncryptedBaseBackupRoundTripsAndStoresNothingReadable() throws Exception {
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        try (BackupRepository repository = EncryptedBackupRepository.wrap(LocalBackupRepository.open(temp.resolve("repo")),
                BackupKeys.of("base-1", key))) {
            Manifest backup = BackupRunner.builder(source().compression(0).build(), repository).minimumFreeBytes(0).build()
                    .run(BackupKind.DAILY);
            assertEquals(BackupStatus.VERIFIED, backup.status());
            try (var files = Files.walk(temp.resolve("repo"))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    assertFalse(content.contains("entry-1999") || content.contains("PostgreSQL-Backup-Manifest"),
                            file + " holds readable data: compression 0 writes the pages as they are, so only encryption "
                                    + "hides them");
                }
            }
            assertEquals(20000, countRows(restore(repository, backup.id())));
        }
    }

    @Test
    void aRefusedBackupFailsNamingTheToolWithoutThePassword() {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            String wrong = "not-the-password-" + System.nanoTime();
            BackupRunner runner = BackupRunner.builder(PostgresBaseBackupSource.builder().host(server.host())
                    .port(server.port()).user(server.username()).password(wrong).build(), repository)
                    .minimumFreeBytes(0).build();
            BackupException e = assertThrows(BackupException.class, () -> runner.run(BackupKind.DAILY));
            assertTrue(e.getMessage().contains("password authentication failed"), e.getMessage());
            assertFalse(e.getMessage().contains(wrong), "the password is never shown");
            assertEquals(BackupStatus.FAILED, repository.list().get(0).status());
            assertEquals(List.of(), repository.list().get(0).artifacts(), "nothing of a failed backup counts");
        }
    }

    @Test
    void aServerRestartedDuringABaseBackupFailsItLeavingNothingAndTheNextOneRestores() throws Exception {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            // Throttled (pg_basebackup --max-rate) so that the restart lands in the middle of the copy.
            BackupRunner slow = BackupRunner.builder(source().maxRate(1L << 20).build(), repository).minimumFreeBytes(0)
                    .build();
            java.util.concurrent.CompletableFuture<Manifest> run = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> slow.run(BackupKind.DAILY));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (ProcessHandle.current().descendants().noneMatch(p -> p.info().command().orElse("")
                    .endsWith("pg_basebackup"))) {
                assertTrue(System.nanoTime() < deadline && !run.isDone(), "pg_basebackup started: " + run);
                Thread.sleep(20);
            }
            Thread.sleep(1000);
            server.restart();
            java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> run.get(2, java.util.concurrent.TimeUnit.MINUTES));
            assertTrue(failed.getCause() instanceof BackupException && failed.getCause().getMessage()
                    .contains("pg_basebackup"), String.valueOf(failed.getCause()));
            assertEquals(List.of(BackupStatus.FAILED), repository.list().stream().map(Manifest::status).toList());
            assertEquals(List.of(), repository.list().get(0).artifacts(), "nothing of the cut backup counts");
            try (var staging = Files.list(temp.resolve("repo").resolve(".staging"))) {
                assertEquals(List.of(), staging.toList(), "its staging is gone");
            }

            Manifest next = BackupRunner.builder(source().build(), repository).minimumFreeBytes(0).build()
                    .run(BackupKind.DAILY);
            assertEquals(BackupStatus.VERIFIED, next.status());
            assertEquals(20000, countRows(restore(repository, next.id())), "the next backup restores whole");
        }
    }

    /** Extracts the base backup into a new data directory the server's OS user owns. */
    private Path restore(BackupRepository repository, String id) throws Exception {
        Path data = Files.createDirectory(temp.resolve("restored-" + id));
        Path tarball = temp.resolve(id + ".tar.gz");
        try (InputStream in = repository.open(id, PostgresBaseBackupSource.BASE_ARTIFACT)) {
            Files.copy(in, tarball);
        }
        run(List.of("tar", "xzf", tarball.toString(), "-C", data.toString()));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        if (ThrowawayServer.runningAsRoot()) {
            // The server runs as postgres: it owns the data directory and may pass through the test's.
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
            run(List.of("chown", "-R", "postgres", data.toString()));
        }
        return data;
    }

    private static int verifyBackup(Path data) throws Exception {
        return run(asServerUser(List.of(tool("pg_verifybackup"), "--quiet", data.toString())));
    }

    private static long countRows(Path data) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> start = asServerUser(List.of(tool("pg_ctl"), "-D", data.toString(), "-w", "-t",
                "120", "-l", data.resolve("restored.log").toString(), "-o", "-p " + port
                        + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + data + " -c archive_mode=off",
                "start"));
        assertEquals(0, run(start), "the restored server starts");
        try {
            Properties props = new Properties();
            props.setProperty("user", server.username());
            props.setProperty("password", server.password());
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db.name(), props);
                    Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM ledger")) {
                rs.next();
                return rs.getLong(1);
            }
        } finally {
            run(asServerUser(List.of(tool("pg_ctl"), "-D", data.toString(), "-m", "immediate", "-w",
                    "stop")));
        }
    }

    private static String tool(String name) {
        return PgBinaries.locate(name, null, System.getenv()).toString();
    }

    private static List<String> asServerUser(List<String> command) {
        if (!ThrowawayServer.runningAsRoot()) {
            return command;
        }
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(command);
        return full;
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(Duration.ofMinutes(3).toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " did not finish");
        }
        if (p.exitValue() != 0) {
            System.err.println(command + " exited " + p.exitValue() + ": " + output);
        }
        return p.exitValue();
    }
}
