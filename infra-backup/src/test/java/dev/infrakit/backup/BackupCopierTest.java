package dev.infrakit.backup;

import dev.infrakit.core.ManualClock;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.infrakit.backup.Backups.bytes;
import static dev.infrakit.backup.Backups.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupCopierTest {
    private static final Instant T0 = Instant.parse("2026-03-01T03:00:00Z");
    private static final byte[] DUMP = bytes("-- PostgreSQL database dump\nCOPY t FROM stdin;\n1\n2\n3\n\\.\n");
    private static final byte[] GLOBALS = bytes("CREATE ROLE app;\n");

    @TempDir
    Path root;

    private final ManualClock clock = ManualClock.at(T0.plusSeconds(3600));
    private final BackupCopier copier = BackupCopier.create(clock);
    private LocalBackupRepository primary;
    private LocalBackupRepository offsite;
    private Manifest backup;

    @BeforeEach
    void setUp() {
        primary = LocalBackupRepository.open(root.resolve("primary"));
        offsite = LocalBackupRepository.open(root.resolve("offsite"));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("database.dump", DUMP);
        files.put("globals.sql", GLOBALS);
        backup = Backups.publish(primary, T0, files).keepForever(true);
        primary.update(backup);
    }

    @Test
    void copiesReadsBackAndMarksTheCopyVerified() throws Exception {
        Manifest copy = copier.copy(backup, primary, offsite);

        assertEquals(BackupStatus.VERIFIED, copy.status());
        assertEquals(clock.instant(), copy.verifiedAt().orElseThrow());
        assertEquals(backup.id(), copy.id());
        assertEquals(backup.artifacts(), copy.artifacts());
        assertEquals(backup.started(), copy.started());
        assertEquals(backup.rowCounts(), copy.rowCounts());
        assertTrue(copy.isKeptForever());
        assertEquals(List.of(copy), offsite.list());
        try (InputStream in = offsite.open(backup.id(), "database.dump")) {
            assertArrayEquals(DUMP, in.readAllBytes());
        }
        assertEquals(List.of(), copier.verify(offsite, backup.id()));
        BackupException again = assertThrows(BackupException.class, () -> copier.copy(backup, primary, offsite));
        assertTrue(again.getMessage().contains("already there"), again.getMessage());
    }

    @Test
    void corruptionWhileReadingTheCopyBackIsDetectedAndTheCopyDeleted() {
        BackupRepository target = new CorruptingRepository(offsite, true, (id, artifact) -> { });

        BackupException e = assertThrows(BackupException.class, () -> copier.copy(backup, primary, target));
        byte[] flipped = DUMP.clone();
        flipped[0] ^= 0x01;
        assertTrue(e.getMessage().contains("artifact database.dump"), e.getMessage());
        assertTrue(e.getMessage().contains(sha256(DUMP)) && e.getMessage().contains(sha256(flipped)), e.getMessage());
        assertTrue(e.getMessage().contains("the copy was deleted"), e.getMessage());
        assertEquals(List.of(), offsite.list());
        assertFalse(Files.exists(offsite.directory().resolve(backup.id())));
    }

    @Test
    void corruptionAtRestInTheTargetIsDetectedAndTheCopyDeleted() {
        // Between publishing and reading back, a byte of the stored globals.sql rots.
        BackupRepository target = new CorruptingRepository(offsite, false, (id, artifact) -> {
            if (artifact.equals("globals.sql")) {
                try (RandomAccessFile file = new RandomAccessFile(offsite.directory().resolve(id).resolve(artifact)
                        .toFile(), "rw")) {
                    file.seek(3);
                    int b = file.read();
                    file.seek(3);
                    file.write(b ^ 0x40);
                }
            }
        });

        BackupException e = assertThrows(BackupException.class, () -> copier.copy(backup, primary, target));
        assertTrue(e.getMessage().contains("artifact globals.sql has sha256 " + sha256(GLOBALS)), e.getMessage());
        assertEquals(List.of(), offsite.list());
        assertFalse(Files.exists(offsite.directory().resolve(backup.id())));
    }

    @Test
    void corruptionWhileReadingTheSourceIsDetectedBeforeAnythingIsPublished() {
        BackupRepository source = new CorruptingRepository(primary, true, (id, artifact) -> { });

        BackupException e = assertThrows(BackupException.class, () -> copier.copy(backup, source, offsite));
        assertTrue(e.getMessage().contains("artifact database.dump has sha256 " + sha256(DUMP)), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was published"), e.getMessage());
        assertEquals(List.of(), offsite.list());
        assertFalse(Files.exists(offsite.directory().resolve(".staging").resolve(backup.id())));
    }

    @Test
    void aVerifiedSourceIsCopiedUnverifiedUntilReadBack() {
        Manifest verified = backup.verified(T0.plusSeconds(100));
        primary.update(verified);
        Manifest copy = copier.copy(verified, primary, offsite);
        assertEquals(clock.instant(), copy.verifiedAt().orElseThrow(), "verified when read back from the copy");
    }

    @Test
    void onlyCompleteBackupsAreCopied() throws Exception {
        Manifest running = Manifest.start("test:db", BackupKind.DAILY, T0.plusSeconds(10));
        try (BackupRepository.Staging staging = primary.begin(running)) {
            staging.fail(running.failed(T0.plusSeconds(20), "disk full"));
        }
        Manifest failed = primary.find(running.id()).orElseThrow();
        assertThrows(BackupException.class, () -> copier.copy(failed, primary, offsite));
        assertEquals(List.of("backup " + failed.id() + " is FAILED (disk full); it has nothing to verify"),
                copier.verify(primary, failed.id()));
    }

    @Test
    void verifyFindsATruncatedArtifact() throws Exception {
        assertEquals(List.of(), copier.verify(primary, backup.id()));
        Path dump = primary.directory().resolve(backup.id()).resolve("database.dump");
        try (RandomAccessFile file = new RandomAccessFile(dump.toFile(), "rw")) {
            file.setLength(10);
        }

        List<String> problems = copier.verify(primary, backup.id());
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("database.dump: 10 bytes read, the manifest says " + DUMP.length),
                problems.get(0));
    }

    @Test
    void verifyFindsAFlippedByteAndAMissingFile() throws Exception {
        Path dump = primary.directory().resolve(backup.id()).resolve("database.dump");
        byte[] content = Files.readAllBytes(dump);
        content[content.length - 1] ^= 0x01;
        Files.write(dump, content);
        Files.delete(primary.directory().resolve(backup.id()).resolve("globals.sql"));

        List<String> problems = copier.verify(primary, backup.id());
        assertEquals(List.of("database.dump: sha256 " + sha256(content) + ", the manifest says " + sha256(DUMP)),
                problems.subList(0, 1));
        assertTrue(problems.get(1).startsWith("globals.sql: cannot be read"), problems.toString());
        assertThrows(BackupException.class, () -> copier.verify(primary, "no-such-backup"));
    }
}
