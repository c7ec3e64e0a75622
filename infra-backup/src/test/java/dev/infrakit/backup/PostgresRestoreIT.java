package dev.infrakit.backup;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresRestoreIT {
    private static TestDatabase db;
    private static Map<String, String> sourceChecksums;

    @TempDir
    Path temp;

    @BeforeAll
    static void createDatabase() throws Exception {
        db = EphemeralPostgres.shared().createDatabase("PostgresRestoreIT");
        PgFixtures.populate(db);
        try (Connection c = db.connect()) {
            sourceChecksums = PgFixtures.checksums(c);
        }
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    private static PostgresRestore restore() {
        return PostgresRestore.builder().host(db.server().host()).port(db.server().port()).user(db.username())
                .password(db.password()).allowPrivilegedRole(true) // restores owners; our own fixture
                .build();
    }

    @Test
    void restoresIntoANewDatabaseWithIdenticalData() throws SQLException {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = repository.backup(RestoreDrillIT.source(db));
        String target = "infrakit_restore_" + ProcessHandle.current().pid() + "_new";
        try {
            Duration took = restore().restoreInto(repository, manifest.id(), target, false);
            assertFalse(took.isNegative());
            try (Connection c = connect(target)) {
                assertEquals(sourceChecksums, PgFixtures.checksums(c));
                assertEquals(PgFixtures.expectedRows(), dev.infrakit.backup.internal.PgCatalog.rowCounts(c));
            }
        } finally {
            dropDatabase(target);
        }
    }

    @Test
    void refusesANonEmptyTargetUnlessClean() throws SQLException {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = repository.backup(RestoreDrillIT.source(db));
        try (TestDatabase target = EphemeralPostgres.shared().createDatabase("PostgresRestoreIT_target")) {
            restore().restoreInto(repository, manifest.id(), target.name(), false);
            try (Connection c = target.connect(); Statement st = c.createStatement()) {
                st.execute("DELETE FROM orders WHERE id % 3 = 0");
                st.execute("UPDATE customers SET name = 'changed'");
                st.execute("CREATE TABLE unrelated (id int)");
                assertNotEquals(sourceChecksums, PgFixtures.checksums(c));
            }

            BackupException e = assertThrows(BackupException.class,
                    () -> restore().restoreInto(repository, manifest.id(), target.name(), false));
            assertTrue(e.getMessage().contains("it is not empty (7 tables, e.g. public.customers)"), e::getMessage);

            restore().restoreInto(repository, manifest.id(), target.name(), true);
            try (Connection c = target.connect()) {
                assertEquals(sourceChecksums, PgFixtures.checksums(c));
                assertTrue(dev.infrakit.backup.internal.PgCatalog.userTables(c).containsKey("public.unrelated"));
            }
        }
    }

    @Test
    void aDamagedDumpIsRefusedBeforeTouchingTheTarget() throws IOException {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = repository.backup(RestoreDrillIT.source(db));
        Path dump = repository.file(manifest.id(), "database.dump");
        byte[] bytes = Files.readAllBytes(dump);
        bytes[bytes.length / 2] ^= 1;
        Files.write(dump, bytes);
        try (TestDatabase target = EphemeralPostgres.shared().createDatabase("PostgresRestoreIT_damaged")) {
            BackupException e = assertThrows(BackupException.class,
                    () -> restore().restoreInto(repository, manifest.id(), target.name(), false));
            assertTrue(e.getMessage().contains("Refusing to restore backup " + manifest.id()
                    + ": database.dump does not match the manifest"), e::getMessage);
        }
    }

    @Test
    void aFailingRestoreNamesTheCommandAndChangesNothing() throws Exception {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = repository.backup(RestoreDrillIT.source(db));
        try (TestDatabase target = EphemeralPostgres.shared().createDatabase("PostgresRestoreIT_conflict")) {
            try (Connection c = target.connect(); Statement st = c.createStatement()) {
                // Not a user table (so the target counts as empty), but it makes CREATE SCHEMA sales fail.
                st.execute("CREATE SCHEMA sales");
            }
            BackupException e = assertThrows(BackupException.class,
                    () -> restore().restoreInto(repository, manifest.id(), target.name(), false));
            assertTrue(e.getMessage().contains("nothing was changed") && e.getMessage().contains("exit code 1")
                    && e.getMessage().contains("schema \"sales\" already exists"), e::getMessage);
            assertFalse(e.getMessage().contains(db.password()));
            try (Connection c = target.connect()) {
                assertTrue(dev.infrakit.backup.internal.PgCatalog.userTables(c).isEmpty());
            }
        }
    }

    private static Connection connect(String database) throws SQLException {
        return java.sql.DriverManager.getConnection(db.server().jdbcUrl(database), db.username(), db.password());
    }

    private static void dropDatabase(String name) throws SQLException {
        try (Connection admin = db.server().connectAdmin(); Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS \"" + name + "\"");
        }
    }
}
