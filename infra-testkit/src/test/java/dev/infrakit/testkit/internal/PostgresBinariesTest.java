package dev.infrakit.testkit.internal;

import dev.infrakit.testkit.EphemeralPostgresException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresBinariesTest {

    private static Path fakeBin(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (String tool : new String[] {"initdb", "pg_ctl"}) {
            Path p = Files.writeString(dir.resolve(tool), "#!/bin/sh\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }

    @Test
    void environmentVariableWins(@TempDir Path tmp) throws Exception {
        Path bin = fakeBin(tmp.resolve("custom/bin"));
        PostgresBinaries found = PostgresBinaries.locate(null, Map.of("INFRAKIT_PG_BIN", bin.toString(), "PATH", ""),
                tmp.resolve("none"));
        assertEquals(bin, found.binDir());
    }

    @Test
    void newestDistributionVersionIsChosen(@TempDir Path tmp) throws Exception {
        fakeBin(tmp.resolve("dist/9.6/bin"));
        fakeBin(tmp.resolve("dist/16/bin"));
        fakeBin(tmp.resolve("dist/13/bin"));
        PostgresBinaries found = PostgresBinaries.locate(null, Map.of("PATH", ""), tmp.resolve("dist"));
        assertEquals(tmp.resolve("dist/16/bin"), found.binDir());
    }

    @Test
    void pathIsTheLastResort(@TempDir Path tmp) throws Exception {
        Path bin = fakeBin(tmp.resolve("usr/bin"));
        PostgresBinaries found = PostgresBinaries.locate(null, Map.of("PATH", bin.toString()), tmp.resolve("none"));
        assertEquals(bin, found.binDir());
        assertEquals("PATH", found.source());
    }

    @Test
    void nothingFoundSaysHowToInstall(@TempDir Path tmp) {
        EphemeralPostgresException e = assertThrows(EphemeralPostgresException.class,
                () -> PostgresBinaries.locate(null, Map.of("PATH", tmp.toString()), tmp.resolve("none")));
        assertTrue(e.getMessage().contains("apt-get install postgresql"), e.getMessage());
        assertTrue(e.getMessage().contains("INFRAKIT_PG_BIN"), e.getMessage());
        assertTrue(e.getMessage().contains("INFRAKIT_TEST_JDBC_URL"), e.getMessage());
    }

    @Test
    void aConfiguredDirectoryWithoutToolsIsRejected(@TempDir Path tmp) {
        EphemeralPostgresException e = assertThrows(EphemeralPostgresException.class,
                () -> PostgresBinaries.locate(null, Map.of("INFRAKIT_PG_BIN", tmp.toString()), tmp));
        assertTrue(e.getMessage().contains("INFRAKIT_PG_BIN=" + tmp), e.getMessage());
    }
}
