package dev.infrakit.backup;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Continuous WAL archiving from a real PostgreSQL 15 into a repository's WAL archive: segments
 * arrive in order without gaps, a killed {@code pg_receivewal} is restarted and loses nothing (the
 * slot kept the WAL), and closing stores the segment in progress as {@code .partial}.
 */
class WalArchiverIT {
    private static EphemeralPostgres server;
    private static TestDatabase db;

    @TempDir
    Path temp;

    @BeforeAll
    static void startServer() {
        server = EphemeralPostgres.builder().start();
        db = server.createDatabase("wal_archiving");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private WalArchiver.Builder archiver(WalArchive archive, String slot) {
        return WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                .password(server.password()).archive(archive).spool(temp.resolve("spool-" + slot)).slot(slot);
    }

    /** Writes some rows and switches to a new segment; returns the name of the segment it closed. */
    private static String writeAndSwitch(int rows) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS events (id bigserial PRIMARY KEY, payload text)");
            st.execute("INSERT INTO events (payload) SELECT repeat('x', 200) FROM generate_series(1, " + rows + ")");
            try (ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what.get());
            }
            Thread.sleep(100);
        }
    }

    private String spool(String slot) {
        try (Stream<Path> files = Files.list(temp.resolve("spool-" + slot))) {
            return files.map(f -> f.getFileName() + " " + f.toFile().length()).toList().toString();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static boolean archived(WalArchive archive, String segment) {
        try {
            return archive.list().stream().anyMatch(s -> s.name().equals(segment));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void segmentsArriveInOrderAKilledReceiverLosesNothingAndClosingKeepsThePartial() throws Exception {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            WalArchive archive = repository.walArchive().orElseThrow();
            String first;
            String afterKill;
            try (WalArchiver archiver = archiver(archive, "infrakit_it").build().start()) {
                first = writeAndSwitch(1000);
                await(() -> archived(archive, first), () -> first + " is archived (spool: " + spool("infrakit_it")
                        + ", " + archiver.status() + ")");
                String second = writeAndSwitch(1000);
                await(() -> archived(archive, second), () -> second + " is archived");

                // Kill pg_receivewal: the supervisor restarts it and the slot kept the WAL written meanwhile.
                List<ProcessHandle> receivers = ProcessHandle.current().descendants()
                        .filter(p -> p.info().command().orElse("").endsWith("pg_receivewal")).toList();
                assertEquals(1, receivers.size(), "one receiver runs");
                receivers.get(0).destroyForcibly();
                afterKill = writeAndSwitch(2000);
                await(() -> archiver.status().restarts() >= 1 && archived(archive, afterKill), () -> afterKill
                        + " is archived after the restart (spool: " + spool("infrakit_it") + ", " + archiver.status() + ")");
                assertTrue(archiver.status().lastError().orElse("").contains("pg_receivewal exited"),
                        archiver.status().toString());
                writeAndSwitch(10); // a little WAL in the next, unfinished segment
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO events (payload) VALUES ('in the partial segment')");
                }
            }
            List<WalArchive.WalSegment> stored = archive.list();
            List<String> complete = stored.stream().map(WalArchive.WalSegment::name).filter(n -> !n.contains("."))
                    .toList();
            assertTrue(complete.contains(first) && complete.contains(afterKill), complete.toString());
            long from = Long.parseLong(first.substring(16), 16);
            long to = Long.parseLong(afterKill.substring(16), 16);
            for (long n = from; n <= to; n++) {
                String name = first.substring(0, 16) + String.format("%08X", n);
                assertTrue(complete.contains(name), "no gap: " + name + " is archived (" + complete + ")");
            }
            assertTrue(stored.stream().anyMatch(s -> s.name().endsWith(".partial")),
                    "closing stores the segment in progress as .partial: " + stored);
            for (WalArchive.WalSegment s : stored) {
                if (!s.name().contains(".")) {
                    assertEquals(16L << 20, s.size(), s.name() + " is a whole segment");
                }
            }
            try (InputStream in = archive.open(first)) {
                byte[] head = in.readNBytes(2);
                assertEquals(0xD110, (head[0] & 0xff) | (head[1] & 0xff) << 8,
                        "a WAL segment starts with PostgreSQL 15's page magic (0xD110, little-endian)");
            }
            try (Stream<Path> left = Files.list(temp.resolve("spool-infrakit_it"))) {
                assertTrue(left.allMatch(f -> f.getFileName().toString().endsWith(".partial")),
                        "stored segments leave the spool");
            }
        }
    }

    @Test
    void twoArchiversOnOneSlotArchiveOnceAndTheOtherTakesOverWhenTheFirstStops() throws Exception {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            WalArchive archive = repository.walArchive().orElseThrow();
            WalArchiver a = archiver(archive, "infrakit_shared").build().start();
            WalArchiver b = WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                    .password(server.password()).archive(archive).spool(temp.resolve("spool-other"))
                    .slot("infrakit_shared").build().start();
            try {
                // Whichever takes the slot's advisory lock first receives; the other stands by without
                // starting pg_receivewal at all (no refused connection, no restart).
                await(() -> a.status().receiving() != b.status().receiving() && (a.status().standingBy()
                        || b.status().standingBy()), () -> "one receives, the other stands by: " + a.status() + " / "
                        + b.status());
                WalArchiver holder = a.status().receiving() ? a : b;
                WalArchiver waiting = holder == a ? b : a;
                assertTrue(waiting.status().lastError().orElse("").contains("another archiver holds the lock of slot "
                        + "infrakit_shared"), waiting.status().toString());
                assertEquals(0, holder.status().restarts() + waiting.status().restarts(), "nobody was refused: "
                        + holder.status() + " / " + waiting.status());
                assertEquals(dev.infrakit.core.health.HealthStatus.UP, waiting.healthCheck(java.time.Duration.ofMinutes(5),
                        1L << 30).check().status(), "standing by is healthy");
                String before = writeAndSwitch(100);
                await(() -> archived(archive, before), () -> before + " is archived by the holder");
                holder.close();
                String after = writeAndSwitch(100);
                await(() -> archived(archive, after), () -> after + " is archived by the other once the holder stopped: "
                        + waiting.status());
                assertTrue(waiting.status().receiving() && !waiting.status().standingBy(), waiting.status().toString());
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void theHealthCheckWarnsWhenArchivingStopsAndFailsWhenTheSlotHoldsBackTooMuch() throws Exception {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            WalArchive archive = repository.walArchive().orElseThrow();
            WalArchiver archiver = archiver(archive, "infrakit_health").build().start();
            dev.infrakit.core.health.HealthCheck healthy = archiver.healthCheck(java.time.Duration.ofMinutes(5), 1L << 30);
            dev.infrakit.core.health.HealthCheck tight = archiver.healthCheck(java.time.Duration.ofMinutes(5), 1);
            io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            archiver.metrics().bindTo(meters);
            try {
                String segment = writeAndSwitch(500);
                await(() -> archived(archive, segment), () -> segment + " is archived");
                dev.infrakit.core.health.HealthResult up = healthy.check();
                assertEquals(dev.infrakit.core.health.HealthStatus.UP, up.status(), up.toString());
                // Without a WAL retention the archive grows without bound: the check says so past a size.
                dev.infrakit.core.health.HealthResult growing = archiver.healthCheck(java.time.Duration.ofMinutes(5),
                        1L << 30, 1L << 20).check();
                assertEquals(dev.infrakit.core.health.HealthStatus.DEGRADED, growing.status(), growing.toString());
                assertTrue(growing.output().orElse("").contains("grows without bound"), growing.toString());
                assertEquals(dev.infrakit.core.health.HealthStatus.UP, archiver.healthCheck(java.time.Duration.ofMinutes(5),
                        1L << 30, 1L << 40).check().status(), "under the limit");
                assertTrue(up.observedValue().isPresent(), "the WAL the slot holds back is observed");
                assertTrue(meters.get("infrakit.backup.wal.archived").tag("slot", "infrakit_health").functionCounter()
                        .count() >= 1);
                assertEquals(1.0, meters.get("infrakit.backup.wal.receiving").gauge().value());
            } finally {
                archiver.close();
            }
            writeAndSwitch(500);
            writeAndSwitch(500); // the slot now holds back WAL nobody receives
            dev.infrakit.core.health.HealthResult degraded = healthy.check();
            assertEquals(dev.infrakit.core.health.HealthStatus.DEGRADED, degraded.status(), degraded.toString());
            assertTrue(degraded.output().orElse("").contains("pg_receivewal is not running"), degraded.toString());
            dev.infrakit.core.health.HealthResult down = tight.check();
            assertEquals(dev.infrakit.core.health.HealthStatus.DOWN, down.status(), down.toString());
            assertTrue(down.output().orElse("").contains("holds back") && down.output().orElse("").contains("archiving is down"), down.toString());
            assertEquals(0.0, meters.get("infrakit.backup.wal.receiving").gauge().value());
        }
    }

    @Test
    void theArchiveRefusesOtherContentForAStoredSegmentAndNamesThatAreNotWal() throws Exception {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            WalArchive archive = repository.walArchive().orElseThrow();
            Path one = Files.write(temp.resolve("one"), new byte[] {1, 2, 3});
            Path two = Files.write(temp.resolve("two"), new byte[] {4, 5, 6});
            String name = "000000010000000000000007";
            WalArchive.WalSegment stored = archive.put(name, one);
            assertEquals(stored, archive.put(name, one), "the same content again is a no-op");
            BackupException other = assertThrows(BackupException.class, () -> archive.put(name, two));
            assertTrue(other.getMessage().contains("another server may be archiving"), other.getMessage());
            archive.put(name + ".partial", one);
            archive.put(name + ".partial", two); // a partial segment may grow
            try (InputStream in = archive.open(name + ".partial")) {
                assertArrayEquals(new byte[] {4, 5, 6}, in.readAllBytes());
            }
            for (String bad : List.of("../etc/passwd", "000000010000000000000007/x", "00000001000000000000000g",
                    ".wal", "")) {
                assertThrows(IllegalArgumentException.class, () -> archive.put(bad, one), bad);
                assertThrows(IllegalArgumentException.class, () -> archive.open(bad), bad);
            }
            assertFalse(repository.list().stream().anyMatch(m -> m.id().equals(".wal")), "the archive is no backup");
            archive.delete(name);
            assertThrows(BackupException.class, () -> archive.open(name));
        }
    }
}
