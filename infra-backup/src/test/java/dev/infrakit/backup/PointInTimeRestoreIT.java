package dev.infrakit.backup;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point-in-time recovery against PostgreSQL 15: a base backup and continuously archived WAL in an
 * encrypted repository, restored to a time between two batches of rows (exactly the rows committed
 * before it) and to the latest archived WAL (every row, the last ones from the partial segment).
 */
class PointInTimeRestoreIT {
    private static EphemeralPostgres server;
    private static TestDatabase db;

    @TempDir
    Path temp;

    @BeforeAll
    static void startServer() {
        server = EphemeralPostgres.builder().start();
        db = server.createDatabase("pitr");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static Instant insert(int rows, String batch) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS ticks (id bigserial PRIMARY KEY, batch text NOT NULL)");
            st.execute("INSERT INTO ticks (batch) SELECT '" + batch + "' FROM generate_series(1, " + rows + ")");
            try (ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    private static long count(int port) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", server.username());
        props.setProperty("password", server.password());
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db.name(), props);
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM ticks")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Path dataDirectory(String name) throws Exception {
        Path parent = Files.createDirectories(temp.resolve("restores"));
        // The server runs as postgres when the JVM runs as root: it must pass through the test's directories.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx--x--x"));
        return parent.resolve(name);
    }

    @Test
    void restoresToATimeBetweenTwoBatchesAndToTheLatestArchivedWal() throws Exception {
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        try (BackupRepository repository = EncryptedBackupRepository.wrap(LocalBackupRepository.open(temp.resolve("repo")),
                BackupKeys.of("pitr-1", key))) {
            WalArchiver archiver = WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                    .password(server.password()).archive(repository.walArchive().orElseThrow())
                    .spool(temp.resolve("spool")).slot("infrakit_pitr").build().start();
            Manifest base;
            Instant between;
            String betweenLsn;
            try {
                insert(100, "before the base backup");
                base = BackupRunner.builder(PostgresBaseBackupSource.builder().host(server.host()).port(server.port())
                        .user(server.username()).password(server.password()).build(), repository).minimumFreeBytes(0)
                        .build().run(BackupKind.DAILY);
                insert(100, "after the base backup");
                try (Connection c = db.connect(); Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) { // the test server commits asynchronously
                    rs.next();
                    betweenLsn = rs.getString(1);
                }
                Thread.sleep(200);
                between = Instant.now();
                Thread.sleep(200);
                insert(100, "after the target time");
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    st.execute("SELECT pg_switch_wal()");
                }
                insert(7, "only in the partial segment");
                Thread.sleep(1000); // asynchronous archiving: give the stream a moment (RPO is measured elsewhere)
            } finally {
                archiver.close();
            }

            try (PointInTimeRestore.RestoredServer restored = PointInTimeRestore.builder().repository(repository)
                    .backup(base.id()).target(PointInTimeRestore.Target.time(between))
                    .dataDirectory(dataDirectory("to-time")).timeout(Duration.ofMinutes(3)).build().restore()) {
                restored.awaitPromoted(db.name(), server.username(), server.password(), Duration.ofMinutes(2));
                assertEquals(200, count(restored.port()), "exactly the rows committed before the target time: "
                        + restored.log());
                assertTrue(Files.isDirectory(restored.dataDirectory().resolveSibling("to-time.wal")));
            }
            assertTrue(Files.notExists(dataDirectory("to-time").resolveSibling("to-time.wal")),
                    "the staged WAL is deleted when a promoted server is closed");
            try (PointInTimeRestore.RestoredServer restored = PointInTimeRestore.builder().repository(repository)
                    .backup(base.id()).target(PointInTimeRestore.Target.lsn(betweenLsn))
                    .dataDirectory(dataDirectory("to-lsn")).timeout(Duration.ofMinutes(3)).build().restore()) {
                restored.awaitPromoted(db.name(), server.username(), server.password(), Duration.ofMinutes(2));
                assertEquals(200, count(restored.port()), "exactly the rows committed before the target LSN "
                        + betweenLsn + ": " + restored.log());
            }
            try (PointInTimeRestore.RestoredServer restored = PointInTimeRestore.builder().repository(repository)
                    .backup(base.id()).dataDirectory(dataDirectory("latest")).timeout(Duration.ofMinutes(3)).build()
                    .restore()) {
                restored.awaitPromoted(db.name(), server.username(), server.password(), Duration.ofMinutes(2));
                assertEquals(307, count(restored.port()), "every row, the last seven from the partial segment: "
                        + restored.log());
            }
            // A segment the recovery needs deleted from the archive: the restore names it and starts nothing.
            WalArchive archive = repository.walArchive().orElseThrow();
            List<String> segments = archive.list().stream().map(WalArchive.WalSegment::name)
                    .filter(n -> n.matches("[0-9A-F]{24}")).sorted().toList();
            String missing = segments.get(segments.size() - 1);
            archive.delete(missing);
            Path gap = dataDirectory("with-a-gap");
            BackupException named = assertThrows(BackupException.class, () -> PointInTimeRestore.builder()
                    .repository(repository).backup(base.id()).dataDirectory(gap).build().restore());
            assertTrue(named.getMessage().contains("WAL segment " + missing + " is missing"), missing + " of " + segments + ": " + named.getMessage());
            assertTrue(Files.notExists(gap), "nothing was restored");

            Path used = dataDirectory("to-time");
            BackupException notNew = assertThrows(BackupException.class, () -> PointInTimeRestore.builder()
                    .repository(repository).backup(base.id()).dataDirectory(used).build().restore());
            assertTrue(notNew.getMessage().contains("is not empty"), notNew.getMessage());
        }
    }

    @Test
    void aSegmentCorruptedInAPlainRepositoryStopsTheRestoreNamingItAndLeavesNothingToStart() throws Exception {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("plain"))) {
            WalArchiver archiver = WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                    .password(server.password()).archive(repository.walArchive().orElseThrow())
                    .spool(temp.resolve("plain-spool")).slot("infrakit_corrupt").build().start();
            Manifest base;
            try {
                base = BackupRunner.builder(PostgresBaseBackupSource.builder().host(server.host()).port(server.port())
                        .user(server.username()).password(server.password()).build(), repository).minimumFreeBytes(0)
                        .build().run(BackupKind.DAILY);
                insert(500, "after the base backup");
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    st.execute("SELECT pg_switch_wal()");
                }
                insert(5, "in the partial segment");
            } finally {
                archiver.close();
            }
            String start = WalRetention.startSegment(repository, base);
            String corrupted = repository.walArchive().orElseThrow().list().stream().map(WalArchive.WalSegment::name)
                    .filter(n -> n.matches("[0-9A-F]{24}") && n.compareTo(start) >= 0).findFirst().orElseThrow();
            Path file = temp.resolve("plain").resolve(".wal").resolve(corrupted);
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length / 3] ^= 0x01; // one bit, where PostgreSQL's own record checks might end recovery early
            Files.write(file, bytes);

            Path data = dataDirectory("from-corrupted");
            BackupException named = assertThrows(BackupException.class, () -> PointInTimeRestore.builder()
                    .repository(repository).backup(base.id()).dataDirectory(data).build().restore());
            assertTrue(named.getMessage().contains("WAL file " + corrupted) && named.getMessage().contains("corrupted"),
                    named.getMessage());
            assertTrue(Files.notExists(data), "no half-restored data directory is left to be started by mistake");
            assertTrue(Files.notExists(data.resolveSibling(data.getFileName() + ".wal")), "nor its staged WAL");
        }
    }

    @Test
    void aFileChangedInsideTheBaseBackupIsNamedAgainstItsBackupManifest() throws Exception {
        Path repo = temp.resolve("tampered");
        try (LocalBackupRepository repository = LocalBackupRepository.open(repo)) {
            WalArchiver archiver = WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                    .password(server.password()).archive(repository.walArchive().orElseThrow())
                    .spool(temp.resolve("tampered-spool")).slot("infrakit_tampered").build().start();
            Manifest base;
            try {
                base = BackupRunner.builder(PostgresBaseBackupSource.builder().host(server.host()).port(server.port())
                        .user(server.username()).password(server.password()).build(), repository).minimumFreeBytes(0)
                        .build().run(BackupKind.DAILY);
            } finally {
                archiver.close();
            }
            // Someone with write access to the repository changes PG_VERSION inside the tar and makes the
            // repository's own record match: only PostgreSQL's backup_manifest still tells.
            Path artifact = repo.resolve(base.id()).resolve(PostgresBaseBackupSource.BASE_ARTIFACT);
            byte[] tar;
            try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(artifact))) {
                tar = in.readAllBytes();
            }
            boolean changed = false;
            for (int at = 0; at + 512 <= tar.length && tar[at] != 0; ) {
                String name = new String(tar, at, 100, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", "");
                long size = Long.parseLong(new String(tar, at + 124, 11, java.nio.charset.StandardCharsets.US_ASCII)
                        .trim(), 8);
                if (name.equals("PG_VERSION")) {
                    tar[at + 512] = (byte) '9';
                    changed = true;
                }
                at += 512 + (int) ((size + 511) / 512 * 512);
            }
            assertTrue(changed, "the tar holds PG_VERSION");
            try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(artifact))) {
                out.write(tar);
            }
            byte[] stored = Files.readAllBytes(artifact);
            Path manifestFile = repo.resolve(base.id()).resolve("manifest.json");
            com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(manifestFile));
            for (com.fasterxml.jackson.databind.JsonNode a : json.path("artifacts")) {
                if (a.path("name").asText().equals(PostgresBaseBackupSource.BASE_ARTIFACT)) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) a).put("size", stored.length).put("sha256",
                            java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                    .digest(stored)));
                }
            }
            Files.writeString(manifestFile, json.toString());

            Path data = dataDirectory("tampered");
            BackupException named = assertThrows(BackupException.class, () -> PointInTimeRestore.builder()
                    .repository(repository).backup(base.id()).dataDirectory(data).build().restore());
            assertTrue(named.getMessage().contains("PG_VERSION") && named.getMessage().contains(
                    "does not match its backup_manifest"), named.getMessage());
            assertTrue(Files.notExists(data), "nothing is left to be started");
        }
    }
}
