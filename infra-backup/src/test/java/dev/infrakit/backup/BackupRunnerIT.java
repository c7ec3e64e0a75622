package dev.infrakit.backup;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.MemoryAuditLog;
import dev.infrakit.backup.internal.PgBinaries;
import dev.infrakit.core.Config;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.Providers;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole pipeline against the ephemeral PostgreSQL with the real pg_dump and pg_restore: backup,
 * verification, restore drill, off-site copy, audit, notification, locking and freshness.
 */
class BackupRunnerIT {
    private static TestDatabase db;

    @TempDir
    Path temp;

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T03:00:00Z"));
    private final List<Notification> notifications = new CopyOnWriteArrayList<>();

    private final MemoryAuditLog sink = MemoryAuditLog.create();

    private final Notifier notifier = new Notifier() {
        @Override
        public void send(Notification n) {
            notifications.add(n);
        }

        @Override
        public String name() {
            return "recording";
        }
    };

    @BeforeAll
    static void createDatabase() throws Exception {
        db = EphemeralPostgres.shared().createDatabase("BackupRunnerIT");
        PgFixtures.populate(db);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    private static PostgresBackupSource.Builder source() {
        return PostgresBackupSource.builder().host(db.server().host()).port(db.server().port())
                .database(db.name()).user(db.username());
    }

    private static RestoreDrill drill() {
        return RestoreDrill.builder().host(db.server().host()).port(db.server().port()).user(db.username())
                .password(db.password()).allowPrivilegedRole(true) // our own fixture; RestoreDrillPrivilegeIT covers the refusal
                .check("orders restored", "SELECT count(*) = 500 FROM orders").build();
    }

    private LocalBackupRepository repository(String name) {
        return LocalBackupRepository.open(temp.resolve(name), clock);
    }

    private BackupRunner.Builder runner(BackupSource source, BackupRepository repository) {
        return BackupRunner.builder(source, repository).clock(clock).auditSink(sink).notifier(notifier)
                .minimumFreeBytes(0);
    }

    private List<String> types() {
        return sink.events().stream().map(AuditEvent::type).toList();
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aRunIsVerifiedDrilledCopiedOffSiteAndAudited() throws Exception {
        LocalBackupRepository repo = repository("repo");
        LocalBackupRepository offsite = repository("offsite");
        BackupRunner runner = runner(source().password(db.password()).build(), repo).drill(drill()).offsite(offsite)
                .build();

        Manifest m = runner.run(BackupKind.DAILY);

        assertEquals(BackupStatus.VERIFIED, m.status());
        assertEquals(PgFixtures.expectedRows(), m.rowCounts());
        Manifest stored = repo.find(m.id()).orElseThrow();
        assertEquals(BackupStatus.VERIFIED, stored.status());
        DrillResult drill = stored.drill().orElseThrow();
        assertTrue(drill.passed(), drill::toString);
        assertTrue(drill.detail().endsWith("every row count matches the manifest; 1 checks passed"), drill::detail);
        assertEquals(List.of(), BackupCopier.create().verify(repo, m.id()));

        Manifest copy = offsite.find(m.id()).orElseThrow();
        assertEquals(BackupStatus.VERIFIED, copy.status());
        assertEquals(stored.artifacts(), copy.artifacts());
        assertEquals(List.of(), BackupCopier.create().verify(offsite, m.id()));

        assertEquals(List.of("backup.drill", "backup.completed"), types());
        AuditEvent completed = sink.events().get(1);
        assertEquals(AuditEvent.Outcome.SUCCESS, completed.outcome());
        assertEquals(AuditEvent.Outcome.SUCCESS, sink.events().get(0).outcome());
        assertTrue(notifications.isEmpty(), notifications::toString);
    }

    @Test
    void aSourceFromConfigIsBackedUp() {
        Config config = Config.of(Map.of("infrakit.backup.source", "postgres",
                "infrakit.backup.postgres.host", db.server().host(),
                "infrakit.backup.postgres.port", Integer.toString(db.server().port()),
                "infrakit.backup.postgres.database", db.name(),
                "infrakit.backup.postgres.user", db.username(),
                "infrakit.backup.postgres.password", db.password(),
                "infrakit.backup.postgres.timeout", "5m",
                "infrakit.backup.repository", "local",
                "infrakit.backup.local.dir", temp.resolve("configured").toString()));
        BackupSource source = Providers.load(BackupSourceProvider.class, config);
        try (BackupRepository repo = Providers.load(BackupRepositoryProvider.class, config)) {
            Manifest m = runner(source, repo).build().run(BackupKind.MANUAL);
            assertEquals(BackupStatus.VERIFIED, m.status());
            assertEquals("postgres:" + db.name(), m.source());
            assertEquals(PgFixtures.expectedRows(), m.rowCounts());
            assertTrue(m.artifact(PostgresBackupSource.DUMP_ARTIFACT).orElseThrow().size() > 0);
        }
    }

    @Test
    void aTruncatedDumpIsReportedAndFailsTheDrill() throws IOException {
        LocalBackupRepository repo = repository("repo");
        BackupRunner runner = runner(source().password(db.password()).build(), repo).drill(drill()).build();
        Manifest m = runner.run(BackupKind.MANUAL);
        long size = m.artifact(PostgresBackupSource.DUMP_ARTIFACT).orElseThrow().size();
        try (FileChannel ch = FileChannel.open(repo.directory().resolve(m.id()).resolve(PostgresBackupSource.DUMP_ARTIFACT),
                StandardOpenOption.WRITE)) {
            ch.truncate(size / 2);
        }

        List<String> problems = BackupCopier.create().verify(repo, m.id());
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("database.dump: " + size / 2 + " bytes read, the manifest says " + size),
                problems::toString);

        sink.clear();
        Manifest drilled = runner.drill(m.id());

        DrillResult result = drilled.drill().orElseThrow();
        assertFalse(result.passed(), result::toString);
        assertTrue(result.detail().contains("database.dump does not match the manifest"), result::detail);
        assertFalse(result.detail().contains(db.password()));
        assertEquals(drilled, repo.find(m.id()).orElseThrow());
        assertFalse(repo.find(m.id()).orElseThrow().drill().orElseThrow().passed());

        assertEquals(List.of("backup.drill"), types());
        assertEquals(AuditEvent.Outcome.FAILURE, sink.events().get(0).outcome());
        assertEquals(1, notifications.size(), notifications::toString);
        Notification n = notifications.get(0);
        assertEquals(Notification.Severity.CRITICAL, n.severity());
        assertEquals("Restore drill of " + m.id() + " failed", n.title());
        assertFalse(n.message().contains(db.password()));
    }

    @Test
    void aWrongPasswordFailsTheRunAndLeavesAFailedManifestWithoutArtifacts() throws IOException {
        String wrong = "wrong-Pa55word-" + System.nanoTime();
        LocalBackupRepository repo = repository("repo");
        BackupRunner runner = runner(source().password(wrong).build(), repo).build();

        BackupException e = assertThrows(BackupException.class, () -> runner.run(BackupKind.DAILY));

        assertTrue(e.getMessage().contains("password authentication failed"), e::getMessage);
        assertFalse(e.getMessage().contains(wrong), e::getMessage);
        assertFailedWithoutArtifacts(repo, wrong, "password authentication failed");
    }

    /**
     * pg_dump itself is refused while the source's own JDBC connection got in: a wrapper runs the
     * real pg_dump with a wrong PGPASSWORD.
     */
    @Test
    void aPgDumpThatFailsFailsTheRunAndLeavesAFailedManifestWithoutArtifacts() throws IOException {
        String wrong = "wrong-Pa55word-" + System.nanoTime();
        Path real = PgBinaries.locate("pg_dump", null, System.getenv());
        Path bin = Files.createDirectories(temp.resolve("bin"));
        Path wrapper = bin.resolve("pg_dump");
        Files.writeString(wrapper, "#!/bin/sh\nPGPASSWORD='" + wrong + "' exec '" + real + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        LocalBackupRepository repo = repository("repo");
        BackupRunner runner = runner(source().password(db.password()).binDir(bin).build(), repo).build();

        BackupException e = assertThrows(BackupException.class, () -> runner.run(BackupKind.DAILY));

        assertTrue(e.getMessage().contains("pg_dump of postgres:" + db.name() + " failed"), e::getMessage);
        assertTrue(e.getMessage().contains("password authentication failed"), e::getMessage);
        assertFalse(e.getMessage().contains(wrong) || e.getMessage().contains(db.password()), e::getMessage);
        assertFailedWithoutArtifacts(repo, wrong, "pg_dump");
    }

    private void assertFailedWithoutArtifacts(LocalBackupRepository repo, String wrong, String reasonPart)
            throws IOException {
        List<Manifest> all = repo.list();
        assertEquals(1, all.size(), all::toString);
        Manifest failed = all.get(0);
        assertEquals(BackupStatus.FAILED, failed.status());
        String reason = failed.failure().orElseThrow();
        assertTrue(reason.contains(reasonPart), reason);
        assertFalse(reason.contains(wrong) || reason.contains(db.password()), reason);
        assertTrue(failed.artifacts().isEmpty(), failed::toString);
        assertEquals(List.of("manifest.json"), files(repo.directory().resolve(failed.id())));
        assertFalse(Files.readString(repo.directory().resolve(failed.id()).resolve("manifest.json")).contains(wrong));

        assertEquals(List.of("backup.failed"), types());
        assertFalse(sink.events().get(0).toString().contains(wrong));
        assertEquals(1, notifications.size());
        assertFalse(notifications.get(0).message().contains(wrong));
    }

    @Test
    void aRunIsRefusedWhileAnotherHoldsTheLock() {
        LocalBackupRepository repo = repository("repo");
        BackupRunner runner = runner(source().password(db.password()).build(), repo).build();

        try (RepositoryLock held = repo.lock("nightly backup on another thread")) {
            BackupException e = assertThrows(BackupException.class, () -> runner.run(BackupKind.DAILY));
            assertTrue(e.getMessage().contains(held.holder()), e::getMessage);
            assertTrue(e.getMessage().contains("purpose 'nightly backup on another thread'"), e::getMessage);
            assertTrue(repo.list().isEmpty(), "a refused run leaves nothing");
            assertEquals(List.of("backup.failed"), types());
        }

        assertEquals(BackupStatus.VERIFIED, runner.run(BackupKind.DAILY).status());
    }

    @Test
    void freshnessIsUpAfterARunAndDownOnceTheBackupIsOlderThanTheRpo() throws Exception {
        LocalBackupRepository repo = repository("repo");
        BackupRunner runner = runner(source().password(db.password()).build(), repo).build();
        HealthCheck hourly = runner.freshnessCheck(Duration.ofHours(1));
        assertEquals(HealthStatus.DOWN, hourly.check().status(), "no backup yet");

        Manifest m = runner.run(BackupKind.HOURLY);
        HealthResult up = hourly.check();
        assertEquals(HealthStatus.UP, up.status(), up::toString);
        assertEquals(m.id(), up.details().get("backup"));

        clock.advance(Duration.ofMinutes(45));
        assertEquals(HealthStatus.UP, hourly.check().status());
        HealthResult down = runner.freshnessCheck(Duration.ofMinutes(30)).check();
        assertEquals(HealthStatus.DOWN, down.status(), down::toString);
        assertTrue(down.output().orElseThrow().contains("is 45 min old; the limit is 30 min"), down::toString);
        assertInstanceOf(Number.class, down.observedValue().orElseThrow());
        assertEquals(45L * 60, ((Number) down.observedValue().orElseThrow()).longValue());

        clock.advance(Duration.ofMinutes(30));
        assertEquals(HealthStatus.DOWN, hourly.check().status());
    }
}
