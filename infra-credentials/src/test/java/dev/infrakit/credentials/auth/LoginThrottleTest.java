package dev.infrakit.credentials.auth;

import dev.infrakit.credentials.RecordingAuditSink;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
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
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoginThrottleTest {
    private static final String PASSWORD = "hunter2-Pa55word";

        private final ManualClock time = ManualClock.create();
    private final RecordingAuditSink sink = new RecordingAuditSink();
    private final LoginThrottle throttle = LoginThrottle.builder().maxFailures(3).window(Duration.ofMinutes(10))
            .lockout(Duration.ofMinutes(15)).ticker(time).clock(time).auditSink(sink).build();
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
        return throttle.attempt(username, "203.0.113.7", login(username, password));
    }

    @Test
    void fewerFailuresThanTheLimitDoNotLock() {
        attempt("alice", "guess1");
        attempt("alice", "guess2");
        assertFalse(throttle.isLocked("alice"));
        assertEquals(Duration.ZERO, throttle.lockedFor("alice"));
        assertTrue(attempt("alice", PASSWORD).ok());
    }

    @Test
    void theLimitingFailureLocksForTheLockout() {
        for (int i = 0; i < 3; i++) {
            assertEquals(AuthResult.Failure.BAD_CREDENTIALS, attempt("alice", "guess" + i).failure().orElseThrow());
        }
        assertTrue(throttle.isLocked("alice"));
        assertEquals(Duration.ofMinutes(15), throttle.lockedFor("alice"));

        time.advance(Duration.ofMinutes(14).plusSeconds(59));
        assertTrue(throttle.isLocked("alice"));
        time.advance(Duration.ofSeconds(1));
        assertFalse(throttle.isLocked("alice"));
        assertTrue(attempt("alice", PASSWORD).ok());
    }

    @Test
    void attemptsWhileLockedAreRefusedWithoutCallingTheAuthenticator() {
        for (int i = 0; i < 3; i++) {
            attempt("alice", "guess" + i);
        }
        assertEquals(3, calls.get());
        time.advance(Duration.ofMinutes(2).plusSeconds(30));

        AuthResult refused = attempt("alice", PASSWORD);
        assertEquals(3, calls.get(), "the authenticator must not be called while locked");
        assertFalse(refused.ok());
        assertEquals(AuthResult.Failure.LOCKED, refused.failure().orElseThrow());
        assertEquals("too many failed logins for this user; try again in 12m30s", refused.detail());

        time.advance(Duration.ofMillis(400));
        assertEquals("too many failed logins for this user; try again in 12m30s", attempt("alice", "x").detail(),
                "rounded up to the second");
        assertEquals(Duration.ofMinutes(15), Duration.ofMinutes(2).plusSeconds(30).plusMillis(400)
                .plus(throttle.lockedFor("alice")), "refusals do not extend the lock");
    }

    @Test
    void failuresOlderThanTheWindowDoNotCount() {
        attempt("alice", "guess1");
        time.advance(Duration.ofMinutes(6));
        attempt("alice", "guess2");
        time.advance(Duration.ofMinutes(4));
        // the first failure is now 10 minutes old: out of the window
        attempt("alice", "guess3");
        assertFalse(throttle.isLocked("alice"));
        attempt("alice", "guess4");
        assertTrue(throttle.isLocked("alice"), "guess2, guess3 and guess4 are within 10 minutes");
    }

    @Test
    void successClearsTheFailures() {
        attempt("alice", "guess1");
        attempt("alice", "guess2");
        assertTrue(attempt("alice", PASSWORD).ok());
        attempt("alice", "guess3");
        attempt("alice", "guess4");
        assertFalse(throttle.isLocked("alice"));
        assertEquals(1, throttle.trackedUsers(), "only alice, with two failures");
        throttle.recordSuccess("alice");
        assertEquals(0, throttle.trackedUsers());
    }

    @Test
    void differentClientAddressesShareTheUsersCount() {
        throttle.attempt("alice", "198.51.100.1", login("alice", "a"));
        throttle.attempt("alice", "198.51.100.2", login("alice", "b"));
        throttle.attempt("alice", "2001:db8::3", login("alice", "c"));
        assertTrue(throttle.isLocked("alice"));
        assertEquals(AuthResult.Failure.LOCKED,
                throttle.attempt("alice", "192.0.2.99", login("alice", PASSWORD)).failure().orElseThrow());
        assertFalse(throttle.isLocked("bob"), "other users are not affected");
    }

    @Test
    void caseAndWhitespaceVariantsShareTheCount() {
        attempt("Alice", "a");
        attempt(" alice ", "b");
        attempt("ALICE\t", "c");
        assertTrue(throttle.isLocked("alice"));
        assertTrue(throttle.isLocked("  aLiCe"));
    }

    @Test
    void recordFailureAndRecordSuccessWorkWithoutAttempt() {
        throttle.recordFailure("carol", null);
        throttle.recordFailure("carol", "192.0.2.1");
        throttle.recordSuccess("carol");
        throttle.recordFailure("carol", null);
        throttle.recordFailure("carol", null);
        assertFalse(throttle.isLocked("carol"));
        throttle.recordFailure("carol", null);
        assertTrue(throttle.isLocked("carol"));
        throttle.recordSuccess("carol");
        assertTrue(throttle.isLocked("carol"), "a success does not lift a lock");
        throttle.recordFailure("carol", null);
        assertEquals(Duration.ofMinutes(15), throttle.lockedFor("carol"), "failures while locked do not extend it");
        assertTrue(throttle.unlock("carol"));
        assertFalse(throttle.isLocked("carol"));
        assertFalse(throttle.unlock("carol"));
    }

    @Test
    void failedLoginsCountAndLockEvenWhenTheAuditSinkRefusesTheirEvents() {
        sink.refuse = true;
        for (int i = 0; i < 3; i++) {
            String guess = "guess" + i;
            assertThrows(dev.infrakit.audit.AuditException.class, () -> attempt("alice", guess),
                    "a refusal whose event is refused is still no success");
        }
        assertEquals(3, calls.get());
        assertTrue(throttle.isLocked("alice"), "the failures counted although none was audited");
        assertThrows(dev.infrakit.audit.AuditException.class, () -> attempt("alice", PASSWORD));
        assertEquals(3, calls.get(), "still locked: the authenticator is not asked");
        sink.refuse = false;
        AuthResult locked = attempt("alice", PASSWORD);
        assertEquals(AuthResult.Failure.LOCKED, locked.failure().orElseThrow());
        assertEquals(List.of("login.refused-locked"), sink.types(), "recorded again once the sink is back");
    }

    @Test
    void aSuccessfulLoginThatCannotBeAuditedIsRefusedAndClearsNothing() {
        attempt("alice", "guess1");
        attempt("alice", "guess2");
        sink.refuse = true;
        assertThrows(dev.infrakit.audit.AuditException.class, () -> attempt("alice", PASSWORD),
                "a valid login is refused rather than accepted unaudited");
        assertThrows(dev.infrakit.audit.AuditException.class, () -> throttle.recordSuccess("alice", "192.0.2.1"));
        sink.refuse = false;
        assertEquals(List.of("login.failed", "login.failed"), sink.types(), "no success in the trail");
        assertEquals(AuthResult.Failure.BAD_CREDENTIALS, attempt("alice", "guess3").failure().orElseThrow());
        assertTrue(throttle.isLocked("alice"), "the unaudited successes did not clear the two failures");
    }

    @Test
    void aRefusedSuccessReleasesItsReservation() {
        sink.refuse = true;
        for (int i = 0; i < 5; i++) {
            assertThrows(dev.infrakit.audit.AuditException.class, () -> attempt("alice", PASSWORD));
        }
        sink.refuse = false;
        assertEquals(0, throttle.trackedUsers(), "nothing left in flight");
        assertTrue(attempt("alice", PASSWORD).ok());
    }

    @Test
    void anExceptionFromTheAuthenticatorIsNotAFailure() {
        for (int i = 0; i < 5; i++) {
            assertThrows(IllegalStateException.class, () -> throttle.attempt("alice", null, () -> {
                throw new IllegalStateException("user store down");
            }));
        }
        assertFalse(throttle.isLocked("alice"));
        assertEquals(0, throttle.trackedUsers());
    }

    @Test
    void boundedTableDropsTheLongestIdleUnlockedUserFirst() {
        LoginThrottle small = LoginThrottle.builder().maxFailures(2).maxTrackedUsers(3).ticker(time).build();
        small.recordFailure("locked", null);
        small.recordFailure("locked", null);
        small.recordFailure("old", null);
        time.advance(Duration.ofSeconds(1));
        small.recordFailure("recent", null);
        time.advance(Duration.ofSeconds(1));
        small.recordFailure("old", null);
        // "old" locked now; "recent" is the only unlocked entry
        small.recordFailure("newcomer", null);
        assertEquals(3, small.trackedUsers());
        assertTrue(small.isLocked("locked"), "a locked user is kept while unlocked ones can go");
        assertTrue(small.isLocked("old"));
        small.recordFailure("recent", null);
        assertFalse(small.isLocked("recent"), "its first failure was forgotten when it was dropped");

        // Now every entry but one is locked; fill the table with locks.
        small.recordFailure("recent", null);
        assertTrue(small.isLocked("recent"));
        assertEquals(3, small.trackedUsers());
        small.recordFailure("another", null);
        assertEquals(3, small.trackedUsers(), "the bound holds even when only locks are left to drop");
        assertFalse(small.isLocked("locked"), "the lock ending soonest is dropped");
        assertTrue(small.isLocked("old"));
        assertTrue(small.isLocked("recent"));
    }

    @Test
    void expiredLocksLeaveTheTable() {
        for (int i = 0; i < 3; i++) {
            throttle.recordFailure("user" + i, null);
            throttle.recordFailure("user" + i, null);
            throttle.recordFailure("user" + i, null);
        }
        assertEquals(3, throttle.trackedUsers());
        time.advance(Duration.ofMinutes(15));
        assertEquals(0, throttle.trackedUsers());
    }

    @Test
    void auditsEachStepWithTheRightTypesAndOutcomesAndNoPassword() {
        attempt("Alice", "wrong-guess-1");
        attempt("alice", "wrong-guess-2");
        time.advance(Duration.ofSeconds(30));
        attempt("alice", "wrong-guess-3");
        attempt("alice", PASSWORD);
        time.advance(Duration.ofMinutes(15));
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
        assertEquals(1, e.get(0).details().get("failures"));
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), e.get(0).timestamp());
        assertEquals(3, e.get(2).details().get("failures"));

        AuditEvent locked = e.get(3);
        assertEquals(AuditEvent.Outcome.FAILURE, locked.outcome());
        assertTrue(locked.severity().atLeastWarn());
        assertEquals(3, locked.details().get("failures"));
        assertEquals(900L, locked.details().get("lockout_seconds"));
        assertEquals(Instant.parse("2026-01-01T00:00:30Z"), locked.timestamp());

        AuditEvent refused = e.get(4);
        assertEquals(AuditEvent.Outcome.DENIED, refused.outcome());
        assertEquals(AuditEvent.Severity.WARN, refused.severity());
        assertEquals(900L, refused.details().get("remaining_seconds"));

        AuditEvent succeeded = e.get(5);
        assertEquals(AuditEvent.Outcome.SUCCESS, succeeded.outcome());
        assertEquals(AuditEvent.Severity.INFO, succeeded.severity());
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
                results.add(pool.submit(() -> throttle.attempt("alice", "192.0.2.1", slowWrong)));
            }
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            // Three attempts hold the three remaining failures; the other 13 are refused at once.
            int refused = 0;
            for (Future<AuthResult> f : results) {
                if (f.isDone()) {
                    assertEquals(AuthResult.Failure.LOCKED, f.get().failure().orElseThrow());
                    refused++;
                }
            }
            release.countDown();
            for (Future<AuthResult> f : results) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertEquals(3, calls.get(), "only maxFailures attempts reach the authenticator");
            assertTrue(refused <= threads - 3);
            assertTrue(throttle.isLocked("alice"));
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void manyThreadsKeepTheTableConsistent() throws Exception {
        LoginThrottle shared = LoginThrottle.builder().maxFailures(1000).maxTrackedUsers(50).ticker(time).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        String user = "u" + ((i * 7 + id) % 200);
                        if (i % 5 == 0) {
                            shared.recordSuccess(user);
                        } else {
                            shared.attempt(user, null, () -> AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "no"));
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(shared.trackedUsers() <= 50);
        } finally {
            pool.shutdownNow();
        }
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
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder().window(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder().lockout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> LoginThrottle.builder().maxTrackedUsers(0));
        assertEquals("username must not be blank",
                assertThrows(IllegalArgumentException.class, () -> throttle.isLocked("  ")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> throttle.recordFailure("x".repeat(257), null));
        assertThrows(NullPointerException.class, () -> throttle.recordFailure(null, null));
    }

    @Test
    void aLongClientAddressIsTruncatedForTheAudit() {
        throttle.recordFailure("alice", "a".repeat(500));
        assertEquals(64, sink.events.get(0).actor().ip().length());
    }

    @Test
    void aFailingAuthenticatorResultIsReturnedAsIs() {
        AuthResult revoked = AuthResult.failure(AuthResult.Failure.REVOKED, "account disabled");
        assertSame(revoked, throttle.attempt("alice", null, () -> revoked));
    }
}
