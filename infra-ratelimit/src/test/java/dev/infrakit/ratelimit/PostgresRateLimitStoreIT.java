package dev.infrakit.ratelimit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.Providers;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresRateLimitStoreIT {
    @RegisterExtension
    static final EphemeralPostgresExtension POSTGRES = EphemeralPostgresExtension.perMethod();

    private static HikariDataSource pool(TestDatabase db, int size) {
        return pool(db.jdbcUrl(), db.username(), db.password(), size);
    }

    private static HikariDataSource pool(String url, String user, String password, int size) {
        return DataSources.create(Config.of(Map.of("url", url, "username", user, "password", password,
                "pool-size", Integer.toString(size), "min-idle", "1", "connection-timeout", "500ms",
                "validation-timeout", "250ms")));
    }

    private static long dbNowNanos(HikariDataSource pool) throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void severalIndependentPoolsNeverExceedTheLimitOnTheDatabaseClock(TestDatabase db) throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("exact", "40/1s, 200/10s");
        List<HikariDataSource> pools = new ArrayList<>();
        List<PostgresRateLimitStore> stores = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            HikariDataSource pool = pool(db, 3);
            pools.add(pool);
            PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                    .statementTimeout(Duration.ofSeconds(5)).build();
            stores.add(store);
        }
        PostgresRateLimitStore.createSchema(pools.get(0));
        ExecutorService threads = Executors.newFixedThreadPool(6);
        try {
            long start = dbNowNanos(pools.get(0));
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                PostgresRateLimitStore store = stores.get(t % 3);
                results.add(threads.submit((Callable<long[]>) () -> {
                    long[] admitted = new long[2];
                    while (System.nanoTime() < deadline) {
                        for (int k = 0; k < 2; k++) {
                            if (store.tryAcquire(policy, "hot-" + k, 1)) {
                                admitted[k]++;
                            }
                        }
                    }
                    return admitted;
                }));
            }
            long[] total = new long[2];
            for (Future<long[]> f : results) {
                long[] a = f.get();
                total[0] += a[0];
                total[1] += a[1];
            }
            long elapsed = dbNowNanos(pools.get(0)) - start;
            for (int k = 0; k < 2; k++) {
                for (Limit limit : policy.limits()) {
                    long bound = limit.capacity() + elapsed / limit.intervalNanos();
                    assertTrue(total[k] <= bound, "hot-" + k + ": " + total[k] + " admitted, " + limit + " allows " + bound);
                }
                assertTrue(total[k] >= 40, "at least the burst: " + total[k]);
            }
            assertTrue(stores.stream().noneMatch(PostgresRateLimitStore::isUnavailable));
        } finally {
            threads.shutdownNow();
            stores.forEach(PostgresRateLimitStore::close);
            pools.forEach(HikariDataSource::close);
        }
    }

    @Test
    void manyNewKeysAtOnceNeitherDeadlockNorFail(TestDatabase db) throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("fresh", "3/1h");
        try (HikariDataSource pool = pool(db, 8);
             PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                     .statementTimeout(Duration.ofSeconds(10)).build()) {
            PostgresRateLimitStore.createSchema(pool);
            ExecutorService threads = Executors.newFixedThreadPool(8);
            List<String> keys = new ArrayList<>();
            for (int k = 0; k < 300; k++) {
                keys.add("new-" + k);
            }
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    List<String> mine = new ArrayList<>(keys);
                    Collections.shuffle(mine, new java.util.Random(t));
                    results.add(threads.submit(() -> {
                        int ok = 0;
                        for (String key : mine) {
                            if (store.tryAcquire(policy, key, 1)) {
                                ok++;
                            }
                        }
                        return ok;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : results) {
                    total += f.get(2, TimeUnit.MINUTES);
                }
                assertEquals(300 * 3, total, "each key admitted exactly its capacity");
            } finally {
                threads.shutdownNow();
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), min(octet_length(key_hash)) FROM infrakit_rate_limit")) {
                rs.next();
                assertEquals(300, rs.getInt(1));
                assertEquals(32, rs.getInt(2), "keys are stored as SHA-256 hashes");
            }
        }
    }

    @Test
    void eachFailurePolicyWhileTheServerIsDownAndRecoveryWithoutRestart() throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("outage", "2/1h");
        ManualClock time = ManualClock.create();
        try (EphemeralPostgres server = EphemeralPostgres.builder().start()) {
            TestDatabase db = server.createDatabase("outage");
            try (HikariDataSource pool = pool(db, 2)) {
                PostgresRateLimitStore open = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_OPEN)
                        .ticker(time).build();
                PostgresRateLimitStore closed = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                        .ticker(time).build();
                PostgresRateLimitStore local = PostgresRateLimitStore.builder(pool)
                        .failurePolicy(FailurePolicy.LOCAL_FALLBACK).fallbackFraction(0.5).ticker(time).build();
                PostgresRateLimitStore.createSchema(pool);
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                closed.metrics().orElseThrow().bindTo(meters);
                assertTrue(closed.tryAcquire(policy, "k", 1));
                assertEquals(HealthStatus.UP, closed.healthCheck().orElseThrow().check().status());

                server.stop();
                assertTrue(open.tryAcquire(policy, "k", 1) && open.tryAcquire(policy, "k", 1) && open.tryAcquire(policy, "k", 1),
                        "fail-open admits everything");
                Decision refused = closed.acquire(policy, "k", 1, Duration.ZERO);
                assertFalse(refused.allowed(), "fail-closed rejects");
                assertEquals(1, refused.retryAfterSeconds());
                assertTrue(local.tryAcquire(policy, "k", 1), "local fallback: half of 2 per hour is 1");
                assertFalse(local.tryAcquire(policy, "k", 1));
                assertTrue(closed.isUnavailable());
                HealthResult closedHealth = closed.healthCheck().orElseThrow().check();
                assertEquals(HealthStatus.DOWN, closedHealth.status());
                assertTrue(closedHealth.output().orElseThrow().contains("rejecting every request"), closedHealth.toString());
                assertEquals(HealthStatus.DEGRADED, open.healthCheck().orElseThrow().check().status());
                assertEquals(HealthStatus.DEGRADED, local.healthCheck().orElseThrow().check().status());
                assertEquals(1.0, meters.get("infrakit.ratelimit.store.decisions").tag("outcome", "failed-closed")
                        .functionCounter().count());

                server.start();
                assertFalse(closed.tryAcquire(policy, "k", 1), "still inside the retry interval: no call yet");
                // The pool reconnects in the background; each retry interval, one call probes the database.
                Decision back = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < deadline) {
                    time.advance(Duration.ofSeconds(2));
                    back = closed.acquire(policy, "k", 1, Duration.ZERO);
                    if (back.allowed()) {
                        break;
                    }
                }
                assertTrue(back.allowed(), "back to the database without a restart: " + back + " " + closed);
                assertFalse(closed.isUnavailable());
                assertFalse(closed.tryAcquire(policy, "k", 1), "and the global count continued: 2 used");
                assertEquals(HealthStatus.UP, closed.healthCheck().orElseThrow().check().status());
                assertTrue(meters.get("infrakit.ratelimit.store.statement").tag("store", "postgres").functionTimer().count() >= 2,
                        "decision statements are timed");
                assertTrue(meters.get("infrakit.ratelimit.store.decisions").tag("outcome", "allowed").functionCounter()
                        .count() >= 2);
                open.close();
                closed.close();
                local.close();
            }
        }
    }

    @Test
    void aSlowStatementTimesOutIntoTheFailurePolicy(TestDatabase db) throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("slow", "5/1h");
        try (HikariDataSource pool = pool(db, 3);
             PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                     .statementTimeout(Duration.ofMillis(300)).build()) {
            PostgresRateLimitStore.createSchema(pool);
            assertTrue(store.tryAcquire(policy, "k", 1));
            try (Connection blocker = pool.getConnection(); Statement s = blocker.createStatement()) {
                blocker.setAutoCommit(false);
                s.execute("SELECT * FROM infrakit_rate_limit FOR UPDATE");
                long start = System.nanoTime();
                Decision d = store.acquire(policy, "k", 1, Duration.ZERO);
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertFalse(d.allowed());
                assertTrue(tookMs < 3000, "cancelled after the timeout, took " + tookMs + " ms");
                assertTrue(store.isUnavailable());
                blocker.rollback();
            }
        }
    }

    @Test
    void badInputAndBadSetup(TestDatabase db) throws Exception {
        try (HikariDataSource pool = pool(db, 2)) {
            assertThrows(IllegalStateException.class, () -> PostgresRateLimitStore.builder(pool).build());
            PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_OPEN).build();
            RateLimitException missing = assertThrows(RateLimitException.class,
                    () -> store.tryAcquire(RateLimitPolicy.parse("p", "1/1s"), "k", 1));
            assertTrue(missing.getMessage().contains("createSchema(dataSource)"), missing.getMessage());
            PostgresRateLimitStore.createSchema(pool, true);
            assertThrows(IllegalArgumentException.class, () -> store.tryAcquire(RateLimitPolicy.parse("p", "1/1s"), "k", 2));
            assertThrows(NullPointerException.class, () -> store.tryAcquire(RateLimitPolicy.parse("p", "1/1s"), null, 1));
            store.close();
        }
        EphemeralPostgres shared = EphemeralPostgres.shared();
        org.postgresql.ds.PGSimpleDataSource unreachable = new org.postgresql.ds.PGSimpleDataSource();
        unreachable.setURL("jdbc:postgresql://127.0.0.1:1/none");
        RateLimitException e = assertThrows(RateLimitException.class,
                () -> PostgresRateLimitStore.builder(unreachable).failurePolicy(FailurePolicy.FAIL_OPEN).build());
        assertTrue(e.getMessage().startsWith("Cannot reach PostgreSQL for rate limiting: Connection to 127.0.0.1:1 refused"),
                e.getMessage());
        dev.infrakit.core.ProviderException refused = assertThrows(dev.infrakit.core.ProviderException.class,
                () -> Providers.load(RateLimitStoreProvider.class, Config.of(Map.of("infrakit.ratelimit.store", "postgres",
                        "infrakit.ratelimit.postgres.url", "jdbc:postgresql://127.0.0.1:1/none",
                        "infrakit.ratelimit.postgres.on-failure", "fail-closed",
                        "infrakit.ratelimit.postgres.connection-timeout", "500ms",
                        "infrakit.ratelimit.postgres.validation-timeout", "250ms"))));
        assertTrue(refused.getMessage().contains("Could not open connection pool 'infrakit' to "
                + "jdbc:postgresql://127.0.0.1:1/none: Connection to 127.0.0.1:1 refused"), refused.getMessage());
        assertTrue(refused.getCause() instanceof dev.infrakit.core.DataSourceException);
        dev.infrakit.core.ConfigException noPolicy = assertThrows(dev.infrakit.core.ConfigException.class,
                () -> Providers.load(RateLimitStoreProvider.class, Config.of(Map.of("infrakit.ratelimit.store", "postgres",
                        "infrakit.ratelimit.postgres.url", shared.jdbcUrl("postgres")))));
        assertEquals("infrakit.ratelimit.postgres.on-failure", noPolicy.key());
    }

    @Test
    void theProviderBuildsAWorkingStoreFromConfig(TestDatabase db) {
        try (RateLimiter limiter = RateLimiter.fromConfig(Config.of(Map.of(
                "infrakit.ratelimit.store", "postgres",
                "infrakit.ratelimit.postgres.url", db.jdbcUrl(),
                "infrakit.ratelimit.postgres.username", db.username(),
                "infrakit.ratelimit.postgres.password", db.password(),
                "infrakit.ratelimit.postgres.on-failure", "local-fallback",
                "infrakit.ratelimit.postgres.fallback-fraction", "0.5",
                "infrakit.ratelimit.tiers", "user",
                "infrakit.ratelimit.tier.user.limits", "2/1m")))) {
            assertEquals("postgres", limiter.store().name());
            assertTrue(limiter.tryAcquire("u"));
            assertTrue(limiter.tryAcquire("u"));
            Decision d = limiter.decide("u");
            assertFalse(d.allowed());
            assertEquals(30, d.retryAfterSeconds());
        }
    }

    @Test
    void theSweepDeletesRowsFullForForgetAfter(TestDatabase db) throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("sweep", "1/10ms");
        try (HikariDataSource pool = pool(db, 2);
             PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                     .forgetAfter(Duration.ZERO).sweep(Duration.ZERO, 10).build()) {
            PostgresRateLimitStore.createSchema(pool);
            for (int k = 0; k < 25; k++) {
                assertTrue(store.tryAcquire(policy, "k" + k, 1));
            }
            RateLimitPolicy slow = RateLimitPolicy.parse("keep", "1/1h");
            assertTrue(store.tryAcquire(slow, "kept", 1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int deleted = 0;
            while (deleted < 25 && System.nanoTime() < deadline) {
                deleted += store.sweep();
            }
            assertEquals(25, deleted, "in batches of at most 10");
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM infrakit_rate_limit")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the row that still owes a token stays");
            }
        }
    }

    @Test
    void batchingTakesSeveralPermitsPerRoundTripWithinTheStatedBound(TestDatabase db) throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.parse("hot", "30/1h");
        ManualClock time = ManualClock.create();
        try (HikariDataSource pool = pool(db, 4);
             PostgresRateLimitStore a = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                     .batching(5, Duration.ofSeconds(1)).ticker(time).build();
             PostgresRateLimitStore b = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                     .batching(5, Duration.ofSeconds(1)).ticker(time).build()) {
            PostgresRateLimitStore.createSchema(pool);
            AtomicLong admitted = new AtomicLong();
            for (int i = 0; i < 30; i++) {
                if ((i % 2 == 0 ? a : b).tryAcquire(policy, "k", 1)) {
                    admitted.incrementAndGet();
                }
            }
            assertEquals(30, admitted.get());
            assertEquals(6, a.roundTrips() + b.roundTrips(), "one round trip per 5 permits");
            for (int i = 0; i < 10; i++) {
                if ((i % 2 == 0 ? a : b).tryAcquire(policy, "k", 1)) {
                    admitted.incrementAndGet();
                }
            }
            assertEquals(30, admitted.get(), "never more than the limit in total");
            // A drains the database; B still holds permits it reserved earlier (at most 4).
            PostgresRateLimitStore c = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
            RateLimitPolicy fresh = RateLimitPolicy.parse("burst", "10/1h");
            assertTrue(b.tryAcquire(fresh, "k", 1), "b reserves 5, uses 1");
            int drained = 0;
            while (c.tryAcquire(fresh, "k", 1)) {
                drained++;
            }
            assertEquals(5, drained);
            int extra = 0;
            while (b.tryAcquire(fresh, "k", 1)) {
                extra++;
            }
            assertEquals(4, extra, "the burst beyond the empty bucket is the 4 permits b reserved, no more");
            time.advance(Duration.ofSeconds(1));
            assertFalse(b.tryAcquire(fresh, "k", 1), "unused reservations expire");
            c.close();
        }
    }
}
