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
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The point-in-time drill against PostgreSQL 15, run by a {@link BackupRunner} after each base
 * backup: a base backup restored with the WAL archived since, promoted, smoke-queried, its RTO and
 * recovery point recorded in the manifest, everything it restored deleted; a check that does not
 * hold, and a WAL segment missing from the archive, make a failed drill that says why.
 */
class PointInTimeDrillIT {
    private static EphemeralPostgres server;
    private static TestDatabase db;

    @TempDir
    Path temp;

    @BeforeAll
    static void startServer() {
        server = EphemeralPostgres.builder().start();
        db = server.createDatabase("drill");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static String switchWal() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void awaitArchived(WalArchive archive, String segment) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (archive.list().stream().noneMatch(s -> s.name().equals(segment))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(segment + " was not archived");
            }
            Thread.sleep(100);
        }
    }

    private Path work() throws Exception {
        // The restored server runs as postgres when the JVM runs as root: it must pass through.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        return Files.createDirectories(temp.resolve("drills"));
    }

    @Test
    void aBaseBackupIsRestoredWithItsWalCheckedAndItsRecoveryTimeAndPointRecorded() throws Exception {
        Path work = work();
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            WalArchiver archiver = WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                    .password(server.password()).archive(repository.walArchive().orElseThrow())
                    .spool(temp.resolve("spool")).slot("infrakit_drill").build().start();
            try {
                sql("CREATE TABLE orders (id bigserial PRIMARY KEY, created timestamptz NOT NULL DEFAULT now())");
                sql("INSERT INTO orders (created) SELECT now() FROM generate_series(1, 250)");
                PointInTimeDrill drill = PointInTimeDrill.builder().user(server.username()).password(server.password())
                        .database(db.name()).workDirectory(work).timeout(Duration.ofMinutes(3))
                        .check("orders arrived", "SELECT count(*) >= 250 FROM orders")
                        .check("recent", "SELECT max(created) > now() - interval '1 day' FROM orders").build();
                BackupRunner runner = BackupRunner.builder(PostgresBaseBackupSource.builder().host(server.host())
                        .port(server.port()).user(server.username()).password(server.password()).build(), repository)
                        .minimumFreeBytes(0).drill(drill).build();
                Manifest base = runner.run(BackupKind.DAILY);
                DrillResult result = base.drill().orElseThrow();
                assertTrue(result.passed(), result.toString());
                assertTrue(result.detail().contains("2 checks passed") && result.detail().contains(
                        "every file matched the backup_manifest"), result.detail());
                assertTrue(result.restoreTime().compareTo(Duration.ZERO) > 0, result.toString());
                assertTrue(result.recoveredTo().isEmpty() && result.detail().contains("no transaction was replayed"),
                        "nothing was committed after the base backup began: " + result);

                // Commits after the base backup, archived: a later drill recovers them and records when.
                Instant before = Instant.now();
                sql("INSERT INTO orders (created) SELECT now() FROM generate_series(1, 50)");
                String closed = switchWal();
                WalArchive archive = repository.walArchive().orElseThrow();
                awaitArchived(archive, closed);
                Manifest drilled = runner.drill(base.id());
                DrillResult later = drilled.drill().orElseThrow();
                assertTrue(later.passed(), later.toString());
                Instant recoveredTo = later.recoveredTo().orElseThrow();
                assertTrue(!recoveredTo.isAfter(later.at()) && !recoveredTo.isBefore(before.minusSeconds(5)),
                        "the recovery point is the last archived commit: " + later);
                Manifest stored = repository.find(base.id()).orElseThrow();
                assertEquals(recoveredTo, stored.drill().orElseThrow().recoveredTo().orElseThrow(),
                        "the recovery point is recorded in the manifest");
                try (Stream<Path> left = Files.list(work)) {
                    assertEquals(List.of(), left.toList(), "the drill deletes what it restored");
                }

                PointInTimeDrill failing = PointInTimeDrill.builder().user(server.username()).password(server.password())
                        .database(db.name()).workDirectory(work).check("too many", "SELECT count(*) > 1000 FROM orders")
                        .build();
                DrillResult failed = failing.run(repository, base);
                assertFalse(failed.passed(), failed.toString());
                assertTrue(failed.detail().contains("check 'too many' returned false"), failed.detail());

                // A segment the recovery needs is gone: a failed drill naming it, not an exception.
                String start = WalRetention.startSegment(repository, base);
                String missing = archive.list().stream().map(WalArchive.WalSegment::name).filter(n -> n.matches(
                        "[0-9A-F]{24}") && n.compareTo(start) >= 0).findFirst().orElseThrow();
                archive.delete(missing);
                DrillResult gap = drill.run(repository, base);
                assertFalse(gap.passed(), gap.toString());
                assertTrue(gap.detail().contains(missing), gap.detail());
            } finally {
                archiver.close();
            }
        }
    }

    @Test
    void aDrillNeedsAUserAndRefusesAPrivilegedOsUser() {
        assertThrows(IllegalStateException.class, () -> PointInTimeDrill.builder().build());
        assertThrows(IllegalArgumentException.class, () -> PointInTimeDrill.builder().osUser("root"));
        assertThrows(IllegalArgumentException.class, () -> PointInTimeDrill.builder().osUser("-x"));
        assertThrows(IllegalStateException.class, () -> PointInTimeDrill.builder().check("a", "SELECT true")
                .check("a", "SELECT true"));
    }
}
