package dev.infrakit.backup;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The health checks the built-in sources and repository offer through the SPI. */
class HealthChecksTest {
    @TempDir
    Path temp;

    @Test
    void theLocalRepositoryIsDownOnceItsDirectoryIsGoneAndReportsItsSpaceWhileUp() throws Exception {
        Path dir = temp.resolve("repo");
        BackupRepository repository = LocalBackupRepository.open(dir);
        HealthCheck check = repository.healthCheck().orElseThrow();
        assertEquals("backup-repository:" + repository.name(), check.name());
        assertFalse(check.critical(), "a backup repository never takes the service down");
        HealthResult up = check.check();
        assertEquals(HealthStatus.UP, up.status());
        assertEquals("bytes", up.observedUnit().orElseThrow());
        try (Stream<Path> entries = Files.walk(dir)) {
            for (Path entry : entries.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(entry);
            }
        }
        HealthResult down = check.check();
        assertEquals(HealthStatus.DOWN, down.status());
        assertTrue(down.output().orElseThrow().contains("not a writable directory"), down.toString());
    }

    @Test
    void aDirectorySourceIsDownOnceItsRootIsGone() throws Exception {
        Path data = Files.createDirectories(temp.resolve("data"));
        BackupSource source = DirectorySource.builder(data).build();
        HealthCheck check = source.healthCheck().orElseThrow();
        assertEquals("backup-source:directory:data", check.name());
        assertEquals(HealthStatus.UP, check.check().status());
        Files.delete(data);
        assertEquals(HealthStatus.DOWN, check.check().status());
    }
}
