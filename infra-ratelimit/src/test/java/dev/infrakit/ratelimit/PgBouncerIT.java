package dev.infrakit.ratelimit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.PgBouncer;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The PostgreSQL store through a real PgBouncer in transaction pooling mode, with fewer server
 * connections than client connections, so consecutive calls of one client land on different
 * server sessions. PgBouncer 1.18 (Debian 12) predates prepared-statement support, hence
 * {@code prepareThreshold=0}, as the store's documentation says.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PgBouncerIT {

    @Test
    void decisionsStayExactThroughTransactionPooling(TestDatabase db) throws Exception {
        try (PgBouncer bouncer = PgBouncer.start(db, PgBouncer.PoolMode.TRANSACTION, 2)) {
            String url = bouncer.jdbcUrl();
            try (HikariDataSource pool = DataSources.create(Config.of(Map.of("url", url, "username", db.username(),
                    "password", db.password(), "pool-size", "6")));
                 PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                         .statementTimeout(Duration.ofSeconds(10)).build()) {
                PostgresRateLimitStore.createSchema(pool);
                RateLimitPolicy policy = RateLimitPolicy.parse("bounced", "100/1h, 150/1d");
                ExecutorService threads = Executors.newFixedThreadPool(6);
                try {
                    List<Future<int[]>> results = new ArrayList<>();
                    for (int t = 0; t < 6; t++) {
                        results.add(threads.submit((Callable<int[]>) () -> {
                            int[] admitted = new int[3];
                            for (int i = 0; i < 60; i++) {
                                for (int k = 0; k < 3; k++) {
                                    if (store.tryAcquire(policy, "key-" + k, 1)) {
                                        admitted[k]++;
                                    }
                                }
                            }
                            return admitted;
                        }));
                    }
                    int[] total = new int[3];
                    for (Future<int[]> f : results) {
                        int[] a = f.get(2, TimeUnit.MINUTES);
                        for (int k = 0; k < 3; k++) {
                            total[k] += a[k];
                        }
                    }
                    for (int k = 0; k < 3; k++) {
                        assertEquals(100, total[k], "key-" + k);
                    }
                    assertFalse(store.isUnavailable(), "no call failed through PgBouncer");
                } finally {
                    threads.shutdownNow();
                }
            }
        }
    }
}
