package dev.infrakit.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's "In your tests" example, kept compiling and passing. */
class ReadmeExampleTest {
    @Test
    void aBackupOfATemporaryDirectoryIsVerified(@TempDir Path temp) throws IOException {
        Path data = Files.createDirectories(temp.resolve("data"));
        Files.writeString(data.resolve("a.txt"), "a");
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            BackupRunner runner = BackupRunner.builder(DirectorySource.builder(data).build(), repository)
                    .minimumFreeBytes(0).build();
            assertEquals(BackupStatus.VERIFIED, runner.run(BackupKind.DAILY).status());
        }
    }
}
