package dev.infrakit.credentials;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two instances of a service (two pools, two caches) on one PostgreSQL: a write through one is
 * read through the other within a second, through LISTEN/NOTIFY, and still when the notification
 * connection was killed (the re-check while it reconnects).
 */
class SharedCacheIT {
    private static final MasterKey KEY = MasterKey.generate();
    private static TestDatabase db;
    private static HikariDataSource poolA;
    private static HikariDataSource poolB;

    @BeforeAll
    static void start() {
        db = EphemeralPostgres.shared().createDatabase("shared_cache");
        poolA = pool();
        poolB = pool();
        PostgresCredentialStore.createSchema(poolA);
    }

    @AfterAll
    static void stop() {
        poolA.close();
        poolB.close();
        db.close();
    }

    private static HikariDataSource pool() {
        return DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(), "password",
                db.password(), "pool-size", "3")));
    }

    /** A cache that would keep values for an hour if nothing told it otherwise. */
    private static CachingCredentialStore instance(HikariDataSource pool) {
        return CachingCredentialStore.builder(PostgresCredentialStore.builder(pool, KeyRing.of(KEY)).build())
                .refreshAfter(Duration.ofHours(1)).expireAfter(Duration.ofHours(1)).build();
    }

    private static long within(Duration limit, Supplier<Boolean> condition, String what) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(10);
        }
        fail(what + " took longer than " + limit);
        return -1;
    }

    private static String password(CredentialStore store, String name) {
        return store.get(name).value().password().orElseThrow();
    }

    @Test
    void aWriteThroughOneInstanceIsReadThroughTheOtherWithinASecond() throws Exception {
        try (CachingCredentialStore a = instance(poolA); CachingCredentialStore b = instance(poolB)) {
            a.put("svc/db", SecretValue.login("app", "one"));
            assertEquals("one", password(b, "svc/db"));
            // The put's own NOTIFY may land after b's first read and drop that entry once: b then serves
            // the credential from its cache from the next read on.
            within(Duration.ofSeconds(1), () -> {
                long before = b.hits();
                return password(b, "svc/db").equals("one") && b.hits() == before + 1;
            }, "b serving it from its cache");

            a.put("svc/db", SecretValue.login("app", "two"));
            long ms = within(Duration.ofSeconds(1), () -> password(b, "svc/db").equals("two"), "invalidation by NOTIFY");
            assertTrue(ms < 1000, ms + " ms");

            // Kill every notification connection: b's listener re-checks while reconnecting.
            killListeners();
            a.put("svc/db", SecretValue.login("app", "three"));
            within(Duration.ofMillis(2500), () -> password(b, "svc/db").equals("three"),
                    "invalidation with the notification connection killed");
            a.put("svc/db", SecretValue.login("app", "four"));
            within(Duration.ofSeconds(1), () -> password(b, "svc/db").equals("four"), "invalidation after reconnecting");
            a.deleteAll("svc/db");
            within(Duration.ofSeconds(1), () -> b.find("svc/db").isEmpty(), "a credential deleted elsewhere disappears");
        }
    }

    private static void killListeners() throws Exception {
        try (Connection c = poolA.getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        + "WHERE application_name = 'infrakit-credentials-listener'")) {
            assertTrue(r.next());
            assertTrue(r.getLong(1) >= 1, "a listener connection was running");
        }
    }
}
