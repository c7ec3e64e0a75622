package dev.infrakit.test.readme;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.NotificationException;
import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.RateLimitException;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.test.FakeBackupSource;
import dev.infrakit.test.FixedRateLimitStore;
import dev.infrakit.test.RecordingAuditSink;
import dev.infrakit.test.RecordingNotifier;
import dev.infrakit.test.TestTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.infrakit.test.FixedRateLimitStore.Answer.allow;
import static dev.infrakit.test.FixedRateLimitStore.Answer.deny;
import static dev.infrakit.test.FixedRateLimitStore.Answer.fail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fragments of infra-test's README, each run as written there. */
class TestKitExamplesTest {
    @TempDir
    Path dir;

    private static AuditEvent loginEvent() {
        return AuditEvent.builder(AuditEvent.Category.SECURITY, "login").actor(Actor.user("alice")).action("login")
                .outcome(AuditEvent.Outcome.SUCCESS).build();
    }

    @Test
    void recordingAuditSink() {
        AuditEvent event = loginEvent();
        // README infra-test
        RecordingAuditSink audit = new RecordingAuditSink();
        audit.record(event);                                   // what the code under test does
        assertEquals(List.of("login:SUCCESS"), audit.outcomes()); // type:OUTCOME, PENDING left out
        audit.refuseWhen(e -> e.type().startsWith("payment."));  // or refuseAll(true): a full disk
        // END README
        assertThrows(AuditException.class, () -> audit.record(AuditEvent.builder(AuditEvent.Category.ADMIN,
                "payment.sent").actor(Actor.system()).action("send").outcome(AuditEvent.Outcome.SUCCESS).build()));
        assertEquals(1, audit.refused());
    }

    @Test
    void recordingNotifier() {
        Notification alert = new Notification("health:db", Notification.Severity.CRITICAL, "db is DOWN", "",
                Instant.now(), Map.of());
        // README infra-test
        RecordingNotifier notifier = new RecordingNotifier();
        notifier.send(alert);                                  // what the code under test does
        assertEquals(List.of("db is DOWN"), notifier.titles());
        notifier.failing(true);                                // now send() throws NotificationException
        // END README
        assertThrows(NotificationException.class, () -> notifier.send(alert));
    }

    @Test
    void fixedRateLimitStore() {
        // README infra-test
        FixedRateLimitStore store = FixedRateLimitStore.scripted(allow(), deny(Duration.ofSeconds(30)), fail("db down"));
        RateLimiter limiter = RateLimiter.builder().tier(RateLimitPolicy.parse("api", "100/1m")).store(store).build();
        assertTrue(limiter.decide("alice").allowed());
        Decision rejected = limiter.decide("alice");
        assertEquals(30, rejected.retryAfterSeconds());
        assertThrows(RateLimitException.class, () -> limiter.decide("alice"));
        assertEquals(3, store.requests().size());
        // END README
        assertFalse(rejected.allowed());
        limiter.close();
    }

    @Test
    void testTokens() {
        // README infra-test
        ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        TestTokens tokens = TestTokens.create(clock);
        String token = tokens.issue("alice", "admin");
        assertTrue(tokens.verifier().verify(token).ok());
        clock.advance(Duration.ofHours(1));
        assertEquals(Optional.of(AuthResult.Failure.EXPIRED), tokens.verifier().verify(token).failure());
        // END README
    }

    @Test
    void fakeBackupSource() {
        // README infra-test
        FakeBackupSource source = FakeBackupSource.of("app-db", "rows");
        try (LocalBackupRepository repository = LocalBackupRepository.open(dir)) {
            Manifest backup = BackupRunner.builder(source, repository).build().run(BackupKind.DAILY);
            assertEquals(BackupStatus.VERIFIED, backup.status());
        }
        // END README
        assertEquals(1, source.runs());
    }
}
