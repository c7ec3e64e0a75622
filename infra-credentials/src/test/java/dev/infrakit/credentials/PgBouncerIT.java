package dev.infrakit.credentials;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.PgBouncer;
import dev.infrakit.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PostgreSQL credential store through a real PgBouncer in transaction pooling mode (2 server
 * connections for more clients): every operation works, and with a direct
 * {@code listenDataSource} another instance's cache still hears about writes at once.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PgBouncerIT {

    private static HikariDataSource pool(String url, TestDatabase db, int size) {
        return DataSources.create(Config.of(Map.of("url", url, "username", db.username(), "password", db.password(),
                "pool-size", String.valueOf(size))));
    }

    private static String password(CredentialStore store, String name) {
        Secret s = store.get(name);
        try {
            return s.value().password().orElseThrow();
        } finally {
            if (!(store instanceof CachingCredentialStore)) {
                s.clear();
            }
        }
    }

    @Test
    void everyOperationWorksAndCachesHearOfWritesThroughADirectListenConnection(TestDatabase db) throws Exception {
        KeyRing keys = KeyRing.of(MasterKey.generate());
        try (PgBouncer bouncer = PgBouncer.start(db, PgBouncer.PoolMode.TRANSACTION, 2);
             HikariDataSource bounced = pool(bouncer.jdbcUrl(), db, 6);
             HikariDataSource direct = pool(db.jdbcUrl(), db, 1)) {
            PostgresCredentialStore.createSchema(bounced);
            try (PostgresCredentialStore writer = PostgresCredentialStore.builder(bounced, keys).build();
                 CachingCredentialStore reader = CachingCredentialStore.builder(PostgresCredentialStore
                         .builder(bounced, keys).listenDataSource(direct).build())
                         .refreshAfter(Duration.ofHours(1)).expireAfter(Duration.ofHours(1)).build()) {
                assertEquals(1, writer.put("billing/db", SecretValue.login("app", "first")));
                assertEquals("first", password(reader, "billing/db"));
                for (int v = 2; v <= 5; v++) {
                    assertEquals(v, writer.put("billing/db", SecretValue.login("app", "pw-" + v),
                            WriteCondition.ifVersion(v - 1)));
                    long written = System.nanoTime();
                    String seen = password(reader, "billing/db");
                    while (!seen.equals("pw-" + v) && System.nanoTime() - written < 2_000_000_000L) {
                        Thread.sleep(10);
                        seen = password(reader, "billing/db");
                    }
                    assertEquals("pw-" + v, seen, "the cached value was invalidated by the write's NOTIFY");
                }
                assertEquals(List.of("billing/db"), writer.list("billing/").stream().map(CredentialMetadata::name)
                        .toList());
                writer.delete("billing/db", 5);
                assertFalse(writer.metadata("billing/db").orElseThrow().version(5).orElseThrow().readable());
                Secret fourth = writer.get("billing/db", 4);
                assertEquals("pw-4", fourth.value().password().orElseThrow());
                fourth.clear();
                assertTrue(writer.deleteAll("billing/db"));
                assertEquals(List.of(), writer.list("billing/"));
            }
        }
    }
}
