package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgBinariesTest {
    @TempDir
    Path temp;

    @Test
    void readsMajorVersions() {
        assertEquals(1500, PgBinaries.majorVersion("pg_dump (PostgreSQL) 15.8 (Debian 15.8-1.pgdg120+1)"));
        assertEquals(1700, PgBinaries.majorVersion("17beta1"));
        assertEquals(1500, PgBinaries.majorVersion("15.8 (Debian 15.8-1.pgdg120+1)"));
        assertEquals(906, PgBinaries.majorVersion("pg_dump (PostgreSQL) 9.6.24"));
        assertTrue(PgBinaries.majorVersion("9.6.24") < PgBinaries.majorVersion("10.1"));
        assertEquals("9.6", PgBinaries.display(906));
        assertEquals("15", PgBinaries.display(1500));
        assertThrows(IllegalArgumentException.class, () -> PgBinaries.majorVersion("pg_dump (PostgreSQL) beta"));
    }

    @Test
    void anExplicitBinDirIsTheOnlyPlaceLooked() throws IOException {
        Path bin = Files.createDirectories(temp.resolve("bin"));
        executable(bin.resolve("pg_dump"));
        assertEquals(bin.resolve("pg_dump"), PgBinaries.locate("pg_dump", bin, Map.of("PATH", "/usr/bin")));
        BackupException e = assertThrows(BackupException.class,
                () -> PgBinaries.locate("pg_restore", bin, Map.of("PATH", "/usr/bin")));
        assertTrue(e.getMessage().contains("pg_restore not found: " + bin.resolve("pg_restore")), e::getMessage);
    }

    @Test
    void thePathComesBeforeTheNewestDistributionDirectory() throws IOException {
        Path onPath = Files.createDirectories(temp.resolve("path"));
        Path dist = temp.resolve("dist");
        for (String v : new String[] {"9.6", "13", "16", "15"}) {
            executable(Files.createDirectories(dist.resolve(v).resolve("bin")).resolve("pg_dump"));
        }
        Files.createDirectories(dist.resolve("17").resolve("bin"));
        assertEquals(dist.resolve("16/bin/pg_dump"), PgBinaries.locate("pg_dump", null, Map.of("PATH",
                onPath.toString()), dist));
        executable(onPath.resolve("pg_dump"));
        assertEquals(onPath.resolve("pg_dump"), PgBinaries.locate("pg_dump", null, Map.of("PATH",
                onPath.toString()), dist));
        BackupException e = assertThrows(BackupException.class,
                () -> PgBinaries.locate("pg_dumpall", null, Map.of("PATH", onPath.toString()), dist));
        assertTrue(e.getMessage().contains("pg_dumpall not found (searched PATH, " + dist + "/*/bin)"), e::getMessage);
    }

    private static void executable(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }
}
