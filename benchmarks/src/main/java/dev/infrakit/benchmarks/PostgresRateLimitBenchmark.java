package dev.infrakit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.PostgresRateLimitStore;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TcpRelay;
import dev.infrakit.testkit.TestDatabase;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * A documented harness (not JMH: each decision is a network round trip, so a fixed-time run with
 * a decision counter is the honest measure) for shared rate limiting on PostgreSQL: Infrakit's
 * {@link PostgresRateLimitStore} against Bucket4j's PostgreSQL proxy manager (SELECT … FOR UPDATE
 * variant), on an ephemeral PostgreSQL 15 with {@code pg_stat_statements}, at 1 and 8 connections
 * (one thread per connection), on one hot key and on 100,000 random keys.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.infrakit.benchmarks.PostgresRateLimitBenchmark [seconds] [rtt-µs]</pre>
 *
 * Prints decisions per second, and statements and transactions per decision from
 * {@code pg_stat_statements} and {@code pg_stat_database}. With an RTT, the JDBC connections go
 * through a {@link TcpRelay} (infra-testkit) that adds that round-trip time, as a network between service and
 * database does; without, over bare loopback, where client and server share the machine's cores.
 */
public final class PostgresRateLimitBenchmark {
    private static final int KEYS = 100_000;

    private PostgresRateLimitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        long rttMicros = args.length > 1 ? Long.parseLong(args[1]) : 0;
        try (EphemeralPostgres server = EphemeralPostgres.builder()
                .setting("shared_preload_libraries", "pg_stat_statements")
                .setting("max_connections", "100").start()) {
            TestDatabase db = server.createDatabase("bench");
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION pg_stat_statements");
                s.execute("CREATE TABLE bucket (id BIGINT PRIMARY KEY, state BYTEA)");
            }
            TcpRelay relay = rttMicros > 0 ? TcpRelay.start(server.port(), java.time.Duration.ofNanos(rttMicros * 1000)) : null;
            String url = relay == null ? db.jdbcUrl() : "jdbc:postgresql://127.0.0.1:" + relay.port() + "/" + db.name();
            System.out.println(relay == null ? "bare loopback" : "through a relay adding " + rttMicros + " µs round-trip time");
            System.out.printf("%-9s %-7s %-11s %14s %13s %13s%n", "contender", "conns", "keys", "decisions/s",
                    "stmts/dec", "xacts/dec");
            for (int conns : new int[] {1, 8}) {
                for (boolean hot : new boolean[] {true, false}) {
                    for (String contender : new String[] {"infrakit", "bucket4j"}) {
                        run(db, url, contender, conns, hot, seconds);
                    }
                }
            }
            if (relay != null) {
                relay.close();
            }
        }
    }

    private static void run(TestDatabase db, String url, String contender, int conns, boolean hot, int seconds)
            throws Exception {
        try (HikariDataSource pool = DataSources.create(Config.of(Map.of("url", url, "username", db.username(),
                "password", db.password(), "pool-size", Integer.toString(conns))))) {
            LongPredicate decide;
            AutoCloseable cleanup = () -> { };
            if (contender.equals("infrakit")) {
                PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                        .statementTimeout(Duration.ofSeconds(10)).sweep(Duration.ZERO, 1000).build();
                PostgresRateLimitStore.createSchema(pool);
                RateLimitPolicy policy = hot ? RateLimitPolicy.parse("hot", "1000000/1s")
                        : RateLimitPolicy.parse("user", "1000/1s");
                decide = key -> store.tryAcquire(policy, Long.toString(key), 1);
                cleanup = store;
            } else {
                ProxyManager<Long> proxy = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(pool).build();
                BucketConfiguration config = BucketConfiguration.builder().addLimit(hot
                        ? l -> l.capacity(1_000_000).refillGreedy(1_000_000, Duration.ofSeconds(1))
                        : l -> l.capacity(1000).refillGreedy(1000, Duration.ofSeconds(1))).build();
                decide = key -> proxy.builder().build(key, () -> config).tryConsume(1);
            }
            try {
                if (!hot) {
                    // Every key exists before measuring, as in steady state.
                    DecisionLoop.parallel(conns, (t, n) -> {
                        for (long k = t; k < KEYS; k += n) {
                            decide.test(k);
                        }
                        return 0L;
                    });
                }
                LongPredicate[] perThread = new LongPredicate[conns];
                java.util.Arrays.fill(perThread, decide);
                java.util.concurrent.atomic.LongAdder refused = new java.util.concurrent.atomic.LongAdder();
                DecisionLoop.timed(perThread, hot, KEYS, refused, Math.max(2, seconds / 3));
                long[] before = counters(db);
                long start = System.nanoTime();
                long decisions = DecisionLoop.timed(perThread, hot, KEYS, refused, seconds);
                double elapsed = (System.nanoTime() - start) / 1e9;
                long[] after = counters(db);
                System.out.printf("%-9s %-7d %-11s %14.0f %13.2f %13.2f%n", contender, conns, hot ? "1 hot" : "100k random",
                        decisions / elapsed, (after[0] - before[0] - 1) / (double) decisions,
                        (after[1] - before[1]) / (double) decisions);
            } finally {
                cleanup.close();
            }
        }
    }

    /** Statements recorded by pg_stat_statements and committed transactions of the database. */
    static long[] counters(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            long statements;
            try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                    + "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                rs.next();
                statements = rs.getLong(1);
            }
            long xacts;
            try (ResultSet rs = s.executeQuery("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                    + "WHERE datname = current_database()")) {
                rs.next();
                xacts = rs.getLong(1);
            }
            s.execute("SELECT pg_stat_clear_snapshot()");
            return new long[] {statements, xacts};
        }
    }
}
