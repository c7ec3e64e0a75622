package dev.infrakit.auth;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three budgets on the in-memory store, time driven by a {@link ManualClock}. */
class LoginThrottleTest {
    private static final String PASSWORD = "hunter2-Pa55word";
    private static final ClientAddress HOME = ClientAddress.parse("198.51.100.9");
    private static final ClientAddress ATTACKER = ClientAddress.parse("203.0.113.7");

    private final ManualClock time = ManualClock.create();
    private final RecordingAuditSink sink = new RecordingAuditSink();
    private final List<Duration> delays = new CopyOnWriteArrayList<>();
    private final LoginThrottle throttle = LoginThrottle.builder().maxFailures(3).lockout(Duration.ofMinutes(15))
            .ticker(time).clock(time).auditSink(sink).sleeper(delays::add).build();
    private final AtomicInteger calls = new AtomicInteger();

    /** An authenticator that checks {@link #PASSWORD} and counts its calls. */
    private Supplier<AuthResult> login(String username, String password) {
        return () -> {
            calls.incrementAndGet();
            return PASSWORD.equals(password)
                    ? AuthResult.success(new Principal(username, Set.of(), Principal.Method.PASSWORD, null, null, Map.of()))
                    : AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong user name or password");
        };
    }

    private AuthResult attempt(String username, String password) {
        return throttle.attempt(username, ATTACKER, login(username, password));
    }

    @Test
    void failuresFromOneNetworkLockThatNetworkWithRetryAfterButNotTheRealUser() {
        for (int i = 0; i < 3; i++) {
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, attempt("admin", "guess" + i).failure().orElseThrow());
        }
        AuthResult locked = attempt("admin", PASSWORD);
        assertEquals(AuthResult.Failure.LOCKED, locked.failure().orElseThrow());
        assertEquals(Duration.ofMinutes(15), locked.retryAfter().orElseThrow());
        assertEquals("too many failed logins for this user from this network; try again in 15m0s", locked.detail());
        assertEquals(3, calls.get(), "a locked attempt never reaches the authenticator");
        assertTrue(throttle.attempt("admin", HOME, login("admin", PASSWORD)).ok(),
                "the real user, from another network, is not locked out");
    }

    @Test
    void addressesOfOneIpv6Slash64ShareOneLock() {
        for (int i = 1; i <= 3; i++) {
            throttle.attempt("alice", ClientAddress.parse("2001:db8:7:7::" + i), login("alice", "guess"));
        }
        assertEquals(AuthResult.Failure.LOCKED, throttle.attempt("alice", ClientAddress.parse("2001:db8:7:7:ffff::1"),
                login("alice", PASSWORD)).failure().orElseThrow(), "a fresh address of the same /64");
        assertTrue(throttle.attempt("alice", ClientAddress.parse("2001:db8:7:8::1"), login("alice", PASSWORD)).ok());
    }

    @Test
    void oneFailureIsForgivenPerLockout() {
        for (int i = 0; i < 3; i++) {
            attempt("alice", "guess" + i);
        }
        time.advance(Duration.ofMinutes(15).minusSeconds(1));
        assertEquals(AuthResult.Failure.LOCKED, attempt("alice", PASSWORD).failure().orElseThrow());
        time.advance(Duration.ofSeconds(1));
        assertEquals(AuthResult.Failure.BAD_CREDENTIALS, attempt("alice", "guess4").failure().orElseThrow());
        AuthResult again = attempt("alice", PASSWORD);
        assertEquals(AuthResult.Failure.LOCKED, again.failure().orElseThrow(), "one attempt per lockout after a lock");
        time.advance(Duration.ofMinutes(15));
        assertTrue(attempt("alice", PASSWORD).ok());
    }

    @Test
    void aSuccessResetsTheUsersCounters() {
        attempt("alice", "guess1");
        attempt("alice", "guess2");
        assertTrue(attempt("alice", PASSWORD).ok());
        attempt("alice", "guess3");
        attempt("alice", "guess4");
        assertTrue(attempt("alice", PASSWORD).ok(), "the two failures before the success no longer count");
    }

    @Test
    void pastItsBudgetAUserIsDelayedMoreAndMoreFromEveryNetworkButNeverLocked() {
        LoginThrottle perUser = LoginThrottle.builder().perUser(3, Duration.ofHours(1))
                .delay(Duration.ofSeconds(1), Duration.ofSeconds(3)).ticker(time).sleeper(delays::add).build();
        List<Duration> seen = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            // A new network every time: the lockout never binds; only the user's budget does.
            AuthResult r = perUser.attempt("admin", ClientAddress.parse("192.0.2." + i), login("admin", "guess" + i));
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, r.failure().orElseThrow(), "attempt " + i);
            seen.add(delays.isEmpty() ? Duration.ZERO : delays.remove(0));
        }
        assertEquals(List.of(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3)), seen);
        assertTrue(perUser.attempt("admin", HOME, login("admin", PASSWORD)).ok(), "delayed, not locked out");
        assertEquals(List.of(Duration.ofSeconds(3)), delays);
        delays.clear();
        assertFalse(perUser.attempt("admin", HOME, login("admin", "typo")).ok());
        assertTrue(delays.isEmpty(), "the success reset the user's budget");
    }

    /** Delayed logins hold threads: a bounded number of them, then Retry-After instead (never a lock). */
    @Test
    void atMostMaxWaitingThreadsWaitOutDelaysAtOnce() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger sleeping = new java.util.concurrent.atomic.AtomicInteger();
        LoginThrottle bounded = LoginThrottle.builder().perUser(1, Duration.ofHours(1))
                .delay(Duration.ofSeconds(1), Duration.ofSeconds(3)).maxWaiting(2).ticker(time).sleeper(d -> {
                    sleeping.incrementAndGet();
                    release.await();
                }).build();
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            for (String user : List.of("alice", "bob")) {
                assertFalse(bounded.attempt(user, ClientAddress.parse("192.0.2.1"), login(user, "guess")).ok());
            }
            List<java.util.concurrent.Future<AuthResult>> held = new ArrayList<>();
            for (String user : List.of("alice", "bob")) {
                held.add(threads.submit(() -> bounded.attempt(user, ClientAddress.parse("192.0.2.2"), login(user, "guess"))));
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (sleeping.get() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(2, sleeping.get(), "two attempts wait out their delays");
            // On its own thread: were it held too, the test fails on the timeout instead of hanging.
            AuthResult third = threads.submit(() -> bounded.attempt("alice", ClientAddress.parse("192.0.2.3"),
                    login("alice", PASSWORD))).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(AuthResult.Failure.THROTTLED, third.failure().orElseThrow(), "no third thread is held");
            assertTrue(third.retryAfter().orElseThrow().compareTo(Duration.ZERO) > 0);
            release.countDown();
            for (java.util.concurrent.Future<AuthResult> f : held) {
                assertEquals(AuthResult.Failure.BAD_CREDENTIALS, f.get(10, java.util.concurrent.TimeUnit.SECONDS)
                        .failure().orElseThrow());
            }
            assertEquals(2, sleeping.get());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aNetworkPastItsBudgetIsRefusedWithRetryAfterForEveryUser() {
        LoginThrottle perNetwork = LoginThrottle.builder().perNetwork(3, Duration.ofMinutes(15)).ticker(time)
                .auditSink(sink).build();
        for (String user : List.of("alice", "bob", "carol")) {
            assertFalse(perNetwork.attempt(user, ATTACKER, login(user, "guess")).ok());
        }
        AuthResult throttled = perNetwork.attempt("dave", ATTACKER, login("dave", PASSWORD));
        assertEquals(AuthResult.Failure.THROTTLED, throttled.failure().orElseThrow());
        assertEquals(Duration.ofMinutes(5), throttled.retryAfter().orElseThrow(), "one attempt back every 5 minutes");
        assertEquals(3, calls.get());
        assertTrue(perNetwork.attempt("dave", HOME, login("dave", PASSWORD)).ok(), "other networks are not affected");
        assertEquals("login.throttled", sink.types().get(3));
    }

    @Test
    void unlockLiftsTheLockOfOneNetwork() {
        for (int i = 0; i < 3; i++) {
            attempt("alice", "guess" + i);
        }
        throttle.unlock(" Alice ", ATTACKER);
        assertTrue(attempt("alice", PASSWORD).ok());
        assertThrows(NullPointerException.class, () -> throttle.unlock("alice", null));
    }

    @Test
    void caseAndWhitespaceVariantsShareTheCount() {
        attempt("Alice", "guess1");
        attempt(" alice", "guess2");
        attempt("ALICE ", "guess3");
        assertEquals(AuthResult.Failure.LOCKED, attempt("alice", PASSWORD).failure().orElseThrow());
    }

    @Test
    void failedLoginsCountAndLockEvenWhenTheAuditSinkRefusesTheirEvents() {
        sink.refuse = true;
        for (int i = 0; i < 3; i++) {
            String guess = "guess" + i;
            assertThrows(AuditException.class, () -> attempt("alice", guess),
                    "a refusal whose event is refused is still no success");
        }
        assertEquals(3, calls.get());
        assertThrows(AuditException.class, () -> attempt("alice", PASSWORD));
        assertEquals(3, calls.get(), "locked: the authenticator is not asked");
        sink.refuse = false;
        assertEquals(AuthResult.Failure.LOCKED, attempt("alice", PASSWORD).failure().orElseThrow());
        assertEquals(List.of("login.refused-locked"), sink.types(), "recorded again once the sink is back");
    }

    @Test
    void aSuccessfulLoginThatCannotBeAuditedIsRefusedAndResetsNothing() {
        attempt("alice", "guess1");
        sink.refuse = true;
        assertThrows(AuditException.class, () -> attempt("alice", PASSWORD),
                "a valid login is refused rather than accepted unaudited");
        sink.refuse = false;
        assertEquals(List.of("login.failed"), sink.types(), "no success in the trail");
        assertEquals(AuthResult.Failure.BAD_CREDENTIALS, attempt("alice", "guess2").failure().orElseThrow());
        assertEquals(AuthResult.Failure.LOCKED, attempt("alice", PASSWORD).failure().orElseThrow(),
                "the failures and the unaudited attempt all count: nothing was reset");
    }

    @Test
    void auditsEachStepWithTheRightTypesAndOutcomesAndNoPassword() {
        attempt("Alice", "wrong-guess-1");
        attempt("alice", "wrong-guess-2");
        time.advance(Duration.ofSeconds(30));
        attempt("alice", "wrong-guess-3");
        attempt("alice", PASSWORD);
        throttle.unlock("alice", ATTACKER);
        attempt("alice", PASSWORD);

        assertEquals(List.of("login.failed", "login.failed", "login.failed", "login.locked", "login.refused-locked",
                "login.succeeded"), sink.types());
        List<AuditEvent> e = sink.events;
        for (AuditEvent event : e) {
            assertEquals(AuditEvent.Category.SECURITY, event.category());
            assertEquals("alice", event.actor().id());
            assertEquals("203.0.113.7", event.actor().ip());
            assertEquals("login", event.action());
            String json = AuditJson.defaults().toJson(event);
            assertFalse(json.contains(PASSWORD) || json.contains("wrong-guess"), json);
        }
        assertEquals(AuditEvent.Outcome.FAILURE, e.get(0).outcome());
        assertEquals(AuditEvent.Severity.WARN, e.get(0).severity());
        assertEquals(1L, ((Number) e.get(0).details().get("failures")).longValue());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), e.get(0).timestamp());
        assertEquals(3L, ((Number) e.get(2).details().get("failures")).longValue());
        AuditEvent locked = e.get(3);
        assertEquals(AuditEvent.Outcome.FAILURE, locked.outcome());
        assertEquals(900L, locked.details().get("lockout_seconds"));
        assertEquals(Instant.parse("2026-01-01T00:00:30Z"), locked.timestamp());
        AuditEvent refused = e.get(4);
        assertEquals(AuditEvent.Outcome.DENIED, refused.outcome());
        assertEquals(870L, refused.details().get("remaining_seconds"),
                "the first failure is forgiven 15 minutes after it, 30 s before the third's");
        assertEquals(AuditEvent.Outcome.SUCCESS, e.get(5).outcome());
        assertEquals(AuditEvent.Severity.INFO, e.get(5).severity());
    }

    @Test
    void concurrentAttemptsCannotExceedTheLimitBeforeTheLock() throws Exception {
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch inside = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        try {
            Supplier<AuthResult> slowWrong = () -> {
                calls.incrementAndGet();
                inside.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong");
            };
            List<Future<AuthResult>> results = new CopyOnWriteArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> throttle.attempt("alice", ATTACKER, slowWrong)));
            }
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            release.countDown();
            int lockedCount = 0;
            for (Future<AuthResult> f : results) {
                if (f.get(10, TimeUnit.SECONDS).failure().orElseThrow() == AuthResult.Failure.LOCKED) {
                    lockedCount++;
                }
            }
            assertEquals(3, calls.get(), "only maxFailures attempts reach the authenticator");
            assertEquals(threads - 3, lockedCount);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void anExceptionFromTheAuthenticatorPropagatesAndTheAttemptCounts() {
        for (int i = 0; i < 3; i++) {
            assertThrows(IllegalStateException.class, () -> throttle.attempt("alice", ATTACKER, () -> {
                throw new IllegalStateException("user store down");
            }));
        }
        assertEquals(AuthResult.Failure.LOCKED, attempt("alice", PASSWORD).failure().orElseThrow());
    }

    @Test
    void formatsRemainingTime() {
        assertEquals("1s", LoginThrottle.format(1));
        assertEquals("45s", LoginThrottle.format(Duration.ofSeconds(45).toNanos()));
        assertEquals("12m30s", LoginThrottle.format(Duration.ofSeconds(750).toNanos()));
        assertEquals("1h0m5s", LoginThrottle.format(Duration.ofSeconds(3605).toNanos()));
    }

    @Test
    void validatesSettingsAndUserNames() {
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder().maxFailures(0));
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder().lockout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder().perUser(0, Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder().perNetwork(5, Duration.ofDays(2)));
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder()
                .delay(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder().policyPrefix("bad name"));
        assertEquals("maxFailures was already set", assertThrows(IllegalStateException.class,
                () -> LoginThrottle.builder().maxFailures(3).maxFailures(4)).getMessage());
        assertThrows(IllegalStateException.class, () -> LoginThrottle.builder().ticker(time)
                .store(dev.infrakit.ratelimit.LocalRateLimitStore.create()));
        assertEquals("username must not be blank", assertThrows(IllegalArgumentException.class,
                () -> throttle.attempt("  ", ATTACKER, login("x", PASSWORD))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> throttle.attempt("x".repeat(257), ATTACKER, login("x", "")));
        assertThrows(NullPointerException.class, () -> throttle.attempt(null, ATTACKER, login("x", "")));
    }

    @Test
    void anUnknownClientIsOneNetwork() {
        for (int i = 0; i < 3; i++) {
            throttle.attempt("alice", null, login("alice", "guess"));
        }
        assertEquals("unknown", sink.events.get(0).actor().ip());
        assertEquals(AuthResult.Failure.LOCKED, throttle.attempt("alice", null, login("alice", PASSWORD))
                .failure().orElseThrow());
    }

    @Test
    void aFailingAuthenticatorResultIsReturnedAsIs() {
        AuthResult revoked = AuthResult.failure(AuthResult.Failure.REVOKED, "account disabled");
        assertSame(revoked, throttle.attempt("alice", ATTACKER, () -> revoked));
    }
}
