package dev.infrakit.backup;

import dev.infrakit.core.fixtures.UserRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * infra-backup (with infra-audit below it) brings no HikariCP and no Micrometer: a directory backup
 * audited to a chained JSON-lines file, and the discovery of every backup and audit provider, work
 * in a JVM holding only its runtime jars.
 */
class LightRuntimeIT {

    @Test
    void aUserGetsNeitherHikariNorMicrometer() throws Exception {
        assertEquals(Set.of("dev.infrakit:infra-core", "dev.infrakit:infra-audit", "org.slf4j:slf4j-api",
                        "com.nimbusds:nimbus-jose-jwt", "com.fasterxml.jackson.core:jackson-databind",
                        "com.fasterxml.jackson.core:jackson-core", "com.fasterxml.jackson.core:jackson-annotations"),
                UserRuntime.of(Path.of("target")).artifacts());
    }

    @Test
    void aDirectoryBackupAuditedToFilesWorksWithoutHikariOrMicrometer(@TempDir Path dir) throws Exception {
        String output = UserRuntime.of(Path.of("target")).run(LightBackupMain.class, dir, dir.toString());
        assertTrue(output.contains("backup: VERIFIED 1 artifact(s)"), output);
        assertTrue(output.contains("audit chain ok: true"), output);
        assertTrue(output.contains("BackupSourceProvider: [postgres, postgres-base, directory], failures: 0"), output);
        assertTrue(output.contains("BackupRepositoryProvider: [local, s3], failures: 0"), output);
        assertTrue(output.contains("AuditSinkProvider: [jsonl, postgres, slf4j], failures: 0"), output);
        assertTrue(output.contains("absent: com.zaxxer.hikari.HikariDataSource"), output);
        assertTrue(output.contains("absent: io.micrometer.core.instrument.MeterRegistry"), output);
    }
}
