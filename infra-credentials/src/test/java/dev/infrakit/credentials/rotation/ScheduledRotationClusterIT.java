package dev.infrakit.credentials.rotation;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.schedule.PostgresClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.PostgresCredentialStore;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two instances in real time, each with its own pool, store object, engine and executor, scheduling
 * the same rotation on a schedule aligned to whole seconds, so both wake at the same instant, and
 * sharing a {@link PostgresClusterLock}: every slot rotates exactly once.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class ScheduledRotationClusterIT {
    private static final String NAME = "apps/orders/db";

    private static HikariDataSource pool(TestDatabase db) {
        return DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(),
                "password", db.password(), "pool-size", "4")));
    }

    @Test
    void twoInstancesOnOnePostgresLockRotateEachSlotOnce(TestDatabase db) throws Exception {
        KeyRing keys = KeyRing.of(MasterKey.generate());
        FakeStrategy fake = new FakeStrategy("initial-password");
        List<String> rotationIds = new CopyOnWriteArrayList<>();
        RotationStrategy strategy = new RotationStrategy() {
            @Override
            public SecretValue create(RotationContext context) {
                rotationIds.add(context.rotationId());
                return fake.create(context);
            }

            @Override
            public void apply(RotationContext context) {
                fake.apply(context);
            }

            @Override
            public void test(RotationContext context) {
                fake.test(context);
            }
        };
        Schedule everySecond = after -> after.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        List<AutoCloseable> resources = new ArrayList<>();
        List<ScheduledJob> jobs = new ArrayList<>();
        try {
            for (int instance = 0; instance < 2; instance++) {
                HikariDataSource pool = pool(db);
                resources.add(pool);
                if (instance == 0) {
                    PostgresCredentialStore.createSchema(pool);
                }
                PostgresCredentialStore store = PostgresCredentialStore.builder(pool, keys).build();
                resources.add(store);
                if (instance == 0) {
                    store.put(NAME, SecretValue.login("orders", "initial-password"));
                }
                HikariDataSource lockPool = pool(db);
                PostgresClusterLock lock = PostgresClusterLock.builder(lockPool).closeOnClose(lockPool).build();
                resources.add(lock);
                ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
                resources.add(executor::shutdownNow);
                RotationEngine engine = RotationEngine.builder(store).strategy(NAME, strategy)
                        .clock(Clock.systemUTC()).build();
                jobs.add(engine.schedule(NAME, everySecond, executor, lock));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (jobs.get(0).runs() + jobs.get(1).runs() < 12 && System.nanoTime() < deadline) {
                Thread.sleep(100); // real time is the point here: two executors waking on the same second
            }
            jobs.forEach(ScheduledJob::cancel);
            long runs = jobs.get(0).runs() + jobs.get(1).runs();
            assertTrue(runs >= 12, "both instances woke for several slots: " + runs);
            List<String> slots = new ArrayList<>(rotationIds);
            assertEquals(slots.size(), new HashSet<>(slots).size(), "no slot rotated twice: " + slots);
            assertTrue(slots.size() >= runs / 2 - 1, slots.size() + " slots rotated for " + runs + " runs of two instances");
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
        }
    }
}
