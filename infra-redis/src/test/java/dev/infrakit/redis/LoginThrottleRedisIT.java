package dev.infrakit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.auth.Principal;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.testkit.EphemeralRedis;
import dev.infrakit.testkit.EphemeralRedisCluster;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The login throttle on Redis: "instances" (throttles, each with its own connection and store) on
 * one server, and on one Redis Cluster, share every budget, so N instances give an attacker no more
 * guesses than one, however many attempts run at once.
 */
class LoginThrottleRedisIT {
    private static final String PASSWORD = "correct-horse-battery";
    private static final ClientAddress ATTACKER = ClientAddress.parse("203.0.113.7");
    private static final ClientAddress OTHER_NETWORK = ClientAddress.parse("198.51.100.9");

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connectionA;
    private static StatefulRedisConnection<String, String> connectionB;
    private static RedisClusterClient clusterClient;
    private static List<StatefulRedisClusterConnection<String, String>> clusterConnections = new ArrayList<>();

    private RedisRateLimitStore storeA;
    private LoginThrottle a;
    private LoginThrottle b;

    @BeforeAll
    static void connect() {
        client = TestRedis.client(EphemeralRedis.shared());
        connectionA = client.connect();
        connectionB = client.connect();
        clusterClient = TestRedis.clusterClient(EphemeralRedisCluster.shared());
    }

    @AfterAll
    static void disconnect() {
        connectionA.close();
        connectionB.close();
        client.shutdown();
        clusterConnections.forEach(StatefulRedisClusterConnection::close);
        clusterClient.shutdown();
    }

    @BeforeEach
    void instances() {
        String prefix = TestRedis.uniquePrefix();
        storeA = store(connectionA, prefix);
        a = LoginThrottle.builder().store(storeA).perNetwork(8, Duration.ofHours(1)).build();
        b = LoginThrottle.builder().store(store(connectionB, prefix)).perNetwork(8, Duration.ofHours(1)).build();
    }

    private static RedisRateLimitStore store(StatefulRedisConnection<String, String> connection, String prefix) {
        return RedisRateLimitStore.builder(connection).keyPrefix(prefix).failurePolicy(FailurePolicy.FAIL_CLOSED)
                .commandTimeout(Duration.ofSeconds(2)).build();
    }

    private static Supplier<AuthResult> check(String user, String password) {
        return () -> PASSWORD.equals(password)
                ? AuthResult.success(new Principal(user, Set.of("user"), Principal.Method.PASSWORD, null, null, Map.of()))
                : AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong user name or password");
    }

    @Test
    void twoInstancesShareTheLockout() {
        for (int i = 0; i < 3; i++) {
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, a.attempt("admin", ATTACKER, check("admin", "a" + i))
                    .failure().orElseThrow());
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, b.attempt("admin", ATTACKER, check("admin", "b" + i))
                    .failure().orElseThrow());
        }
        AuthResult onA = a.attempt("admin", ATTACKER, check("admin", PASSWORD));
        AuthResult onB = b.attempt("admin", ATTACKER, check("admin", PASSWORD));
        assertEquals(AuthResult.Failure.LOCKED, onA.failure().orElseThrow(), "5 guesses in all, not 5 per instance");
        assertEquals(AuthResult.Failure.LOCKED, onB.failure().orElseThrow());
        assertTrue(onA.retryAfter().orElseThrow().compareTo(Duration.ofMinutes(14)) > 0, onA.retryAfter().toString());
        assertTrue(b.attempt("admin", OTHER_NETWORK, check("admin", PASSWORD)).ok(),
                "the real user from another network is not locked out");
    }

    @Test
    void twoInstancesShareTheNetworkBudget() {
        for (int i = 0; i < 8; i++) {
            LoginThrottle instance = i % 2 == 0 ? a : b;
            instance.attempt("user" + i, ATTACKER, check("user" + i, "guess"));
        }
        assertEquals(AuthResult.Failure.THROTTLED, a.attempt("user9", ATTACKER, check("user9", PASSWORD))
                .failure().orElseThrow());
        assertEquals(AuthResult.Failure.THROTTLED, b.attempt("user9", ATTACKER, check("user9", PASSWORD))
                .failure().orElseThrow());
    }

    @Test
    void aSuccessOnOneInstanceResetsTheCountersOfAll() {
        for (int i = 0; i < 3; i++) {
            a.attempt("alice", ATTACKER, check("alice", "guess" + i));
        }
        assertTrue(b.attempt("alice", ATTACKER, check("alice", PASSWORD)).ok());
        for (int i = 0; i < 3; i++) {
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, a.attempt("alice", ATTACKER, check("alice", "again" + i))
                    .failure().orElseThrow(), "the three earlier failures (3 + 3 > 5) were reset by the success on the other instance");
        }
    }

    @Test
    void anUnlockOnOneInstanceLiftsTheLockForAll() {
        for (int i = 0; i < 5; i++) {
            a.attempt("alice", ATTACKER, check("alice", "guess" + i));
        }
        assertEquals(AuthResult.Failure.LOCKED, b.attempt("alice", ATTACKER, check("alice", PASSWORD))
                .failure().orElseThrow());
        b.unlock("alice", ATTACKER);
        assertTrue(a.attempt("alice", ATTACKER, check("alice", PASSWORD)).ok());
    }

    @Test
    void anAttemptCostsThreeRoundTripsOneEvalshaEach() {
        long before = storeA.roundTrips();
        a.attempt("dana", ATTACKER, check("dana", "guess"));
        assertEquals(3, storeA.roundTrips() - before, "network, lockout and user budget: one round trip each");
    }

    @Test
    void sixteenThreadsOnTwoInstancesGetExactlyFiveGuessesOnOneServer() throws Exception {
        String prefix = TestRedis.uniquePrefix();
        assertExactlyFiveGuesses(List.of(throttle(store(connectionA, prefix)), throttle(store(connectionB, prefix))));
    }

    @Test
    void sixteenThreadsOnFourInstancesGetExactlyFiveGuessesOnACluster() throws Exception {
        String prefix = TestRedis.uniquePrefix();
        List<LoginThrottle> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            StatefulRedisClusterConnection<String, String> connection = clusterClient.connect();
            clusterConnections.add(connection);
            instances.add(throttle(RedisRateLimitStore.builder(connection).keyPrefix(prefix)
                    .failurePolicy(FailurePolicy.FAIL_CLOSED).commandTimeout(Duration.ofSeconds(2)).build()));
        }
        assertExactlyFiveGuesses(instances);
    }

    /** A network budget out of the way: only the lockout (5 failures per user and network) decides. */
    private static LoginThrottle throttle(RedisRateLimitStore store) {
        return LoginThrottle.builder().store(store).perNetwork(100_000, Duration.ofHours(1))
                .perUser(100_000, Duration.ofHours(1)).build();
    }

    /** 16 threads spread over {@code instances} guess one user's password 400 times at once. */
    private static void assertExactlyFiveGuesses(List<LoginThrottle> instances) throws Exception {
        int threads = 16;
        int attemptsEach = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Map<AuthResult.Failure, Integer>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                LoginThrottle instance = instances.get(t % instances.size());
                int thread = t;
                results.add(pool.submit(() -> {
                    Map<AuthResult.Failure, Integer> outcomes = new EnumMap<>(AuthResult.Failure.class);
                    start.await();
                    for (int i = 0; i < attemptsEach; i++) {
                        AuthResult result = instance.attempt("admin", ATTACKER, check("admin", "guess-" + thread + "-" + i));
                        outcomes.merge(result.failure().orElseThrow(), 1, Integer::sum);
                    }
                    return outcomes;
                }));
            }
            start.countDown();
            Map<AuthResult.Failure, Integer> total = new EnumMap<>(AuthResult.Failure.class);
            for (Future<Map<AuthResult.Failure, Integer>> f : results) {
                f.get(60, TimeUnit.SECONDS).forEach((k, v) -> total.merge(k, v, Integer::sum));
            }
            assertEquals(5, total.getOrDefault(AuthResult.Failure.BAD_CREDENTIALS, 0),
                    "exactly five guesses reached the password check, across every instance: " + total);
            assertEquals(threads * attemptsEach - 5, total.getOrDefault(AuthResult.Failure.LOCKED, 0), total.toString());
            assertTrue(instances.get(0).attempt("admin", OTHER_NETWORK, check("admin", PASSWORD)).ok(),
                    "the real user from another network still signs in");
        } finally {
            pool.shutdownNow();
        }
    }
}
