package dev.infrakit.backup;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recovery point, measured the hard way: rows written one transaction at a time into a server
 * with {@code synchronous_commit=on}, each recorded as acknowledged when its commit returned; the
 * whole server (postmaster and every backend, the WAL sender included) frozen and then killed with
 * SIGKILL mid-stream; the archiver closed (it stores what it received as the partial segment); a
 * point-in-time restore to the latest archived WAL; then the acknowledged rows that the restored
 * server lacks are counted. Asynchronous archiving loses at most the last second of acknowledged
 * writes (the figure is printed; the benchmarks measure it under load); with
 * {@code synchronous_standby_names} naming the archiver, nothing acknowledged is lost.
 */
class WalArchivingCrashIT {
    @TempDir
    Path temp;

    /** The outcome of one crash: acknowledged rows, restored rows, and the acknowledged ones lost. */
    private record Crash(long acknowledged, long restored, long lost, Duration lostSpan) {
    }

    @Test
    void asynchronousArchivingLosesAtMostTheLastSecondOfAcknowledgedCommits() throws Exception {
        Crash crash = writeKillAndRestore("infrakit_rpo_async", false);
        System.out.printf("WAL archiving RPO (asynchronous, server SIGKILLed): %d of %d acknowledged rows lost, "
                + "acknowledged within the last %d µs%n", crash.lost(), crash.acknowledged(), crash.lostSpan().toNanos() / 1000);
        assertTrue(crash.lostSpan().compareTo(Duration.ofSeconds(1)) <= 0, "at most the last second is lost: " + crash);
    }

    @Test
    void synchronousArchivingLosesNoAcknowledgedCommit() throws Exception {
        Crash crash = writeKillAndRestore("infrakit_rpo_sync", true);
        System.out.printf("WAL archiving RPO (synchronous, server SIGKILLed): %d of %d acknowledged rows lost%n",
                crash.lost(), crash.acknowledged());
        assertEquals(0, crash.lost(), "every acknowledged commit was archived before it was acknowledged: " + crash);
    }

    private Crash writeKillAndRestore(String slot, boolean synchronous) throws Exception {
        // The server runs as postgres when the JVM runs as root: it must pass through the test's directories.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        try (EphemeralPostgres server = EphemeralPostgres.builder().setting("synchronous_commit", "on").start();
                LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            TestDatabase db = server.createDatabase("rpo");
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE ticks (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
            }
            WalArchiver archiver = WalArchiver.builder().host(server.host()).port(server.port()).user(server.username())
                    .password(server.password()).archive(repository.walArchive().orElseThrow())
                    .spool(temp.resolve("spool")).slot(slot).synchronous(synchronous).build().start();
            List<Long> ackedAt = new ArrayList<>(); // nanoTime of each acknowledgement, by id - 1
            try {
                Manifest base = BackupRunner.builder(PostgresBaseBackupSource.builder().host(server.host())
                        .port(server.port()).user(server.username()).password(server.password()).build(), repository)
                        .minimumFreeBytes(0).build().run(BackupKind.DAILY);
                if (synchronous) {
                    try (Connection c = server.connectAdmin(); Statement st = c.createStatement()) {
                        st.execute("ALTER SYSTEM SET synchronous_standby_names = '" + slot + "'");
                        st.execute("SELECT pg_reload_conf()");
                    }
                    awaitSynchronousStandby(server, slot);
                }

                AtomicLong acknowledged = new AtomicLong();
                Thread writer = new Thread(() -> {
                    try (Connection c = db.connect(); PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO ticks (id) VALUES (?)")) {
                        for (long id = 1; ; id++) {
                            insert.setLong(1, id);
                            insert.executeUpdate(); // autocommit: returns once the commit is acknowledged
                            synchronized (ackedAt) {
                                ackedAt.add(System.nanoTime());
                            }
                            acknowledged.set(id);
                        }
                    } catch (SQLException stopped) {
                        // the server was killed
                    }
                }, "rpo-writer");
                writer.start();
                Thread.sleep(3000);
                assertTrue(acknowledged.get() > 100, "the writer made progress: " + acknowledged.get());
                crash(server);
                writer.join(30_000);
                archiver.close();

                Path data = temp.resolve("restored");
                try (PointInTimeRestore.RestoredServer restored = PointInTimeRestore.builder().repository(repository)
                        .backup(base.id()).dataDirectory(data).timeout(Duration.ofMinutes(3)).build().restore()) {
                    restored.awaitPromoted(db.name(), server.username(), server.password(), Duration.ofMinutes(2));
                    Properties props = new Properties();
                    props.setProperty("user", server.username());
                    props.setProperty("password", server.password());
                    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + restored.port() + "/"
                            + db.name(), props); Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT count(*), coalesce(max(id), 0) FROM ticks")) {
                        rs.next();
                        long count = rs.getLong(1);
                        long max = rs.getLong(2);
                        assertEquals(max, count, "the restored rows have no hole: they are a prefix of what was written");
                        long acked = acknowledged.get();
                        long lost = Math.max(0, acked - max);
                        Duration span;
                        synchronized (ackedAt) {
                            // From the acknowledgement of the last row restored to that of the last row written.
                            span = lost == 0 ? Duration.ZERO : Duration.ofNanos(ackedAt.get((int) acked - 1)
                                    - (max == 0 ? ackedAt.get(0) : ackedAt.get((int) max - 1)));
                        }
                        return new Crash(acked, max, lost, span);
                    }
                }
            } finally {
                archiver.close();
            }
        }
    }

    /** Waits until the server reports the archiver as its synchronous standby. */
    private static void awaitSynchronousStandby(EphemeralPostgres server, String slot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Connection c = server.connectAdmin(); PreparedStatement q = c.prepareStatement(
                    "SELECT sync_state FROM pg_stat_replication WHERE application_name = ?")) {
                q.setString(1, slot);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next() && "sync".equals(rs.getString(1))) {
                        return;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the archiver (application_name " + slot + ") never became the synchronous "
                        + "standby");
            }
            Thread.sleep(100);
        }
    }

    /**
     * Freezes the postmaster and all its processes (SIGSTOP), then kills them all (SIGKILL): the whole
     * server dies at one instant, as on a power cut, with no backend or WAL sender outliving the rest.
     */
    private static void crash(EphemeralPostgres server) throws Exception {
        ProcessHandle postmaster = ProcessHandle.of(server.pid()).orElseThrow();
        List<String> pids = new ArrayList<>();
        pids.add(Long.toString(postmaster.pid()));
        postmaster.descendants().forEach(p -> pids.add(Long.toString(p.pid())));
        signal("-STOP", pids);
        signal("-KILL", pids);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (postmaster.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(!postmaster.isAlive(), "the postmaster is dead");
    }

    private static void signal(String signal, List<String> pids) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        command.addAll(pids);
        Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, kill.waitFor(), "kill " + signal + " " + pids + ": " + output);
    }
}
