package dev.infrakit.test;

import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeBackupSourceTest {
    @TempDir
    Path dir;

    @Test
    void aRunnerBacksUpTheGivenBytesAsArtifactsInOrder() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("database.dump", "rows".getBytes(StandardCharsets.UTF_8));
        files.put("globals.sql", new byte[0]);
        FakeBackupSource source = FakeBackupSource.of("test:db", files);
        files.put("database.dump", "changed later".getBytes(StandardCharsets.UTF_8));

        try (LocalBackupRepository repository = LocalBackupRepository.open(dir)) {
            Manifest backup = BackupRunner.builder(source, repository).build().run(BackupKind.DAILY);
            assertTrue(backup.status() == BackupStatus.COMPLETE || backup.status() == BackupStatus.VERIFIED,
                    backup.toString());
            assertEquals("test:db", backup.source());
            assertEquals(List.of("database.dump", "globals.sql"),
                    backup.artifacts().stream().map(a -> a.name()).toList());
            try (InputStream in = repository.open(backup.id(), "database.dump")) {
                assertArrayEquals("rows".getBytes(StandardCharsets.UTF_8), in.readAllBytes(), "copied when created");
            }
        }
        assertEquals(1, source.runs());
    }

    @Test
    void aFailingSourceFailsTheBackupWithItsMessage() {
        FakeBackupSource source = FakeBackupSource.of("test:db", "content").failWith("pg_dump exited with 1");
        try (LocalBackupRepository repository = LocalBackupRepository.open(dir)) {
            BackupException e = assertThrows(BackupException.class,
                    () -> BackupRunner.builder(source, repository).build().run(BackupKind.DAILY));
            assertTrue(e.getMessage().contains("pg_dump exited with 1"), e.getMessage());
            Manifest failed = repository.list().get(0);
            assertEquals(BackupStatus.FAILED, failed.status());
            assertEquals(List.of(), failed.artifacts());
            assertEquals(1, source.runs());

            source.failWith(null);
            assertEquals("test:db", BackupRunner.builder(source, repository).build().run(BackupKind.DAILY).source());
            assertEquals(2, source.runs());
        }
    }
}
