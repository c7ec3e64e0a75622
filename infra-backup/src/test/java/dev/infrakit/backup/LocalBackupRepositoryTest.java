package dev.infrakit.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.infrakit.backup.Backups.bytes;
import static dev.infrakit.backup.Backups.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LocalBackupRepository}: what is specific to a directory (the SPI contract runs in
 * infra-test's LocalBackupRepositoryContractTest): the layout, the messages, crash leftovers, the lock file and the takeover
 * of a dead holder's lock.
 */
class LocalBackupRepositoryTest {
    private static final Instant T0 = Instant.parse("2026-03-01T03:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aPublishedBackupIsADirectoryWithItsArtifactsAndManifest() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("database.dump", bytes("dump content"));
        files.put("globals.sql", new byte[0]);
        Manifest published = Backups.publish(repository, T0, files);

        assertEquals(published, Manifest.fromJson(Files.readString(dir.resolve(published.id()).resolve("manifest.json"))));
        assertEquals(List.of(), names(dir.resolve(".staging")), "nothing left in staging");
        assertEquals(List.of("database.dump", "globals.sql", "manifest.json"), names(dir.resolve(published.id())));
        assertTrue(repository.usableSpace() > 0);
        assertEquals("local:" + dir.toRealPath(), repository.name());
    }

    @Test
    void everyFileIsOwnerOnlyAndWhatAnOlderVersionLeftOpenIsTightenedOnOpen() throws Exception {
        Path nested = dir.resolve("a").resolve("repo");
        LocalBackupRepository repository = LocalBackupRepository.open(nested);
        Manifest published = Backups.publish(repository, T0, Map.of("database.dump", bytes("dump")));
        repository.update(published.verified(T0.plusSeconds(1)));
        try (RepositoryLock lock = repository.lock("test-run")) {
            assertTrue(lock.holder().contains("test-run"));
        }
        RepositoryPermissionsIT.assertAllOwnerOnly(dir);

        // What an older version left: 0755 directories, 0644 files (and a staging root).
        java.util.Set<java.nio.file.attribute.PosixFilePermission> wideFile =
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
        java.util.Set<java.nio.file.attribute.PosixFilePermission> wideDirectory =
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
        try (Stream<Path> all = Files.walk(nested)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, Files.isDirectory(p) ? wideDirectory : wideFile);
            }
        }
        LocalBackupRepository reopened = LocalBackupRepository.open(nested);
        RepositoryPermissionsIT.assertAllOwnerOnly(nested);
        assertEquals(List.of(published.verified(T0.plusSeconds(1))), reopened.list());
    }

    @Test
    void aStagingLeftByACrashIsNeverListedAndIsRemovedOnOpen() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest published = Backups.publish(repository, T0.plusSeconds(1), Map.of("a", bytes("a")));
        // What a run killed just before its rename leaves: synced artifacts, a partial one, even a manifest.
        Manifest crashed = Manifest.start("test:db", BackupKind.DAILY, T0);
        Path leftover = Files.createDirectories(dir.resolve(".staging").resolve(crashed.id()));
        Files.write(leftover.resolve("database.dump"), bytes("complete"));
        Files.write(leftover.resolve(".globals.sql.partial"), bytes("half"));
        Files.writeString(leftover.resolve("manifest.json"), crashed.complete(T0, List.of(), Backups.INFO).toJson());
        assertEquals(List.of(published), repository.list(), "a staging is never listed");

        try (Backups.LogCapture log = new Backups.LogCapture()) {
            LocalBackupRepository reopened = LocalBackupRepository.open(dir);
            assertFalse(Files.exists(leftover), "the leftover staging was removed");
            assertEquals(List.of(published), reopened.list());
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("leftover staging directory " + crashed.id())),
                    log.warnings().toString());
        }
    }

    @Test
    void openingDoesNotRemoveAStagingBeingWrittenInThisProcess() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest running = Manifest.start("test:db", BackupKind.DAILY, T0);
        try (BackupRepository.Staging staging = repository.begin(running)) {
            try (OutputStream out = staging.open("a")) {
                out.write(1);
            }
            LocalBackupRepository.open(dir);
            assertTrue(Files.exists(dir.resolve(".staging").resolve(running.id()).resolve("a")));
            assertEquals(List.of(), repository.list(), "a staging is never listed");
            staging.publish(running.complete(T0, staging.artifacts(), Backups.INFO));
        }
        assertEquals(1, repository.list().size());
    }

    @Test
    void aDirectoryWithoutAValidManifestIsNotABackup() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest good = Backups.publish(repository, T0, Map.of("a", bytes("a")));
        Files.createDirectories(dir.resolve("no-manifest"));
        Files.write(dir.resolve("no-manifest").resolve("database.dump"), bytes("orphan"));
        Files.createDirectories(dir.resolve("broken"));
        Files.writeString(dir.resolve("broken").resolve("manifest.json"), "{\"format\": 1, \"id\": ");
        Files.createDirectories(dir.resolve("other-id"));
        Files.writeString(dir.resolve("other-id").resolve("manifest.json"), good.toJson());
        Files.writeString(dir.resolve("stray-file"), "not a directory");

        try (Backups.LogCapture log = new Backups.LogCapture()) {
            assertEquals(List.of(good), repository.list());
            assertTrue(repository.find("broken").isEmpty());
            assertTrue(repository.find("absent").isEmpty());
            String warnings = log.warnings().toString();
            assertTrue(warnings.contains("skipping no-manifest"), warnings);
            assertTrue(warnings.contains("skipping broken"), warnings);
            assertTrue(warnings.contains("skipping other-id: its manifest is for backup " + good.id()), warnings);
        }
        assertThrows(BackupException.class, () -> repository.open("no-manifest", "database.dump"));
    }

    @Test
    void aRefusedPublishSaysWhyAndClosingRemovesTheStagingDirectory() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest running = Manifest.start("test:db", BackupKind.DAILY, T0);
        try (BackupRepository.Staging staging = repository.begin(running)) {
            try (OutputStream out = staging.open("database.dump")) {
                out.write(bytes("real"));
            }
            try (OutputStream out = staging.open("extra.bin")) {
                out.write(bytes("extra"));
            }
            Artifact real = staging.artifacts().get(0);
            List<List<Artifact>> wrong = List.of(
                    List.of(new Artifact("database.dump", real.size(), sha256(bytes("fake"))), staging.artifacts().get(1)),
                    List.of(new Artifact("database.dump", real.size() + 1, real.sha256()), staging.artifacts().get(1)),
                    List.of(real),
                    List.of(real, staging.artifacts().get(1), new Artifact("missing.bin", 0, sha256(new byte[0]))));
            for (List<Artifact> artifacts : wrong) {
                BackupException e = assertThrows(BackupException.class,
                        () -> staging.publish(running.complete(T0, artifacts, Backups.INFO)));
                assertTrue(e.getMessage().contains("does not match the staged artifacts"), e.getMessage());
            }
            try (OutputStream out = staging.open("third.bin")) {
                out.write(bytes("half"));
                BackupException e = assertThrows(BackupException.class,
                        () -> staging.publish(running.complete(T0, staging.artifacts(), Backups.INFO)));
                assertTrue(e.getMessage().contains("still being written"), e.getMessage());
            }
        }
        assertEquals(List.of(), names(dir.resolve(".staging")), "closing discarded the staging area");
    }

    @Test
    void namesNeverReachOutsideTheRepositoryAndManifestJsonIsReserved() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest published = Backups.publish(repository, T0, Map.of("a", bytes("a")));
        Files.writeString(dir.resolve("secret"), "outside the backup");
        for (String name : List.of("../secret", "a/../../secret")) {
            assertThrows(IllegalArgumentException.class, () -> repository.open(published.id(), name), name);
        }
        try (BackupRepository.Staging staging = repository.begin(Manifest.start("test:db", BackupKind.DAILY, T0))) {
            assertThrows(IllegalArgumentException.class, () -> staging.open("../escape"));
            IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                    () -> staging.open("manifest.json"));
            assertTrue(reserved.getMessage().contains("reserved for the manifest"), reserved.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("escape")));
    }

    @Test
    void aFailedBackupKeepsOnlyItsManifest() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest running = Manifest.start("test:db", BackupKind.DAILY, T0);
        try (BackupRepository.Staging staging = repository.begin(running)) {
            try (OutputStream out = staging.open("database.dump")) {
                out.write(bytes("partial"));
            }
            staging.fail(running.failed(T0.plusSeconds(5), "pg_dump exited with 1: connection refused"));
        }
        assertEquals(BackupStatus.FAILED, repository.list().get(0).status());
        assertEquals(List.of("manifest.json"), names(dir.resolve(running.id())));
        assertEquals(List.of(), names(dir.resolve(".staging")));
    }

    @Test
    void aStagingClosedWithoutPublishingLeavesNoDirectory() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest running = Manifest.start("test:db", BackupKind.DAILY, T0);
        BackupRepository.Staging staging = repository.begin(running);
        try (OutputStream out = staging.open("database.dump")) {
            out.write(bytes("abandoned"));
        }
        OutputStream stillOpen = staging.open("second");
        stillOpen.write(1);
        staging.close();
        stillOpen.close();
        assertFalse(Files.exists(dir.resolve(".staging").resolve(running.id())));
        assertFalse(Files.exists(dir.resolve(running.id())));
    }

    @Test
    void updateReplacesTheManifestFileAtomically() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest published = Backups.publish(repository, T0, Map.of("a", bytes("a")));
        Manifest verified = published.verified(T0.plusSeconds(120)).keepForever(true);
        repository.update(verified);

        assertEquals(List.of("a", "manifest.json"), names(dir.resolve(published.id())), "no temporary file left");
        assertEquals(verified, Manifest.fromJson(Files.readString(dir.resolve(published.id()).resolve("manifest.json"))));
        BackupException changed = assertThrows(BackupException.class, () -> repository.update(verified.complete(T0,
                List.of(new Artifact("a", 2, sha256(bytes("ab")))), Backups.INFO)));
        assertTrue(changed.getMessage().contains("cannot change its artifacts"), changed.getMessage());

        // An update interrupted after writing its temporary file: the old manifest stands, the file goes.
        Path temporary = dir.resolve(published.id()).resolve("manifest.json.0123456789abcdef.tmp");
        Files.writeString(temporary, "{\"format\": 1, \"id\": \"torn");
        assertEquals(verified, repository.find(published.id()).orElseThrow());
        LocalBackupRepository.open(dir);
        assertFalse(Files.exists(temporary));
    }

    @Test
    void openingLeavesAWalFileBeingArchivedAndRemovesOneAnInterruptedArchiverLeft() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Path segment = Files.write(dir.resolveSibling("segment"), bytes("wal"));
        repository.walArchive().orElseThrow().put("000000010000000000000001", segment);
        // An archiver, in this process or another, writes without the run lock: its file is fresh.
        Path writing = dir.resolve(".wal").resolve(".000000010000000000000002.0123456789abcdef.tmp");
        Path left = dir.resolve(".wal").resolve(".000000010000000000000003.0123456789abcdef.tmp");
        Files.writeString(writing, "in flight");
        Files.writeString(left, "interrupted");
        Files.setLastModifiedTime(left, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()
                - java.util.concurrent.TimeUnit.HOURS.toMillis(2)));
        LocalBackupRepository.open(dir);
        assertTrue(Files.exists(writing), "a file being archived now is left alone");
        assertFalse(Files.exists(left), "one untouched for two hours was left by an interrupted archiver");
    }

    @Test
    void deleteRemovesTheDirectoryEvenOfAHalfDeletedBackup() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest first = Backups.publish(repository, T0, Map.of("a", bytes("a"), "b", bytes("b")));
        Manifest second = Backups.publish(repository, T0.plusSeconds(60), Map.of("a", bytes("a")));
        repository.delete(first.id());
        assertFalse(Files.exists(dir.resolve(first.id())));

        // A half-deleted backup (manifest gone, artifacts left) is not listed, and can be deleted.
        Files.delete(dir.resolve(second.id()).resolve("manifest.json"));
        assertEquals(List.of(), repository.list());
        repository.delete(second.id());
        assertEquals(List.of(), names(dir).stream().filter(n -> !n.startsWith(".")).collect(Collectors.toList()));
    }

    @Test
    void theLockFileRecordsTheHolderAndARefusalSaysSinceWhen() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir, java.time.Clock.fixed(T0,
                java.time.ZoneOffset.UTC));
        try (RepositoryLock lock = repository.lock("nightly backup")) {
            assertTrue(lock.holder().contains("pid " + ProcessHandle.current().pid()), lock.holder());
            String record = Files.readString(dir.resolve(".lock"));
            assertTrue(record.contains("\"purpose\":\"nightly backup\"") && record.contains(T0.toString()), record);
            BackupException e = assertThrows(BackupException.class,
                    () -> LocalBackupRepository.open(dir).lock("off-site copy"));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            assertTrue(e.getMessage().contains("nightly backup") && e.getMessage().contains("since " + T0),
                    e.getMessage());
        }
        assertEquals("", Files.readString(dir.resolve(".lock")), "a clean release clears the record");
        try (Backups.LogCapture log = new Backups.LogCapture(); RepositoryLock again = repository.lock("again")) {
            assertEquals(List.of(), log.warnings(), "no takeover after a clean release");
            assertTrue(again.holder().contains("'again'"), again.holder());
        }
    }

    @Test
    void aLockRecordedByAProcessThatIsGoneIsTakenOverWithAWarning() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        String host;
        try (RepositoryLock lock = repository.lock("probe")) {
            assertTrue(lock.holder().contains("probe"));
            String record = Files.readString(dir.resolve(".lock"));
            host = record.replaceAll(".*\"host\":\"([^\"]*)\".*", "$1");
        }
        long gone = Integer.MAX_VALUE; // above every pid_max
        Files.writeString(dir.resolve(".lock"), "{\"pid\":" + gone + ",\"host\":\"" + host
                + "\",\"purpose\":\"crashed run\",\"since\":\"2026-01-01T00:00:00Z\"}", StandardCharsets.UTF_8);
        try (Backups.LogCapture log = new Backups.LogCapture(); RepositoryLock lock = repository.lock("next run")) {
            String warnings = log.warnings().toString();
            assertTrue(warnings.contains("Taking over the run lock") && warnings.contains("pid " + gone)
                    && warnings.contains("no longer running"), warnings);
            assertTrue(lock.holder().contains("next run"));
        }
    }

    private static List<String> names(Path directory) throws Exception {
        if (!Files.exists(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
