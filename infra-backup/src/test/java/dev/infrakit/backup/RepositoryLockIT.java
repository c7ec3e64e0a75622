package dev.infrakit.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run lock across processes: a child JVM holds it (and is mid-backup), so this process is
 * refused with the child's pid and purpose; the child is killed with SIGKILL, and the lock is taken
 * over with a warning, and its half-written staging directory is removed by the next open.
 */
class RepositoryLockIT {

    @Test
    @Timeout(120)
    void aLiveHolderInAnotherProcessRefusesAndAKilledOneIsTakenOver(@TempDir Path dir) throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolderMain.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        String id;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            StringBuilder said = new StringBuilder();
            while ((line = out.readLine()) != null && !line.startsWith("LOCKED ")) {
                said.append(line).append('\n');
            }
            assertTrue(line != null, "the child took the lock; it said:\n" + said);
            id = line.substring("LOCKED ".length());

            LocalBackupRepository repository = LocalBackupRepository.open(dir);
            assertTrue(Files.exists(dir.resolve(".staging").resolve(id)),
                    "opening while a run holds the lock leaves its staging alone");
            BackupException refused = assertThrows(BackupException.class, () -> repository.lock("test-run"));
            assertTrue(refused.getMessage().contains("pid " + child.pid()), refused.getMessage());
            assertTrue(refused.getMessage().contains("child-run") && refused.getMessage().contains(" since "),
                    refused.getMessage());

            child.destroyForcibly(); // SIGKILL: the child never releases anything itself
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));

            try (Backups.LogCapture log = new Backups.LogCapture(); RepositoryLock lock = repository.lock("test-run")) {
                assertTrue(lock.holder().contains("pid " + ProcessHandle.current().pid()), lock.holder());
                List<String> warnings = log.warnings();
                assertTrue(warnings.stream().anyMatch(w -> w.contains("Taking over the run lock")
                        && w.contains("pid " + child.pid()) && w.contains("child-run")), warnings.toString());
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }

        try (Backups.LogCapture log = new Backups.LogCapture()) {
            LocalBackupRepository reopened = LocalBackupRepository.open(dir);
            assertFalse(Files.exists(dir.resolve(".staging").resolve(id)), "the killed run's staging was removed");
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("leftover staging directory " + id)),
                    log.warnings().toString());
            assertEquals(List.of(), reopened.list());
        }
    }
}
