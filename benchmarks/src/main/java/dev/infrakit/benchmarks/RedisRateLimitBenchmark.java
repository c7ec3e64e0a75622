package dev.infrakit.benchmarks;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.redis.RedisRateLimitStore;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.EphemeralRedis;
import dev.infrakit.testkit.TcpRelay;
import dev.infrakit.testkit.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.ratelimit.PostgresRateLimitStore;
import java.sql.Connection;
import java.sql.Statement;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongPredicate;

/**
 * A documented harness (not JMH: each decision is a network round trip, so a fixed-time run with
 * a decision counter is the honest measure) for shared rate limiting on Redis: Infrakit's
 * {@link RedisRateLimitStore} against Bucket4j's Lettuce proxy manager
 * ({@link Bucket4jLettuce#casBasedBuilder compare-and-swap}, Bucket4j's way for Lettuce), on an
 * ephemeral Redis server ({@link EphemeralRedis}, infra-testkit), at 1 and 8 connections (one
 * thread per connection, each its own Lettuce connection of one client), on one hot key and on
 * 100,000 random keys.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.infrakit.benchmarks.RedisRateLimitBenchmark [seconds] [rtt-µs]</pre>
 *
 * <p>Every contender gets the same limits as in {@link PostgresRateLimitBenchmark}: 10<sup>6</sup>/s
 * on the hot key and 1000/s on each random key, so every decision is an admitted one (refusals
 * would be printed). Infrakit's keys expire once their bucket is full again, which under these
 * limits is about 1 ms after a key's last decision; Bucket4j's are kept 10 s longer
 * ({@link ExpirationAfterWriteStrategy#basedOnTimeForRefillingBucketUpToMax} of 10 s, its usual
 * setting — with no extra time, as Infrakit, a key can expire between Bucket4j's {@code GET} and
 * its {@code EVAL}, failing the swap: measured once, that halves its hot-key rate at one connection
 * with an RTT). So, unlike the PostgreSQL harness, keys are not created before measuring: a random
 * key is almost always new for Infrakit, and new or recent for Bucket4j. The third contender,
 * {@code infrakit-pg}, is Infrakit's {@link PostgresRateLimitStore} on an ephemeral PostgreSQL
 * with {@code pg_stat_statements}, through the same kind of relay, in the same table so the two
 * shared stores can be compared; its rows give statements and transactions per decision instead
 * of Redis commands. Before the table, the median {@code PING} time on one connection shows the
 * round trip every row pays (the relay's threads add to its nominal delay).
 *
 * <p>What the counts show of Bucket4j's compare-and-swap: a decision on an existing key is a
 * {@code GET} and then an {@code EVAL} of a script that writes the new state only if the key still
 * holds what was read (two round trips, three with a failed swap, and so on); a decision on a new
 * key is {@code GET}, {@code GET}, {@code EVAL} (three round trips: the first attempt, sent
 * without the bucket's configuration, finds no bucket, and the second, carrying it, creates it).
 * Concurrent decisions on one key fail each other's swaps and retry. A key that expires between
 * the {@code GET} and the {@code EVAL} fails the swap too (hence the 10 s keep time above).
 * Infrakit decides in one {@code EVALSHA} whatever the key's state.
 *
 * <p>Prints decisions per second and the client commands per decision, split into scripts
 * ({@code EVALSHA} and {@code EVAL}) and every other command; then, per row, the server's
 * {@code INFO commandstats} per decision (reset by {@code CONFIG RESETSTAT} before measuring).
 * The server counts commands a Lua script runs ({@code redis.call}) under their own names, the
 * same as those a client sends — Infrakit's script runs {@code TIME}, {@code GET} and {@code SET},
 * Bucket4j's compare-and-swap script {@code GET} and {@code PSETEX} (or {@code SET NX PX} for a
 * new key) — so the client-issued commands are counted on the client instead, by a Lettuce
 * {@link CommandListener} that sees each command the connections send; the server's count minus
 * the client's, name by name, is what ran inside scripts. The harness's own {@code INFO} and
 * {@code CONFIG RESETSTAT} go over a separate socket and are left out. With an RTT, the Lettuce
 * connections go through a {@link TcpRelay} (infra-testkit) that adds that round-trip time, as a
 * network between service and Redis does; without, over bare loopback, where client and server
 * share the machine's cores.
 */
public final class RedisRateLimitBenchmark {
    private static final int KEYS = 100_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Commands this harness sends to the server itself, outside the measured connections. */
    private static final Set<String> HARNESS_COMMANDS = Set.of("info", "config|resetstat");

    private RedisRateLimitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        long rttMicros = args.length > 1 ? Long.parseLong(args[1]) : 0;
        // Logback (on the class path for AuditSinkBenchmark) logs at DEBUG when unconfigured, and
        // Lettuce and Netty log each command at DEBUG: that would be measured, and flood the table.
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        Duration rtt = Duration.ofNanos(rttMicros * 1000);
        try (EphemeralRedis server = EphemeralRedis.start();
                TcpRelay relay = rttMicros > 0 ? TcpRelay.start(server.port(), rtt) : null;
                EphemeralPostgres postgres = EphemeralPostgres.builder()
                        .setting("shared_preload_libraries", "pg_stat_statements").setting("max_connections", "100").start()) {
            TestDatabase db = postgres.createDatabase("bench");
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE EXTENSION pg_stat_statements");
            }
            try (TcpRelay pgRelay = rttMicros > 0 ? TcpRelay.start(postgres.port(), rtt) : null) {
                String jdbcUrl = pgRelay == null ? db.jdbcUrl()
                        : "jdbc:postgresql://127.0.0.1:" + pgRelay.port() + "/" + db.name();
                RedisURI uri = RedisURI.create(server.host(), relay == null ? server.port() : relay.port());
                System.out.println(relay == null ? "bare loopback" : "through relays adding " + rttMicros
                        + " µs round-trip time (nominal)");
                System.out.printf("measured round trip, 2,000 PINGs on one connection: median %.0f µs%n",
                        medianPingMicros(uri));
                System.out.printf("%-11s %-7s %-11s %14s %18s %22s%n", "contender", "conns", "keys", "decisions/s",
                        "evalsha+eval/dec", "other client cmds/dec");
                for (int conns : new int[] {1, 8}) {
                    for (boolean hot : new boolean[] {true, false}) {
                        for (String contender : new String[] {"infrakit", "bucket4j"}) {
                            run(server, uri, contender, conns, hot, seconds);
                        }
                        runPostgres(db, jdbcUrl, conns, hot, seconds);
                    }
                }
            }
        }
    }

    /** The median time of a PING on one connection of {@code uri}: the round trip the table's rows pay. */
    private static double medianPingMicros(RedisURI uri) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            long[] nanos = new long[2_000];
            for (int i = 0; i < 500; i++) {
                connection.sync().ping();
            }
            for (int i = 0; i < nanos.length; i++) {
                long start = System.nanoTime();
                connection.sync().ping();
                nanos[i] = System.nanoTime() - start;
            }
            java.util.Arrays.sort(nanos);
            return nanos[nanos.length / 2] / 1000.0;
        } finally {
            client.shutdown();
        }
    }

    /**
     * Infrakit on PostgreSQL in the same table: one {@link PostgresRateLimitStore} over a pool of
     * {@code conns} connections (through the same kind of relay), the threads sharing it as a
     * service's do; statements and transactions per decision from {@code pg_stat_statements}.
     * Keys are not created before measuring, as for Redis.
     */
    private static void runPostgres(TestDatabase db, String url, int conns, boolean hot, int seconds) throws Exception {
        try (HikariDataSource pool = DataSources.create(Config.of(Map.of("url", url, "username", db.username(),
                "password", db.password(), "pool-size", Integer.toString(conns))))) {
            PostgresRateLimitStore.createSchema(pool);
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("TRUNCATE infrakit_rate_limit");
            }
            try (PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                    .statementTimeout(TIMEOUT).build()) {
                RateLimitPolicy policy = hot ? RateLimitPolicy.parse("hot", "1000000/1s") : RateLimitPolicy.parse("user", "1000/1s");
                LongPredicate[] decide = new LongPredicate[conns];
                java.util.Arrays.fill(decide, (LongPredicate) key -> store.tryAcquire(policy, Long.toString(key), 1));
                LongAdder refused = new LongAdder();
                DecisionLoop.timed(decide, hot, KEYS, refused, Math.max(2, seconds / 3));
                refused.reset();
                long[] before = PostgresRateLimitBenchmark.counters(db);
                long start = System.nanoTime();
                long decisions = DecisionLoop.timed(decide, hot, KEYS, refused, seconds);
                double elapsed = (System.nanoTime() - start) / 1e9;
                long[] after = PostgresRateLimitBenchmark.counters(db);
                System.out.printf("%-11s %-7d %-11s %14.0f %18s %22s%n", "infrakit-pg", conns, hot ? "1 hot" : "100k random",
                        decisions / elapsed, "-", "-");
                System.out.printf(Locale.ROOT, "            PostgreSQL: %.2f statements and %.2f transactions per decision%s%n",
                        (after[0] - before[0] - 1) / (double) decisions, (after[1] - before[1]) / (double) decisions,
                        refused.sum() == 0 ? "" : "; REFUSED " + refused.sum() + " of " + decisions);
            }
        }
    }

    private static void run(EphemeralRedis server, RedisURI uri, String contender, int conns, boolean hot, int seconds)
            throws Exception {
        server.command("FLUSHALL");
        RedisClient client = RedisClient.create(uri);
        // As RedisRateLimitStore asks: no commands queued while disconnected. The same for both.
        client.setOptions(ClientOptions.builder().disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        ClientCommands sent = new ClientCommands();
        client.addListener(sent);
        List<AutoCloseable> cleanup = new ArrayList<>();
        try {
            // One decision function per thread, each on its own connection.
            LongPredicate[] decide = new LongPredicate[conns];
            for (int t = 0; t < conns; t++) {
                if (contender.equals("infrakit")) {
                    StatefulRedisConnection<String, String> connection = client.connect();
                    RedisRateLimitStore store = RedisRateLimitStore.builder(connection)
                            .failurePolicy(FailurePolicy.FAIL_CLOSED).keyPrefix("bench:").commandTimeout(TIMEOUT)
                            .closeOnClose(connection).build();
                    cleanup.add(store);
                    RateLimitPolicy policy = hot ? RateLimitPolicy.parse("hot", "1000000/1s")
                            : RateLimitPolicy.parse("user", "1000/1s");
                    decide[t] = key -> store.tryAcquire(policy, Long.toString(key), 1);
                } else {
                    StatefulRedisConnection<String, byte[]> connection =
                            client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                    cleanup.add(connection);
                    // A key expires 10 s after its bucket is full again: Bucket4j's usual setting, which
                    // keeps a key alive between its GET and its EVAL (Duration.ZERO, Infrakit's
                    // behaviour, fails those swaps at this limit: see the class comment).
                    ExpirationAfterWriteStrategy expiry = ExpirationAfterWriteStrategy
                            .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10));
                    ProxyManager<String> proxy = Bucket4jLettuce.casBasedBuilder(connection).expirationAfterWrite(expiry)
                            .requestTimeout(TIMEOUT).build();
                    BucketConfiguration config = BucketConfiguration.builder().addLimit(hot
                            ? l -> l.capacity(1_000_000).refillGreedy(1_000_000, Duration.ofSeconds(1))
                            : l -> l.capacity(1000).refillGreedy(1000, Duration.ofSeconds(1))).build();
                    String prefix = hot ? "bench4j:hot:" : "bench4j:user:";
                    decide[t] = key -> proxy.builder().build(prefix + key, () -> config).tryConsume(1);
                }
            }
            LongAdder refused = new LongAdder();
            DecisionLoop.timed(decide, hot, KEYS, refused, Math.max(2, seconds / 3));
            refused.reset();
            server.command("CONFIG", "RESETSTAT");
            Map<String, Long> clientBefore = sent.snapshot();
            long start = System.nanoTime();
            long decisions = DecisionLoop.timed(decide, hot, KEYS, refused, seconds);
            double elapsed = (System.nanoTime() - start) / 1e9;
            Map<String, Long> serverCalls = serverCalls(server);
            Map<String, Long> clientCalls = minus(sent.snapshot(), clientBefore);
            long scripts = clientCalls.getOrDefault("evalsha", 0L) + clientCalls.getOrDefault("eval", 0L);
            long other = clientCalls.values().stream().mapToLong(Long::longValue).sum() - scripts;
            System.out.printf("%-11s %-7d %-11s %14.0f %18.2f %22.2f%n", contender, conns, hot ? "1 hot" : "100k random",
                    decisions / elapsed, scripts / (double) decisions, other / (double) decisions);
            System.out.printf("            commandstats/dec: %s; of which client-issued: %s%s%n",
                    perDecision(serverCalls, decisions), perDecision(clientCalls, decisions),
                    refused.sum() == 0 ? "" : "; REFUSED " + refused.sum() + " of " + decisions);
        } finally {
            for (AutoCloseable c : cleanup) {
                c.close();
            }
            client.shutdown();
        }
    }

    /** Counts, by lower-case name, the commands a Lettuce client's connections send. */
    private static final class ClientCommands implements CommandListener {
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        @Override
        public void commandStarted(CommandStartedEvent event) {
            String name = event.getCommand().getType().toString().toLowerCase(Locale.ROOT);
            counts.computeIfAbsent(name, n -> new LongAdder()).increment();
        }

        Map<String, Long> snapshot() {
            Map<String, Long> copy = new TreeMap<>();
            counts.forEach((name, count) -> copy.put(name, count.sum()));
            return copy;
        }
    }

    /** Calls per command from {@code INFO commandstats}, without the harness's own. */
    private static Map<String, Long> serverCalls(EphemeralRedis server) {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : server.command("INFO", "commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
                if (field.startsWith("calls=") && !HARNESS_COMMANDS.contains(name)) {
                    calls.put(name, Long.parseLong(field.substring("calls=".length())));
                }
            }
        }
        return calls;
    }

    private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> difference = new TreeMap<>();
        after.forEach((name, count) -> {
            long sent = count - before.getOrDefault(name, 0L);
            if (sent != 0) {
                difference.put(name, sent);
            }
        });
        return difference;
    }

    private static String perDecision(Map<String, Long> calls, long decisions) {
        StringJoiner text = new StringJoiner(", ");
        calls.forEach((name, count) -> text.add(String.format(Locale.ROOT, "%s %.2f", name, count / (double) decisions)));
        return text.toString();
    }
}
