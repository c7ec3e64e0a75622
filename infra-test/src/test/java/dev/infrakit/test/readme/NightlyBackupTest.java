package dev.infrakit.test.readme;

// README infra-backup
import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.core.notify.Notification;
import dev.infrakit.test.FakeBackupSource;
import dev.infrakit.test.RecordingNotifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NightlyBackupTest {
    @TempDir
    Path dir;

    @Test
    void aFailedDumpIsReportedToTheOnCallChannel() {
        RecordingNotifier onCall = new RecordingNotifier();
        FakeBackupSource source = FakeBackupSource.of("app-db", "rows").failWith("pg_dump exited with 1");
        try (LocalBackupRepository repository = LocalBackupRepository.open(dir)) {
            BackupRunner runner = BackupRunner.builder(source, repository).notifier(onCall).build();
            assertThrows(BackupException.class, () -> runner.run(BackupKind.DAILY));
        }
        assertEquals(List.of(Notification.Severity.CRITICAL), onCall.severities());
    }
}
// END README
