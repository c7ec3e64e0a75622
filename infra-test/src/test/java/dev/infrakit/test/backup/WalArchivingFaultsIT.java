package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.PointInTimeRestore;
import dev.infrakit.backup.PostgresBaseBackupSource;
import dev.infrakit.backup.WalArchive;
import dev.infrakit.backup.WalArchiver;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.EphemeralS3;
import dev.infrakit.testkit.TestDatabase;
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
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Continuous archiving into S3 while the store is unreachable for a while: completed segments wait
 * in the local spool (the archiver says why), nothing is skipped or reordered, and once the store is
 * back they are stored in order, so a point-in-time restore from S3 has every row.
 */
class WalArchivingFaultsIT {
    @TempDir
    Path temp;

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what.get());
            }
            Thread.sleep(200);
        }
    }

    private static String insertAndSwitch(TestDatabase db, int rows) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS events (id bigserial PRIMARY KEY, payload text)");
            st.execute("INSERT INTO events (payload) SELECT repeat('x', 100) FROM generate_series(1, " + rows + ")");
            try (ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static List<String> names(WalArchive archive) {
        try {
            return archive.list().stream().map(WalArchive.WalSegment::name).toList();
        } catch (java.io.IOException e) {
            return List.of("(cannot list: " + e.getMessage() + ")");
        }
    }

    private static List<String> spool(Path spool) {
        try (Stream<Path> files = Files.list(spool)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void segmentsWaitInTheSpoolWhileTheStoreIsDownAndArriveInOrderWhenItIsBack() throws Exception {
        // The restored server runs as postgres when the JVM runs as root: it must pass through.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        Path spool = temp.resolve("spool");
        try (EphemeralS3 s3 = EphemeralS3.start(); EphemeralPostgres server = EphemeralPostgres.builder().start();
                BackupRepository repository = EncryptedBackupRepository.wrap(S3Fixtures.repository(s3,
                        S3Fixtures.newBucket(s3), "db").build(), BackupKeys.of("wal-faults", key))) {
            TestDatabase db = server.createDatabase("faults");
            WalArchive archive = repository.walArchive().orElseThrow();
            WalArchiver archiver = WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                    .password(server.password()).archive(archive).spool(spool).slot("infrakit_faults").build().start();
            Manifest base;
            try {
                base = BackupRunner.builder(PostgresBaseBackupSource.builder().host(server.host()).port(server.port())
                        .user(server.username()).password(server.password()).build(), repository).minimumFreeBytes(0)
                        .build().run(BackupKind.DAILY);
                String before = insertAndSwitch(db, 1000);
                await(() -> names(archive).contains(before), () -> before + " is archived: " + names(archive));

                s3.stop();
                String first = insertAndSwitch(db, 1000);
                String second = insertAndSwitch(db, 1000);
                await(() -> spool(spool).contains(second) && archiver.status().lastError().orElse("")
                        .contains("cannot archive " + first), () -> "both wait in the spool and the archiver says why: "
                                + spool(spool) + ", " + archiver.status());
                assertTrue(spool(spool).contains(first), spool(spool).toString());
                assertTrue(archiver.status().receiving(), "streaming goes on while the store is down");

                s3.restart();
                await(() -> names(archive).contains(second), () -> second + " is archived once the store is back: "
                        + names(archive) + ", spool " + spool(spool) + ", " + archiver.status());
                assertTrue(names(archive).contains(first), names(archive).toString());
                assertFalse(spool(spool).contains(first) || spool(spool).contains(second), "the spool let them go: "
                        + spool(spool));
                insertAndSwitch(db, 7);
            } finally {
                archiver.close();
            }

            long written;
            try (Connection c = db.connect(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM events")) {
                rs.next();
                written = rs.getLong(1);
            }
            try (PointInTimeRestore.RestoredServer restored = PointInTimeRestore.builder().repository(repository)
                    .backup(base.id()).dataDirectory(temp.resolve("restored")).timeout(Duration.ofMinutes(3)).build()
                    .restore()) {
                restored.awaitPromoted(db.name(), server.username(), server.password(), Duration.ofMinutes(2));
                Properties props = new Properties();
                props.setProperty("user", server.username());
                props.setProperty("password", server.password());
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + restored.port() + "/"
                        + db.name(), props); Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM events")) {
                    rs.next();
                    assertEquals(written, rs.getLong(1), "every row, through the outage: " + restored.log());
                }
            }
        }
    }
}
