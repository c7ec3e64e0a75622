package dev.infrakit.credentials;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.ManualClock;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What only the PostgreSQL store does, against a real PostgreSQL (tables truncated before each
 * test): writers in separate pools, encryption at rest and its tamper checks, key rotation with
 * {@code rewrap()}, and LISTEN/NOTIFY with reconnection. The store contract runs in infra-test's
 * PostgresCredentialStoreContractIT.
 */
class PostgresCredentialStoreIT {
    private static final String PASSWORD = "s3cret-" + "never-in-a-message";
    private static final MasterKey KEY = MasterKey.generate();

    private static TestDatabase db;
    private static HikariDataSource pool;
    /** Every exception message a test provoked, checked for the password. */
    private final List<String> messages = new ArrayList<>();

    @BeforeAll
    static void createDatabase() {
        db = EphemeralPostgres.shared().createDatabase("credentials");
        pool = pool();
        PostgresCredentialStore.createSchema(pool);
        PostgresCredentialStore.createSchema(pool); // idempotent
    }

    @AfterAll
    static void dropDatabase() {
        if (pool != null) {
            pool.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private static HikariDataSource pool() {
        return DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "4", "connection-timeout", "2s", "validation-timeout", "500ms")));
    }

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    /** A store on tables emptied before each test. */
    private CredentialStore store;

    @BeforeEach
    void openStore() throws SQLException {
        sql("TRUNCATE infrakit_credential CASCADE");
        store = PostgresCredentialStore.builder(pool, KeyRing.of(KEY)).clock(clock).build();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    private static PostgresCredentialStore store(KeyRing ring) {
        return PostgresCredentialStore.builder(pool, ring).build();
    }

    private static int sql(String statement, Object... args) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            return s.execute() ? 0 : s.getUpdateCount();
        }
    }

    private static String data(String name, int version) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT data FROM infrakit_credential_version WHERE name = ? AND version = ?")) {
            s.setString(1, name);
            s.setInt(2, version);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next(), name + " v" + version);
                return rs.getString(1);
            }
        }
    }

    private static void setData(String name, int version, String data) throws SQLException {
        assertEquals(1, sql("UPDATE infrakit_credential_version SET data = ? WHERE name = ? AND version = ?", data, name,
                version));
    }

    private <T extends Throwable> T expect(Class<T> type, String text, Executable call) {
        T e = assertThrows(type, call);
        messages.add(e.getMessage());
        assertTrue(e.getMessage().contains(text), "expected '" + text + "' in: " + e.getMessage());
        return e;
    }

    private void assertNoPasswordInMessages() {
        assertFalse(messages.isEmpty());
        for (String m : messages) {
            assertFalse(m.contains(PASSWORD), m);
        }
    }

    // ---- concurrency ----------------------------------------------------------------------------

    @Test
    void writersInTwoPoolsNeverLoseAnUpdate() throws Exception {
        try (HikariDataSource otherPool = pool();
             PostgresCredentialStore a = store(KeyRing.of(KEY));
             PostgresCredentialStore b = PostgresCredentialStore.builder(otherPool, KeyRing.of(KEY)).build()) {
            a.put("shared/counter", SecretValue.ofFields(Map.of("n", "0")));
            int threads = 4;
            int increments = 25;
            AtomicInteger conflicts = new AtomicInteger();
            ExecutorService executor = Executors.newFixedThreadPool(threads);
            try {
                List<Callable<Void>> tasks = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    CredentialStore s = t % 2 == 0 ? a : b;
                    tasks.add(() -> {
                        for (int i = 0; i < increments; i++) {
                            while (true) {
                                Secret current = s.get("shared/counter");
                                int n = Integer.parseInt(current.value().field("n").orElseThrow());
                                try {
                                    s.put("shared/counter", SecretValue.ofFields(Map.of("n", Integer.toString(n + 1))),
                                            WriteCondition.ifVersion(current.version()));
                                    break;
                                } catch (VersionConflictException e) {
                                    conflicts.incrementAndGet();
                                }
                            }
                        }
                        return null;
                    });
                }
                for (Future<Void> f : executor.invokeAll(tasks)) {
                    f.get();
                }
            } finally {
                executor.shutdownNow();
            }
            Secret last = b.get("shared/counter");
            assertEquals(threads * increments, Integer.parseInt(last.value().field("n").orElseThrow()),
                    conflicts.get() + " conflicts retried");
            assertEquals(threads * increments + 1, last.version());
            assertEquals(10, a.metadata("shared/counter").orElseThrow().versions().size());
        }
    }

    @Test
    void concurrentCreateOnlyWritesCreateExactlyOnce() throws Exception {
        try (HikariDataSource otherPool = pool();
             PostgresCredentialStore a = store(KeyRing.of(KEY));
             PostgresCredentialStore b = PostgresCredentialStore.builder(otherPool, KeyRing.of(KEY)).build()) {
            ExecutorService executor = Executors.newFixedThreadPool(4);
            try {
                for (int round = 0; round < 10; round++) {
                    String name = "race/" + round;
                    List<Callable<Boolean>> tasks = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        CredentialStore s = t % 2 == 0 ? a : b;
                        tasks.add(() -> {
                            try {
                                s.put(name, SecretValue.login("u", PASSWORD), WriteCondition.createOnly());
                                return true;
                            } catch (VersionConflictException e) {
                                return false;
                            }
                        });
                    }
                    int won = 0;
                    for (Future<Boolean> f : executor.invokeAll(tasks)) {
                        won += f.get() ? 1 : 0;
                    }
                    assertEquals(1, won, name);
                    assertEquals(1, a.metadata(name).orElseThrow().currentVersion());
                }
            } finally {
                executor.shutdownNow();
            }
        }
    }

    // ---- encryption at rest and tampering -------------------------------------------------------

    @Test
    void valuesAreEncryptedAtRestAndBoundToTheirNameAndVersion() throws Exception {
        store.put("db/a", SecretValue.login("app", PASSWORD));
        store.put("db/b", SecretValue.login("app", PASSWORD + "-b"));
        store.put("db/b", SecretValue.login("app", PASSWORD + "-b2"));
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT string_agg(name || custom::text, ',') FROM infrakit_credential")) {
            rs.next();
            assertFalse(rs.getString(1).contains(PASSWORD));
        }
        String a1 = data("db/a", 1);
        assertEquals(5, a1.split("\\.", -1).length, "a compact JWE");
        assertFalse(a1.contains(PASSWORD));
        String b1 = data("db/b", 1);
        String b2 = data("db/b", 2);

        // Two names' rows swapped.
        setData("db/a", 1, b1);
        setData("db/b", 1, a1);
        expect(CredentialIntegrityException.class, "The stored record of version 1 of credential 'db/a' belongs to "
                + "version 1 of credential 'db/b': records were moved or swapped", () -> store.get("db/a"));
        expect(CredentialIntegrityException.class, "belongs to version 1 of credential 'db/a'",
                () -> store.get("db/b", 1));
        setData("db/a", 1, a1);
        setData("db/b", 1, b1);

        // Two versions' rows swapped.
        setData("db/b", 1, b2);
        setData("db/b", 2, b1);
        expect(CredentialIntegrityException.class, "The stored record of version 2 of credential 'db/b' belongs to "
                + "version 1 of credential 'db/b': records were moved or swapped", () -> store.get("db/b"));
        setData("db/b", 1, b1);
        setData("db/b", 2, b2);
        assertEquals(PASSWORD + "-b2", store.get("db/b").value().password().orElseThrow());

        // One character of the ciphertext changed.
        String[] parts = a1.split("\\.", -1);
        char[] ciphertext = parts[3].toCharArray();
        int middle = ciphertext.length / 2;
        ciphertext[middle] = ciphertext[middle] == 'A' ? 'B' : 'A';
        parts[3] = new String(ciphertext);
        setData("db/a", 1, String.join(".", parts));
        expect(CredentialIntegrityException.class, "The stored record of version 1 of credential 'db/a' failed "
                + "decryption with master key " + KEY.id() + ": it was modified", () -> store.get("db/a"));

        // Not a JWE at all.
        setData("db/a", 1, "garbage");
        expect(CredentialIntegrityException.class, "is not an encrypted record (JWE)", () -> store.get("db/a"));
        setData("db/a", 1, a1);
        assertEquals(PASSWORD, store.get("db/a").value().password().orElseThrow());
        assertNoPasswordInMessages();
    }

    @Test
    void aStoreWithAnotherMasterKeyCannotReadTheTable() {
        store.put("db/a", SecretValue.login("app", PASSWORD));
        MasterKey other = MasterKey.generate();
        try (PostgresCredentialStore wrong = store(KeyRing.of(other))) {
            expect(CredentialIntegrityException.class, "The stored record of version 1 of credential 'db/a' is "
                    + "encrypted with master key " + KEY.id() + ", which is not in the key ring [" + other.id() + "]",
                    () -> wrong.get("db/a"));
            assertEquals(1, wrong.metadata("db/a").orElseThrow().currentVersion(), "metadata is not encrypted");
        }
        assertNoPasswordInMessages();
    }

    @Test
    void droppingTheOldKeyBeforeRewrapLeavesItsRecordsUnreadable() {
        store.put("db/a", SecretValue.login("app", PASSWORD));
        MasterKey next = MasterKey.generate();
        KeyRing dropped = KeyRing.of(KEY).withPrimary(next).without(KEY.id());
        try (PostgresCredentialStore s = store(dropped)) {
            expect(CredentialIntegrityException.class, "is encrypted with master key " + KEY.id()
                    + ", which is not in the key ring [" + next.id() + "]", () -> s.get("db/a"));
            s.put("db/a", SecretValue.login("app", PASSWORD + "-2"));
            assertEquals(PASSWORD + "-2", s.get("db/a").value().password().orElseThrow(), "new versions are fine");
            expect(CredentialIntegrityException.class, "not in the key ring", () -> s.get("db/a", 1));
        }
        assertNoPasswordInMessages();
    }

    @Test
    void rewrapMovesEveryVersionToTheNewPrimaryWithoutChangingAnything() throws Exception {
        MasterKey a = KEY;
        MasterKey b = MasterKey.generate();
        try (PostgresCredentialStore old = store(KeyRing.of(a))) {
            for (int i = 0; i < 3; i++) {
                old.put("apps/x", SecretValue.login("app", PASSWORD + i));
            }
            old.put("apps/y", SecretValue.ofBytes(new byte[] {1, 2, 3}));
            old.put("apps/z", SecretValue.login("z", PASSWORD));
            old.put("apps/z", SecretValue.login("z", PASSWORD + "z2"));
            old.delete("apps/z", 2); // deleted versions keep their data: re-encrypted too
            old.destroy("apps/x", 1); // destroyed ones have none
        }
        List<CredentialMetadata> before = store.list("");
        String x2 = data("apps/x", 2);
        try (PostgresCredentialStore rotating = store(KeyRing.of(a).withPrimary(b))) {
            assertEquals(2 + 1 + 2, rotating.rewrap());
            assertEquals(0, rotating.rewrap());
        }
        assertNotEquals(x2, data("apps/x", 2));
        try (PostgresCredentialStore onlyB = store(KeyRing.of(b))) {
            assertEquals(before, onlyB.list(""), "versions, times and metadata are unchanged");
            assertEquals(PASSWORD + "1", onlyB.get("apps/x", 2).value().password().orElseThrow());
            assertEquals(PASSWORD + "2", onlyB.get("apps/x").value().password().orElseThrow());
            assertEquals(3, onlyB.get("apps/y").value().bytes()[2]);
            onlyB.undelete("apps/z", 2);
            assertEquals(PASSWORD + "z2", onlyB.get("apps/z").value().password().orElseThrow());
            assertEquals(0, onlyB.rewrap());
        }
        try (PostgresCredentialStore onlyA = store(KeyRing.of(a))) {
            expect(CredentialIntegrityException.class, "which is not in the key ring", () -> onlyA.get("apps/y"));
        }
        assertNoPasswordInMessages();
    }

    @Test
    void rewrapRunsWhileOthersWrite() throws Exception {
        MasterKey b = MasterKey.generate();
        for (int i = 0; i < 20; i++) {
            store.put("bulk/" + i, SecretValue.login("u", PASSWORD));
        }
        try (PostgresCredentialStore writer = store(KeyRing.of(KEY).withPrimary(b));
             PostgresCredentialStore rotating = store(KeyRing.of(KEY).withPrimary(b))) {
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                Future<?> writes = executor.submit(() -> {
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < 20; i++) {
                            writer.put("bulk/" + i, SecretValue.login("u", PASSWORD + round));
                        }
                    }
                });
                rotating.rewrap();
                writes.get();
            } finally {
                executor.shutdownNow();
            }
            assertEquals(0, rotating.rewrap());
        }
        try (PostgresCredentialStore onlyB = store(KeyRing.of(b))) {
            for (int i = 0; i < 20; i++) {
                assertEquals(4, onlyB.get("bulk/" + i).version());
                for (int v = 1; v <= 4; v++) {
                    onlyB.get("bulk/" + i, v);
                }
            }
        }
    }

    // ---- errors -------------------------------------------------------------------------------

    @Test
    void aMissingSchemaAndAFailedWriteAreReportedWithoutValues() throws Exception {
        TestDatabase empty = EphemeralPostgres.shared().createDatabase("credentials-empty");
        try {
            expect(CredentialException.class, "run PostgresCredentialStore.createSchema(dataSource)",
                    () -> PostgresCredentialStore.builder(empty.dataSource(), KeyRing.of(KEY)).build());
            PostgresCredentialStore.createSchema(empty.dataSource());
            try (PostgresCredentialStore s = PostgresCredentialStore.builder(empty.dataSource(), KeyRing.of(KEY))
                    .build()) {
                s.put("x/y", SecretValue.login("u", PASSWORD));
                try (Connection c = empty.connect(); Statement st = c.createStatement()) {
                    st.execute("ALTER TABLE infrakit_credential_version ADD CONSTRAINT no_more CHECK (version < 2)");
                }
                CredentialException failed = expect(CredentialException.class, "Could not write credential 'x/y' in "
                        + "PostgreSQL: ERROR: new row for relation \"infrakit_credential_version\" violates check "
                        + "constraint \"no_more\"", () -> s.put("x/y", SecretValue.login("u", PASSWORD)));
                assertFalse(failed.getMessage().contains("eyJ"), "no ciphertext either: " + failed.getMessage());
                assertEquals(1, s.metadata("x/y").orElseThrow().currentVersion(), "the failed write rolled back");
                expect(VersionConflictException.class, "expected version 7",
                        () -> s.put("x/y", SecretValue.login("u", PASSWORD), WriteCondition.ifVersion(7)));
                expect(CredentialNotFoundException.class, "No credential named 'x/z'", () -> s.get("x/z"));
            }
        } finally {
            empty.close();
        }
        assertNoPasswordInMessages();
    }

    @Test
    void aFailedCreateLeavesNoRowBehind() throws Exception {
        expect(VersionConflictException.class, "it does not exist",
                () -> store.put("ghost", SecretValue.login("u", PASSWORD), WriteCondition.ifVersion(1)));
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM infrakit_credential")) {
            rs.next();
            assertEquals(0, rs.getInt(1));
        }
        assertTrue(store.list("").isEmpty());
        assertNoPasswordInMessages();
    }

    @Test
    void prefixesWithLikeWildcardsMatchLiterally() {
        store.put("a_b/x", SecretValue.login("u", "p"));
        store.put("aXb/x", SecretValue.login("u", "p"));
        assertEquals(List.of("a_b/x"), store.list("a_").stream().map(CredentialMetadata::name).toList());
        assertEquals(2, store.list("a").size());
    }

    // ---- notifications ------------------------------------------------------------------------

    /** Records what a subscription reports. */
    private static final class Recorder implements CredentialChangeListener {
        final BlockingQueue<String> changes = new LinkedBlockingQueue<>();
        final Semaphore resyncs = new Semaphore(0);

        @Override
        public void changed(String name) {
            changes.add(name);
        }

        @Override
        public void resync() {
            resyncs.release();
        }

        /** Waits up to {@code timeout} for a change of {@code name}. */
        boolean sawChange(String name, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                String seen = changes.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                if (name.equals(seen)) {
                    return true;
                }
                if (seen == null) {
                    return false;
                }
            }
        }
    }

    private static int listenerBackends() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'infrakit-credentials-listener' "
                        + "AND datname = current_database()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void awaitListenerBackends(int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (listenerBackends() != expected) {
            if (System.nanoTime() > deadline) {
                fail("expected " + expected + " listener backends, found " + listenerBackends());
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void subscribersHearWritesFromOtherStoresAndRecoverFromALostConnection() throws Exception {
        PostgresCredentialStore listening = PostgresCredentialStore.builder(pool, KeyRing.of(KEY))
                .reconnectInterval(Duration.ofMillis(200)).build();
        Recorder recorder = new Recorder();
        AutoCloseable subscription = listening.subscribe(recorder);
        try (HikariDataSource otherPool = pool();
             PostgresCredentialStore writer = PostgresCredentialStore.builder(otherPool, KeyRing.of(KEY)).build()) {
            assertEquals(1, listenerBackends());
            writer.put("apps/a", SecretValue.login("u", PASSWORD));
            assertTrue(recorder.sawChange("apps/a", Duration.ofSeconds(1)));
            writer.setCustomMetadata("apps/a", Map.of("owner", "team"));
            assertTrue(recorder.sawChange("apps/a", Duration.ofSeconds(1)));
            writer.deleteAll("apps/a");
            assertTrue(recorder.sawChange("apps/a", Duration.ofSeconds(1)));
            assertThrows(VersionConflictException.class,
                    () -> writer.put("apps/b", SecretValue.login("u", PASSWORD), WriteCondition.ifVersion(3)));
            writer.put("apps/c", SecretValue.login("u", PASSWORD));
            assertEquals("apps/c", recorder.changes.poll(1, TimeUnit.SECONDS), "a failed write notifies nothing");
            assertEquals(0, recorder.resyncs.availablePermits());

            sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
                    + "'infrakit-credentials-listener' AND datname = current_database()");
            assertTrue(recorder.resyncs.tryAcquire(1, TimeUnit.SECONDS), "resync at once when the connection drops");
            assertTrue(recorder.resyncs.tryAcquire(5, TimeUnit.SECONDS), "resync after listening again");
            awaitListenerBackends(1);
            boolean resumed = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (int i = 0; !resumed && System.nanoTime() < deadline; i++) {
                writer.put("apps/after", SecretValue.login("u", PASSWORD + i));
                resumed = recorder.sawChange("apps/after", Duration.ofMillis(500));
            }
            assertTrue(resumed, "notifications resume after reconnecting");

            subscription.close();
            awaitListenerBackends(0);
            recorder.changes.clear();
            writer.put("apps/closed", SecretValue.login("u", PASSWORD));
            assertEquals(null, recorder.changes.poll(300, TimeUnit.MILLISECONDS), "nothing after close");
        } finally {
            listening.close();
        }
    }

    @Test
    void whileTheDatabaseIsUnreachableSubscribersResyncEveryInterval() throws Exception {
        try (EphemeralPostgres server = EphemeralPostgres.builder().start()) {
            TestDatabase own = server.createDatabase("credentials-restart");
            PostgresCredentialStore.createSchema(own.dataSource());
            Recorder recorder = new Recorder();
            try (PostgresCredentialStore s = PostgresCredentialStore.builder(own.dataSource(), KeyRing.of(KEY))
                    .reconnectInterval(Duration.ofMillis(100)).build()) {
                s.subscribe(recorder);
                server.stop();
                assertTrue(recorder.resyncs.tryAcquire(5, 5, TimeUnit.SECONDS), "resync at once and per failed attempt");
                server.start();
                boolean resumed = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                for (int i = 0; !resumed && System.nanoTime() < deadline; i++) {
                    s.put("after/restart", SecretValue.login("u", PASSWORD + i));
                    resumed = recorder.sawChange("after/restart", Duration.ofMillis(500));
                }
                assertTrue(resumed, "notifications resume after the server is back");
                assertTrue(recorder.resyncs.availablePermits() >= 1, "resync after listening again (and per attempt)");
            }
            own.close();
        }
    }

    @Test
    void closingTheStoreClosesItsSubscriptionsAndAFailingListenerIsContained() throws Exception {
        PostgresCredentialStore s = store(KeyRing.of(KEY));
        Recorder recorder = new Recorder();
        s.subscribe(new CredentialChangeListener() {
            @Override
            public void changed(String name) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void resync() {
            }
        });
        s.subscribe(recorder);
        awaitListenerBackends(2);
        store.put("one", SecretValue.login("u", PASSWORD));
        store.put("two", SecretValue.login("u", PASSWORD));
        assertTrue(recorder.sawChange("one", Duration.ofSeconds(1)));
        assertTrue(recorder.sawChange("two", Duration.ofSeconds(1)));
        s.close();
        awaitListenerBackends(0);
        assertThrows(IllegalStateException.class, () -> s.subscribe(recorder));
    }

    @Test
    void builderValidatesItsSettings() {
        expect(IllegalArgumentException.class, "maxVersions must be 1 to 1000, got 0",
                () -> PostgresCredentialStore.builder(pool, KeyRing.of(KEY)).maxVersions(0));
        expect(IllegalArgumentException.class, "reconnectInterval must be at least 1 ms",
                () -> PostgresCredentialStore.builder(pool, KeyRing.of(KEY)).reconnectInterval(Duration.ZERO));
        try (PostgresCredentialStore s = PostgresCredentialStore.builder(pool, KeyRing.of(KEY)).maxVersions(2).build()) {
            for (int i = 0; i < 4; i++) {
                s.put("few", SecretValue.login("u", "p" + i));
            }
            assertEquals(2, s.metadata("few").orElseThrow().versions().size());
        }
    }

    @Test
    void itsHealthCheckIsUpWithItsSchemaAndDownWithoutIt() throws Exception {
        try (TestDatabase empty = EphemeralPostgres.shared().createDatabase("credentials_health");
                HikariDataSource emptyPool = DataSources.create(Config.of(Map.of("url", empty.jdbcUrl(),
                        "username", empty.username(), "password", empty.password(), "pool-size", "1",
                        "connection-timeout", "2s", "validation-timeout", "500ms")));
                PostgresCredentialStore store = PostgresCredentialStore.builder(pool, KeyRing.of(KEY)).build();
                CredentialStore cached = CachingCredentialStore.builder(store).build()) {
            dev.infrakit.core.health.HealthCheck check = store.healthCheck().orElseThrow();
            assertEquals(dev.infrakit.core.health.HealthStatus.UP, check.check().status());
            assertEquals("credential-store", check.name());
            assertEquals(check.name(), cached.healthCheck().orElseThrow().name(), "a decorator offers its store's");
            // build() refuses a database without the tables, so the schema goes after the store is built.
            PostgresCredentialStore.createSchema(emptyPool);
            try (PostgresCredentialStore unready = PostgresCredentialStore.builder(emptyPool, KeyRing.of(KEY)).build()) {
                try (Connection c = emptyPool.getConnection(); Statement s = c.createStatement()) {
                    s.execute("DROP TABLE infrakit_credential_version, infrakit_credential CASCADE");
                }
                // The check throws (the query fails), which a registry reports as DOWN.
                try (dev.infrakit.core.health.HealthRegistry registry = dev.infrakit.core.health.HealthRegistry.builder()
                        .build()) {
                    registry.register(unready.healthCheck().orElseThrow());
                    assertEquals(dev.infrakit.core.health.HealthStatus.DOWN,
                            registry.check().checks().get("credential-store").status(), "no schema: not ready");
                }
            }
        }
    }
}
