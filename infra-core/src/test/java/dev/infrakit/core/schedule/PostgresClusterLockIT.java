package dev.infrakit.core.schedule;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.Providers;
import dev.infrakit.core.fixtures.ClusterLockRace;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.PgBouncer;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PostgresClusterLock} against a real PostgreSQL (and PgBouncer): each "instance" is its own
 * pool, as separate processes would have.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PostgresClusterLockIT {

    private static HikariDataSource pool(TestDatabase db, String url) {
        return DataSources.create(Config.of(Map.of("url", url, "username", db.username(), "password", db.password(),
                "pool-size", "3", "connection-timeout", "10s")));
    }

    /** An "instance": its own pool and lock, as a separate process would have; closing the lock closes the pool. */
    private static PostgresClusterLock instance(TestDatabase db, String url) {
        HikariDataSource pool = pool(db, url);
        return PostgresClusterLock.builder(pool).closeOnClose(pool).build();
    }

    private static int[] ones(int n) {
        int[] once = new int[n];
        Arrays.fill(once, 1);
        return once;
    }

    /** Polls {@code condition} for up to 30 s: the server notices a dead client asynchronously. */
    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** The backend holding the advisory lock of {@code key}, or -1. */
    private static int holder(TestDatabase db, long key) throws Exception {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("SELECT pid FROM pg_locks WHERE "
                + "locktype = 'advisory' AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = ?")) {
            s.setLong(1, key);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        }
    }

    @Test
    void twoInstancesRacingRunEachRoundExactlyOnce(TestDatabase db) throws Exception {
        try (PostgresClusterLock lockA = instance(db, db.jdbcUrl()); PostgresClusterLock lockB = instance(db, db.jdbcUrl())) {
            assertArrayEquals(ones(100), ClusterLockRace.race(List.of(lockA, lockB), "backup of orders", 100));
            assertArrayEquals(ones(30), ClusterLockRace.race(List.of(lockA, lockB, lockA, lockB), "four threads", 30));
            assertEquals(-1, holder(db, PostgresClusterLock.key("infrakit", "backup of orders")), "released after the race");
        }
    }

    @Test
    void theLockIsHeldOnlyWhileTheTaskRunsAndReleasedWhenItThrows(TestDatabase db) throws Exception {
        try (HikariDataSource a = pool(db, db.jdbcUrl()); HikariDataSource b = pool(db, db.jdbcUrl())) {
            PostgresClusterLock lockA = PostgresClusterLock.builder(a).build();
            PostgresClusterLock lockB = PostgresClusterLock.builder(b).build();
            long key = PostgresClusterLock.key("infrakit", "job");
            assertTrue(lockA.runExclusively("job", () -> {
                assertFalse(lockB.runExclusively("job", () -> { }), "another instance is refused");
                assertTrue(lockB.runExclusively("other job", () -> { }), "other names are free");
                try {
                    assertTrue(holder(db, key) > 0, "held in the database while the task runs");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
            assertEquals(-1, holder(db, key));
            assertThrows(ArithmeticException.class, () -> lockA.runExclusively("job", () -> {
                throw new ArithmeticException("task failed");
            }));
            assertEquals(-1, holder(db, key), "a throwing task releases the lock");
            assertTrue(lockB.runExclusively("job", () -> { }));
            try (Connection c = a.getConnection()) {
                assertTrue(c.getAutoCommit(), "the connection goes back to the pool as it came");
            }
        }
    }

    @Test
    void namespacesSeparateServicesSharingADatabase(TestDatabase db) throws Exception {
        try (HikariDataSource a = pool(db, db.jdbcUrl()); HikariDataSource b = pool(db, db.jdbcUrl())) {
            PostgresClusterLock billing = PostgresClusterLock.builder(a).namespace("billing").build();
            PostgresClusterLock shipping = PostgresClusterLock.builder(b).namespace("shipping").build();
            AtomicInteger runs = new AtomicInteger();
            assertTrue(billing.runExclusively("nightly", () -> assertTrue(shipping.runExclusively("nightly", runs::incrementAndGet))));
            assertEquals(1, runs.get());
            assertThrows(IllegalStateException.class, () -> PostgresClusterLock.builder(a).namespace("x").namespace("y"));
        }
    }

    @Test
    void aHolderWhoseBackendIsTerminatedLosesTheLockToAnotherInstance(TestDatabase db) throws Exception {
        try (PostgresClusterLock lockA = instance(db, db.jdbcUrl()); PostgresClusterLock lockB = instance(db, db.jdbcUrl())) {
            long key = PostgresClusterLock.key("infrakit", "rotation of db-password");
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> lockA.runExclusively(
                    "rotation of db-password", () -> {
                        holding.countDown();
                        try {
                            finish.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
            assertTrue(holding.await(30, TimeUnit.SECONDS));
            assertFalse(lockB.runExclusively("rotation of db-password", () -> { }));
            int pid = holder(db, key);
            assertTrue(pid > 0);
            try (Connection admin = db.connect(); Statement s = admin.createStatement()) {
                assertTrue(s.executeQuery("SELECT pg_terminate_backend(" + pid + ")").next());
            }
            AtomicInteger taken = new AtomicInteger();
            assertTrue(eventually(() -> lockB.runExclusively("rotation of db-password", taken::incrementAndGet)),
                    "another instance takes the lock once the holder's backend is gone");
            assertEquals(1, taken.get());
            finish.countDown();
            assertTrue(first.get(30, TimeUnit.SECONDS), "the first task ran");
            assertEquals(1, lockA.lost(), "the holder counts the lock it lost");
            assertEquals(0, lockB.lost());
            assertTrue(lockA.runExclusively("rotation of db-password", () -> { }), "the holder's pool recovers");
        }
    }

    @Test
    void aHolderJvmKilledMidTaskReleasesTheLock(TestDatabase db) throws Exception {
        killHolderAndTakeOver(db, db.jdbcUrl(), "backup of orders (crash)");
    }

    @Test
    void aHolderJvmKilledMidTaskThroughPgBouncerReleasesTheLock(TestDatabase db) throws Exception {
        // PgBouncer closes a server connection whose client vanished inside a transaction, and the
        // server ends the session with it: the lock does not stay with a pooled session.
        try (PgBouncer bouncer = PgBouncer.start(db, PgBouncer.PoolMode.TRANSACTION, 2)) {
            killHolderAndTakeOver(db, bouncer.jdbcUrl(), "backup of orders (crash through PgBouncer)");
        }
    }

    /** A child JVM takes {@code name} through {@code url} and is SIGKILLed mid-task; another instance then gets it. */
    private static void killHolderAndTakeOver(TestDatabase db, String url, String name) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ClusterLockHolderMain.class.getName(), url,
                db.username(), name).redirectErrorStream(true);
        builder.environment().put("INFRAKIT_TEST_DB_PASSWORD", db.password());
        Process child = builder.start();
        try (PostgresClusterLock other = instance(db, url)) {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            boolean holding = false;
            while (!holding && (line = out.readLine()) != null) {
                holding = line.equals("HOLDING");
            }
            assertTrue(holding, "the child took the lock");
            assertTrue(holder(db, PostgresClusterLock.key("infrakit", name)) > 0);
            assertFalse(other.runExclusively(name, () -> { }), "held by the child");
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no rollback sent
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            AtomicInteger runs = new AtomicInteger();
            assertTrue(eventually(() -> other.runExclusively(name, runs::incrementAndGet)),
                    "the killed holder's session ended and released the lock");
            assertEquals(1, runs.get());
            assertEquals(-1, holder(db, PostgresClusterLock.key("infrakit", name)), "no session keeps it");
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void throughPgBouncerTransactionPoolingItStillExcludes(TestDatabase db) throws Exception {
        try (PgBouncer bouncer = PgBouncer.start(db, PgBouncer.PoolMode.TRANSACTION, 3);
             PostgresClusterLock lockA = instance(db, bouncer.jdbcUrl()); PostgresClusterLock lockB = instance(db, bouncer.jdbcUrl())) {
            assertArrayEquals(ones(60), ClusterLockRace.race(List.of(lockA, lockB), "token keys", 60));
            // Many short transactions in between hand server connections around; a held lock stays held.
            assertTrue(lockA.runExclusively("pinned", () -> {
                for (int i = 0; i < 20; i++) {
                    assertFalse(lockB.runExclusively("pinned", () -> { }), "attempt " + i);
                    assertTrue(lockB.runExclusively("free " + i, () -> { }));
                }
            }));
            assertTrue(lockB.runExclusively("pinned", () -> { }));
            assertEquals(-1, holder(db, PostgresClusterLock.key("infrakit", "pinned")), "nothing leaks into a pooled session");
        }
    }

    @Test
    void aSessionLevelLockWouldNotExcludeThroughPgBouncerWhichIsWhyTheLockIsTransactionLevel(TestDatabase db)
            throws Exception {
        // Session-level advisory locks through transaction pooling: the unlock runs on whatever server
        // session the next transaction gets, so it fails to release, and the lock stays with a session
        // that another client then uses. This shows the hazard the transaction-level design avoids.
        try (PgBouncer bouncer = PgBouncer.start(db, PgBouncer.PoolMode.TRANSACTION, 1);
             HikariDataSource a = pool(db, bouncer.jdbcUrl()); HikariDataSource b = pool(db, bouncer.jdbcUrl())) {
            long key = PostgresClusterLock.key("infrakit", "session level");
            try (Connection ca = a.getConnection(); Connection cb = b.getConnection()) {
                assertTrue(tryLock(ca, key), "a takes the session lock");
                assertTrue(tryLock(cb, key), "b lands on the same server session and is let in: no exclusion");
            }
        }
    }

    private static boolean tryLock(Connection c, long key) throws Exception {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            s.setLong(1, key);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    @Test
    void hostileNamesAreRefusedBeforeTheDatabaseAndOddValidNamesAreDistinctLocks(TestDatabase db) throws Exception {
        try (PostgresClusterLock lockA = instance(db, db.jdbcUrl()); PostgresClusterLock lockB = instance(db, db.jdbcUrl())) {
            for (String hostile : List.of("nul\u0000", "new\nline", "esc\u001b]0;title\u0007", "x".repeat(10_000_000),
                    "", "half \ud83d")) {
                assertThrows(IllegalArgumentException.class, () -> lockA.runExclusively(hostile, () -> { }));
            }
            List<String> odd = List.of("'; SELECT pg_sleep(10); --", "\\", "%s%n", "名前", "\ud83d\udd12", "z".repeat(512),
                    "z".repeat(511), "a b", "a  b", "A B");
            Set<Long> keys = new HashSet<>();
            for (String name : odd) {
                keys.add(PostgresClusterLock.key("infrakit", name));
                assertTrue(lockA.runExclusively(name, () -> {
                    assertFalse(lockB.runExclusively(name, () -> { }), name);
                    for (String other : odd) {
                        if (!other.equals(name)) {
                            assertTrue(lockB.runExclusively(other, () -> { }), other + " is not " + name);
                        }
                    }
                }));
            }
            assertEquals(odd.size(), keys.size(), "distinct keys");
        }
    }

    @Test
    void aClosedPoolIsAClearErrorAndTheProviderBuildsAWorkingLock(TestDatabase db) throws Exception {
        HikariDataSource closed = pool(db, db.jdbcUrl());
        closed.close();
        PostgresClusterLock dead = PostgresClusterLock.builder(closed).build();
        ClusterLockException e = assertThrows(ClusterLockException.class, () -> dead.runExclusively("job", () -> { }));
        assertTrue(e.getMessage().startsWith("Could not ask for the cluster lock 'job': no database connection"), e.getMessage());
        assertFalse(e.getMessage().contains(db.password()));

        Config config = Config.of(Map.of("infrakit.schedule.lock", "postgres", "infrakit.schedule.postgres.url", db.jdbcUrl(),
                "infrakit.schedule.postgres.username", db.username(), "infrakit.schedule.postgres.password", db.password(),
                "infrakit.schedule.postgres.namespace", "orders-service"));
        try (ClusterLock lock = Providers.load(ClusterLockProvider.class, config);
             HikariDataSource b = pool(db, db.jdbcUrl())) {
            assertEquals("postgres", lock.name());
            assertTrue(lock.toString().contains("orders-service"), lock.toString());
            assertEquals("UP", lock.healthCheck().orElseThrow().check().status().name());
            PostgresClusterLock sameNamespace = PostgresClusterLock.builder(b).namespace("orders-service").build();
            assertTrue(lock.runExclusively("nightly", () -> assertFalse(sameNamespace.runExclusively("nightly", () -> { }))));
        }
        Config bad = Config.of(Map.of("infrakit.schedule.lock", "postgres", "infrakit.schedule.postgres.url", db.jdbcUrl(),
                "infrakit.schedule.postgres.namespace", "bad\tnamespace"));
        RuntimeException refused = assertThrows(RuntimeException.class, () -> Providers.load(ClusterLockProvider.class, bad));
        assertTrue(String.valueOf(refused.getMessage()).contains("infrakit.schedule.postgres.namespace"), refused.getMessage());
    }
}
