package dev.infrakit.backup;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresBackupSourceIT {
    private static TestDatabase db;

    @TempDir
    Path temp;

    @BeforeAll
    static void createDatabase() throws Exception {
        db = EphemeralPostgres.shared().createDatabase("PostgresBackupSourceIT");
        PgFixtures.populate(db);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    private static PostgresBackupSource.Builder source(TestDatabase database) {
        return PostgresBackupSource.builder().host(database.server().host()).port(database.server().port())
                .database(database.name()).user(database.username()).password(database.password());
    }

    @Test
    void dumpsTheDatabaseWithRowCountsVersionsAndGlobals() throws IOException {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = repository.backup(source(db).globals(true).build());

        assertEquals(PgFixtures.expectedRows(), manifest.rowCounts());
        assertTrue(manifest.toolVersion().orElseThrow().startsWith("pg_dump (PostgreSQL) "), manifest.toolVersion()::get);
        assertTrue(manifest.serverVersion().orElseThrow().matches("\\d+.*"), manifest.serverVersion()::get);
        assertEquals("postgres:" + db.name(), manifest.source());
        byte[] dump = Files.readAllBytes(repository.file(manifest.id(), "database.dump"));
        assertEquals("PGDMP", new String(dump, 0, 5, StandardCharsets.US_ASCII));
        assertEquals(dump.length, manifest.artifact("database.dump").orElseThrow().size());
        String globals = Files.readString(repository.file(manifest.id(), "globals.sql"));
        assertTrue(globals.contains("CREATE ROLE " + db.username()), globals);
    }

    @Test
    void withoutGlobalsWritesOnlyTheDump() {
        Manifest manifest = new TempDirRepository(temp).backup(source(db).build());
        assertEquals(1, manifest.artifacts().size());
        assertEquals("database.dump", manifest.artifacts().get(0).name());
    }

    @Test
    void aWrongPasswordIsAClearErrorWithoutThePassword() {
        String wrong = "wrong-Secret-4711";
        PostgresBackupSource source = PostgresBackupSource.builder().host(db.server().host()).port(db.server().port())
                .database(db.name()).user(db.username()).password(wrong).build();
        BackupException e = assertThrows(BackupException.class, () -> new TempDirRepository(temp).backup(source));
        assertTrue(e.getMessage().contains("password authentication failed"), e::getMessage);
        assertNoSecret(e, wrong);
        assertFalse(source.toString().contains(wrong));
    }

    @Test
    void aMissingBinaryIsAClearError() {
        Path bogus = temp.resolve("no-such-bin");
        BackupException e = assertThrows(BackupException.class,
                () -> new TempDirRepository(temp).backup(source(db).binDir(bogus).build()));
        assertTrue(e.getMessage().contains("pg_dump not found") && e.getMessage().contains(bogus.toString()),
                e::getMessage);
        assertNoSecret(e, db.password());
    }

    @Test
    void aFailingPgDumpReportsCommandExitCodeAndStderr() throws IOException {
        Path bin = fakePgDump("15.8", "echo \"args: $*\" >&2\n"
                + "[ -n \"$PGPASSWORD\" ] && echo 'password came through the environment' >&2\n"
                + "echo 'pg_dump: error: something broke' >&2\nexit 3");
        BackupException e = assertThrows(BackupException.class,
                () -> new TempDirRepository(temp).backup(source(db).binDir(bin).build()));
        String m = e.getMessage();
        assertTrue(m.contains("exit code 3"), m);
        assertTrue(m.contains("pg_dump: error: something broke"), m);
        assertTrue(m.contains("password came through the environment"), m);
        assertTrue(m.contains(bin.resolve("pg_dump") + " -Fc --snapshot="), m);
        assertTrue(m.contains("--no-password"), m);
        assertNoSecret(e, db.password());
    }

    @Test
    void aHangingPgDumpIsKilledAtTheTimeout() throws IOException {
        Path bin = fakePgDump("15.8", "sleep 60; echo late");
        long start = System.nanoTime();
        BackupException e = assertThrows(BackupException.class, () -> new TempDirRepository(temp)
                .backup(source(db).binDir(bin).timeout(Duration.ofMillis(500)).build()));
        assertTrue(e.getMessage().contains("timed out after PT0.5S"), e::getMessage);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(30)) < 0);
    }

    @Test
    void aPgDumpOlderThanTheServerIsRefusedBeforeDumping() throws IOException {
        Path bin = fakePgDump("9.6.24", "touch '" + temp.resolve("dumped") + "'");
        BackupException e = assertThrows(BackupException.class,
                () -> new TempDirRepository(temp).backup(source(db).binDir(bin).build()));
        assertTrue(e.getMessage().contains("is version 9.6 but the server"), e::getMessage);
        assertFalse(Files.exists(temp.resolve("dumped")));
    }

    @Test
    void aStoppedServerIsAClearError() {
        try (EphemeralPostgres server = EphemeralPostgres.builder().start()) {
            server.stop();
            PostgresBackupSource source = PostgresBackupSource.builder().host(server.host()).port(server.port())
                    .database("postgres").user(server.username()).password(server.password()).build();
            BackupException e = assertThrows(BackupException.class, () -> new TempDirRepository(temp).backup(source));
            assertTrue(e.getMessage().contains("Cannot connect to database 'postgres' on " + server.host() + ":"
                    + server.port()), e::getMessage);
            assertNoSecret(e, server.password());
        }
    }

    @Test
    void theBuilderValidatesAtOnce() {
        assertThrows(IllegalStateException.class, () -> PostgresBackupSource.builder().user("u").build());
        assertThrows(IllegalStateException.class, () -> PostgresBackupSource.builder().database("d").build());
        assertThrows(IllegalArgumentException.class, () -> PostgresBackupSource.builder().port(0));
        assertThrows(IllegalArgumentException.class, () -> PostgresBackupSource.builder().database("-x"));
        assertThrows(IllegalStateException.class, () -> PostgresBackupSource.builder().host("a").host("b"));
        assertThrows(IllegalArgumentException.class, () -> PostgresBackupSource.builder().timeout(Duration.ZERO));
    }

    /** A bin dir whose pg_dump prints {@code version} for --version and else runs {@code body}. */
    private Path fakePgDump(String version, String body) throws IOException {
        Path bin = Files.createDirectories(temp.resolve("fake-bin"));
        Path script = bin.resolve("pg_dump");
        Files.writeString(script, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) " + version
                + "'; exit 0; fi\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return bin;
    }

    private static void assertNoSecret(Throwable e, String secret) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(secret), "secret in: " + t.getMessage());
        }
    }
}
