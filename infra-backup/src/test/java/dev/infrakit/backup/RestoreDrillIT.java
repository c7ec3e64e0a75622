package dev.infrakit.backup;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestoreDrillIT {
    private static TestDatabase db;

    @TempDir
    Path temp;

    @BeforeAll
    static void createDatabase() throws Exception {
        db = EphemeralPostgres.shared().createDatabase("RestoreDrillIT");
        PgFixtures.populate(db);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @AfterEach
    void noScratchDatabaseIsLeft() throws SQLException {
        try (Connection admin = EphemeralPostgres.shared().connectAdmin(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE datname LIKE 'infrakit\\_drill\\_%'")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "scratch databases left behind");
        }
    }

    static PostgresBackupSource source(TestDatabase database) {
        return PostgresBackupSource.builder().host(database.server().host()).port(database.server().port())
                .database(database.name()).user(database.username()).password(database.password()).build();
    }

    static RestoreDrill.Builder drill(TestDatabase database) {
        return RestoreDrill.builder().host(database.server().host()).port(database.server().port())
                .user(database.username()).password(database.password().toCharArray())
                .allowPrivilegedRole(true); // our own fixtures; RestoreDrillPrivilegeIT covers the refusal
    }

    @Test
    void aGoodBackupPassesWithExactRowCountsAndChecks() {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = repository.backup(source(db));
        Instant now = Instant.parse("2026-11-22T03:00:00Z");
        DrillResult result = drill(db).clock(Clock.fixed(now, ZoneOffset.UTC))
                .check("orders restored", "SELECT count(*) = 500 FROM orders")
                .check("jsonb survives", "SELECT profile->'nested'->>1 = 'ü' FROM customers WHERE id = 1")
                .check("sequence position", "SELECT last_value >= 1499 FROM order_numbers")
                .check("view works", "SELECT count(*) > 0 FROM big_orders")
                .build().run(repository, manifest.id());

        assertTrue(result.passed(), result::toString);
        assertEquals(now, result.at());
        assertTrue(result.detail().startsWith("restored 6 tables with 793 rows in "), result::detail);
        assertTrue(result.detail().endsWith("every row count matches the manifest; 4 checks passed"), result::detail);
        assertTrue(result.restoreTime().toNanos() > 0);
    }

    @Test
    void aTruncatedDumpFailsTheDrill() throws IOException {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = repository.backup(source(db));
        long size = manifest.artifact("database.dump").orElseThrow().size();
        try (FileChannel ch = FileChannel.open(repository.file(manifest.id(), "database.dump"), StandardOpenOption.WRITE)) {
            ch.truncate(size / 2);
        }
        DrillResult result = drill(db).build().run(repository, manifest.id());

        assertFalse(result.passed(), result::toString);
        assertTrue(result.detail().contains("database.dump does not match the manifest: " + size / 2 + " bytes"),
                result::detail);
        assertTrue(result.detail().contains("pg_restore '") && result.detail().contains("failed with exit code 1"),
                result::detail);
        assertFalse(result.detail().contains(db.password()));
    }

    @Test
    void everyMismatchWithTheManifestIsNamed() {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = repository.backup(source(db));
        Map<String, Long> wrong = new TreeMap<>(manifest.rowCounts());
        wrong.put("public.orders", 501L);
        wrong.put("public.ghost", 7L);
        wrong.remove("public.empty_table");
        Manifest tampered = manifest.complete(manifest.ended().orElseThrow(), manifest.artifacts(),
                new SourceInfo(manifest.toolVersion().orElse(null), manifest.serverVersion().orElse(null), wrong));
        repository.update(tampered);

        DrillResult result = drill(db).check("always false", "SELECT false")
                .check("bad sql", "SELECT no_such_column FROM orders").build().run(repository, manifest.id());

        assertFalse(result.passed());
        String d = result.detail();
        assertTrue(d.contains("table public.orders has 500 rows, expected 501"), d);
        assertTrue(d.contains("table public.ghost is missing (expected 7 rows)"), d);
        assertTrue(d.contains("table public.empty_table (0 rows) is not in the manifest"), d);
        assertTrue(d.contains("check 'always false' returned false"), d);
        assertTrue(d.contains("check 'bad sql' failed: ") && d.contains("no_such_column"), d);
    }

    @Test
    void rowsWrittenDuringTheBackupDoNotBreakTheCounts() throws Exception {
        try (TestDatabase busy = EphemeralPostgres.shared().createDatabase("RestoreDrillIT_busy")) {
            try (Connection c = busy.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE events (id bigserial PRIMARY KEY, payload text)");
                st.execute("CREATE TABLE audit (id bigserial PRIMARY KEY, event_id bigint)");
                st.execute("INSERT INTO events (payload) SELECT repeat('x', 200) FROM generate_series(1, 100000)");
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong inserted = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (Connection c = busy.connect(); Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        // Two tables in one transaction: a dump that saw the tables at different moments would
                        // count them differently.
                        c.setAutoCommit(false);
                        st.execute("INSERT INTO events (payload) VALUES ('during')");
                        st.execute("INSERT INTO audit (event_id) VALUES (currval('events_id_seq'))");
                        c.commit();
                        inserted.incrementAndGet();
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (inserted.get() < 10) {
                Thread.onSpinWait();
            }
            TempDirRepository repository = new TempDirRepository(temp);
            long before = inserted.get();
            Manifest manifest = repository.backup(source(busy));
            long during = inserted.get() - before;
            stop.set(true);
            writer.get();

            assertTrue(during > 0, "no rows were written during the backup");
            assertEquals(manifest.rowCounts().get("public.events") - 100000, manifest.rowCounts().get("public.audit"));
            DrillResult result = drill(busy).build().run(repository, manifest.id());
            assertTrue(result.passed(), result::toString);
        }
    }

    @Test
    void aBackupThatIsNotThereIsAnError() {
        BackupException e = assertThrows(BackupException.class,
                () -> drill(db).build().run(new TempDirRepository(temp), "20261122T030000Z-abcdef"));
        assertTrue(e.getMessage().contains("No backup 20261122T030000Z-abcdef"), e::getMessage);
    }
}
