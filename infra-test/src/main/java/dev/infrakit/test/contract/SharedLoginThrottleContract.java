package dev.infrakit.test.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.auth.Principal;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.RateLimitStore;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Contract test kit for a {@link RateLimitStore} shared by several instances of a service, as the
 * {@link LoginThrottle}'s store: N instances must give an attacker no more guesses than one. Extend
 * it and return from {@link #instanceStore()} a store for one more "instance" — its own connection
 * or pool — sharing state with every other store it returns during the same test (and with none of
 * an earlier test's: a fresh key prefix or an emptied table per test). The PostgreSQL and Redis
 * stores pass it.
 *
 * <pre>{@code
 * class MyStoreLoginThrottleIT extends SharedLoginThrottleContract {
 *     protected RateLimitStore instanceStore() {
 *         return MyStore.connect(server, prefixOfThisTest);
 *     }
 * }
 * }</pre>
 */
public abstract class SharedLoginThrottleContract {
    private static final String PASSWORD = "correct-horse-battery";
    private static final ClientAddress ATTACKER = ClientAddress.parse("203.0.113.7");
    private static final ClientAddress OTHER_NETWORK = ClientAddress.parse("198.51.100.9");

    private final List<RateLimitStore> opened = new ArrayList<>();

    /** For subclasses. */
    protected SharedLoginThrottleContract() {
    }

    /**
     * A store for one more instance, sharing state with the others this test obtained. Closed by
     * the kit after the test.
     *
     * @throws Exception if it cannot be opened
     */
    protected abstract RateLimitStore instanceStore() throws Exception;

    @AfterEach
    void closeStores() {
        opened.forEach(RateLimitStore::close);
        opened.clear();
    }

    /** A throttle of one more instance; the network budget 8 an hour, else the defaults. */
    private LoginThrottle instance() throws Exception {
        return LoginThrottle.builder().store(open()).perNetwork(8, Duration.ofHours(1)).build();
    }

    private RateLimitStore open() throws Exception {
        RateLimitStore store = instanceStore();
        opened.add(store);
        return store;
    }

    private static Supplier<AuthResult> check(String user, String password) {
        return () -> PASSWORD.equals(password)
                ? AuthResult.success(new Principal(user, Set.of("user"), Principal.Method.PASSWORD, null, null, Map.of()))
                : AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong user name or password");
    }

    @Test
    void twoInstancesShareTheLockout() throws Exception {
        LoginThrottle a = instance();
        LoginThrottle b = instance();
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
    void twoInstancesShareTheNetworkBudget() throws Exception {
        LoginThrottle a = instance();
        LoginThrottle b = instance();
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
    void aSuccessOnOneInstanceResetsTheCountersOfAll() throws Exception {
        LoginThrottle a = instance();
        LoginThrottle b = instance();
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
    void anUnlockOnOneInstanceLiftsTheLockForAll() throws Exception {
        LoginThrottle a = instance();
        LoginThrottle b = instance();
        for (int i = 0; i < 5; i++) {
            a.attempt("alice", ATTACKER, check("alice", "guess" + i));
        }
        assertEquals(AuthResult.Failure.LOCKED, b.attempt("alice", ATTACKER, check("alice", PASSWORD))
                .failure().orElseThrow());
        b.unlock("alice", ATTACKER);
        assertTrue(a.attempt("alice", ATTACKER, check("alice", PASSWORD)).ok());
    }

    /**
     * 16 threads spread over four instances make 400 wrong guesses of one user's password at once:
     * exactly five reach the password check, the rest are refused as locked, and the real user
     * still signs in from another network.
     */
    @Test
    void sixteenThreadsOnFourInstancesGetExactlyFiveGuesses() throws Exception {
        List<LoginThrottle> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // Only the lockout decides: the network and user budgets out of the way.
            instances.add(LoginThrottle.builder().store(open()).perNetwork(100_000, Duration.ofHours(1))
                    .perUser(100_000, Duration.ofHours(1)).build());
        }
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
