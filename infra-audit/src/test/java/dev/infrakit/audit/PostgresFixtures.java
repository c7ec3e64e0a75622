package dev.infrakit.audit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;

import javax.sql.DataSource;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared helpers of the PostgreSQL audit tests. */
final class PostgresFixtures {
    private PostgresFixtures() {
    }

    static HikariDataSource pool(String jdbcUrl, String user, String password) {
        return DataSources.create(Config.of(Map.of("url", jdbcUrl, "username", user, "password", password,
                "pool-size", "4", "connection-timeout", "1s", "validation-timeout", "500ms")));
    }

    static KeyPair p256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** Waits (up to 30 s) until {@code condition} holds. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Runs {@code calls} (each records one event to {@code sink}) so that all their events land in
     * one batch of the sink: the table is locked while the sink's writer blocks on a first batch
     * holding one other event, until every call's event is queued. Returns the calls' futures.
     */
    static List<Future<?>> inOneBatch(DataSource pool, PostgresAuditSink sink, ExecutorService threads,
                                      List<Callable<?>> calls) throws Exception {
        return inOneBatch(pool, sink, threads, calls, calls.size());
    }

    /** As {@link #inOneBatch(DataSource, PostgresAuditSink, ExecutorService, List)}, for calls recording {@code events} in all. */
    static List<Future<?>> inOneBatch(DataSource pool, PostgresAuditSink sink, ExecutorService threads,
                                      List<Callable<?>> calls, int events) throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        try (Connection lock = pool.getConnection(); Statement s = lock.createStatement()) {
            lock.setAutoCommit(false);
            s.execute("LOCK TABLE infrakit_audit IN EXCLUSIVE MODE");
            Future<?> blocker = threads.submit(() -> {
                sink.record(AuditEvent.builder(AuditEvent.Category.ADMIN, "test.blocker").actor(Actor.system())
                        .action("block").build());
                return null;
            });
            await(() -> waitingForTheLock(pool), "the writer waits for the table lock");
            for (Callable<?> call : calls) {
                futures.add(threads.submit(call));
            }
            await(() -> sink.stats().queued() == events, events + " events are queued");
            lock.commit();
            blocker.get(30, TimeUnit.SECONDS);
        }
        return futures;
    }

    private static boolean waitingForTheLock(DataSource pool) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'infrakit_audit'::regclass")) {
            rs.next();
            return rs.getInt(1) > 0;
        } catch (java.sql.SQLException e) {
            throw new AssertionError("cannot read pg_locks", e);
        }
    }
}
