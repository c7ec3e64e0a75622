package dev.infrakit.auth;

import dev.infrakit.core.fixtures.ManualScheduler;
import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signing keys in a credential store, and tokens issued before, during and after a rotation: they
 * verify exactly as documented, on this instance and on another one sharing the store.
 */
class TokenKeysTest {
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-03-01T09:00:00Z"));
    private final InMemoryCredentialStore store = InMemoryCredentialStore.builder().clock(clock).build();

    private TokenKeys keys(CredentialStore on) {
        return TokenKeys.builder(on).clock(clock).grace(Duration.ofMinutes(10)).tokenLifetime(Duration.ofMinutes(15),
                Duration.ofSeconds(60)).refresh(Duration.ofSeconds(30)).build();
    }

    private TokenIssuer issuer(TokenKeys keys) {
        return TokenIssuer.builder(keys).issuer("svc").audience("api").ttl(Duration.ofMinutes(15)).clock(clock).build();
    }

    private TokenVerifier verifier(TokenKeys keys) {
        return TokenVerifier.builder(keys).issuer("svc").audience("api").clock(clock).build();
    }

    private static String kid(String token) {
        return Jws.parse(token).kid;
    }

    @Test
    void tokensBeforeDuringAndAfterARotationVerifyAsDocumented() {
        TokenKeys a = keys(store);
        TokenKeys b = keys(store); // another instance on the same store
        String before = issuer(a).issue("alice", Set.of("user"));
        assertTrue(verifier(b).verify(before).ok(), "the other instance verifies the first key's tokens");
        String oldKid = kid(before);

        String newKid = a.rotate();
        assertNotEquals(oldKid, newKid);
        assertTrue(a.jwks().contains(newKid) && a.jwks().contains(oldKid), "both keys are published at once");
        String during = issuer(a).issue("alice", Set.of("user"));
        assertEquals(oldKid, kid(during), "during the grace period the old key still signs");

        clock.advance(Duration.ofMinutes(10));
        String after = issuer(a).issue("alice", Set.of("user"));
        assertEquals(newKid, kid(after), "after the grace period the new key signs");
        clock.advance(Duration.ofSeconds(31)); // b re-reads the store
        assertEquals(newKid, kid(issuer(b).issue("bob", Set.of())), "and on the other instance too");
        for (String token : List.of(before, during, after)) {
            assertTrue(verifier(a).verify(token).ok());
            assertTrue(verifier(b).verify(token).ok());
        }

        // The old key's last token (issued just before activation) expires 15 min after it; one
        // minute of skew later the old key is retired.
        clock.advance(Duration.ofMinutes(15)); // 25m31s after the rotation
        assertTrue(a.jwks().contains(oldKid), "still needed for tokens issued at the end of its time");
        clock.advance(Duration.ofSeconds(30)); // 26m01s: activation (10m) + lifetime (15m) + skew (1m) passed
        assertFalse(a.jwks().contains(oldKid), "retired: no unexpired token can use it");
        assertTrue(a.keys(oldKid).isEmpty());
        assertTrue(verifier(a).verify(issuer(a).issue("carol", Set.of())).ok());
        a.rotate();
        assertEquals(2, a.describe().size(), "the retired key was removed at the next rotation: " + a.describe());
    }

    @Test
    void twoInstancesRotatingAtOnceAddExactlyOneKeyEach() throws Exception {
        TokenKeys a = keys(store);
        a.signingKey();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<String>> tasks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                TokenKeys instance = keys(store);
                tasks.add(instance::rotate);
            }
            Set<String> added = new HashSet<>();
            for (Future<String> f : pool.invokeAll(tasks)) {
                added.add(f.get());
            }
            assertEquals(4, added.size());
            a.refreshNow();
            assertEquals(5, a.describe().size(), "every rotation's key is there, none lost: " + a.describe());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theFirstUseCreatesOneKeyEvenWhenInstancesStartTogether() {
        TokenKeys a = keys(store);
        TokenKeys b = keys(store);
        assertEquals(a.signingKey().kid(), b.signingKey().kid());
        assertEquals(1, a.describe().size());
    }

    @Test
    void keysAreEncryptedAtRestInAnEncryptedStore(@TempDir Path dir) throws Exception {
        try (FileCredentialStore files = FileCredentialStore.directory(dir, KeyRing.of(MasterKey.generate())).build()) {
            TokenKeys keys = TokenKeys.builder(files).clock(clock).algorithm(JwsAlgorithm.RS256).build();
            String token = issuer(keys).issue("alice", Set.of());
            assertTrue(verifier(keys).verify(token).ok());
            try (Stream<Path> paths = Files.list(dir)) {
                for (Path p : (Iterable<Path>) paths::iterator) {
                    if (Files.isRegularFile(p)) {
                        String text = Files.readString(p);
                        assertFalse(text.contains("\"d\"") || text.contains(keys.signingKey().kid()),
                                "no key material or key id in clear in " + p.getFileName());
                    }
                }
            }
        }
    }

    @Test
    void scheduledRotationsAddAKeyPerSlotAndAreAudited() {
        dev.infrakit.credentials.fixtures.RecordingAuditSink audit = new dev.infrakit.credentials.fixtures.RecordingAuditSink();
        TokenKeys keys = TokenKeys.builder(store).clock(clock).auditSink(audit).build();
        keys.signingKey();
        ManualScheduler scheduler = new ManualScheduler(clock);
        try (dev.infrakit.core.schedule.ScheduledJob scheduled = keys.schedule(
                dev.infrakit.core.schedule.Schedule.every(Duration.ofDays(7)), scheduler)) {
            scheduler.advance(Duration.ofDays(15));
            assertEquals(2, scheduled.runs());
            assertEquals(2, keys.describe().size(), "one key per week; the first, retired after the first "
                    + "rotation, was removed at the second: " + keys.describe());
        }
        assertEquals(List.of("token-keys.rotated:PENDING", "token-keys.rotated:SUCCESS", "token-keys.rotated:PENDING",
                "token-keys.rotated:SUCCESS"), audit.typesAndOutcomes());
        String kid = (String) audit.events.get(3).details().get("kid");
        assertEquals(kid, audit.events.get(2).details().get("kid"), "the PENDING event names the key it adds");
        assertEquals(audit.events.get(2).id().toString(), audit.events.get(3).details()
                .get(dev.infrakit.audit.AuditEvent.PENDING_ID));
        assertTrue(keys.describe().stream().anyMatch(d -> d.startsWith(kid)), "the event names the new key");
        for (dev.infrakit.audit.AuditEvent e : audit.events) {
            assertFalse(dev.infrakit.audit.AuditJson.defaults().toJson(e).contains("\"d\""),
                    "no key material in the event");
        }
    }

    @Test
    void scheduledRotationByAgeAddsOneKeyPerPeriodAcrossInstancesAndRestarts() {
        dev.infrakit.credentials.fixtures.RecordingAuditSink audit = new dev.infrakit.credentials.fixtures.RecordingAuditSink();
        TokenKeys a = TokenKeys.builder(store).clock(clock).auditSink(audit).build();
        TokenKeys b = TokenKeys.builder(store).clock(clock).auditSink(audit).build();
        a.signingKey();
        assertTrue(a.rotateIfOlderThan(Duration.ofDays(30)).isEmpty(), "the first key is new");
        ManualScheduler scheduler = new ManualScheduler(clock);
        // Two instances checking the same store (and a third started later): one key per 30 days between them.
        try (dev.infrakit.core.schedule.ScheduledJob onA = a.scheduleRotation(Duration.ofDays(30), scheduler);
                dev.infrakit.core.schedule.ScheduledJob onB = b.scheduleRotation(Duration.ofDays(30), scheduler)) {
            scheduler.advance(Duration.ofDays(29));
            assertEquals(List.of(), audit.typesAndOutcomes(), "nothing before the period");
            scheduler.advance(Duration.ofDays(2));
            assertEquals(List.of("token-keys.rotated:PENDING", "token-keys.rotated:SUCCESS"), audit.typesAndOutcomes());
            assertTrue(onA.runs() > 1 && onB.runs() > 1, "both instances checked");
            TokenKeys restarted = TokenKeys.builder(store).clock(clock).auditSink(audit).build();
            try (dev.infrakit.core.schedule.ScheduledJob onC = restarted.scheduleRotation(Duration.ofDays(30), scheduler)) {
                scheduler.advance(Duration.ofDays(20));
                assertEquals(2, audit.typesAndOutcomes().size(), "a restart does not rotate early");
                assertTrue(onC.runs() > 0);
                scheduler.advance(Duration.ofDays(15));
                assertEquals(4, audit.typesAndOutcomes().size(), "one more key at the next period: " + a.describe());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> a.scheduleRotation(Duration.ofMinutes(10), scheduler),
                "a period not longer than the 10-minute grace");
    }

    /** What the instances of the cluster-lock tests record, and the scheduler that drives them. */
    private final dev.infrakit.credentials.fixtures.RecordingAuditSink rotations =
            new dev.infrakit.credentials.fixtures.RecordingAuditSink();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private static final dev.infrakit.core.schedule.Schedule WEEKLY = dev.infrakit.core.schedule.Schedule.cron("0 3 * * 1");

    /** One more instance over the shared store, recording into {@link #rotations}. */
    private TokenKeys instance() {
        return TokenKeys.builder(store).clock(clock).auditSink(rotations).build();
    }

    @Test
    void twoInstancesSharingAClusterLockAddOneKeyPerScheduledSlot() {
        TokenKeys a = instance();
        TokenKeys b = instance();
        a.signingKey();
        dev.infrakit.core.schedule.LocalClusterLock lock = dev.infrakit.core.schedule.LocalClusterLock.create();
        try (dev.infrakit.core.schedule.ScheduledJob onA = a.schedule(WEEKLY, scheduler, lock);
                dev.infrakit.core.schedule.ScheduledJob onB = b.schedule(WEEKLY, scheduler, lock)) {
            scheduler.advance(Duration.ofDays(21));
            assertEquals(6, onA.runs() + onB.runs(), "both instances woke each week");
            assertEquals(List.of("token-keys.rotated:PENDING", "token-keys.rotated:SUCCESS", "token-keys.rotated:PENDING",
                    "token-keys.rotated:SUCCESS", "token-keys.rotated:PENDING", "token-keys.rotated:SUCCESS"),
                    rotations.typesAndOutcomes(), "one key per week, not one per instance");
            // Another instance holds the lock when the next slot falls due: skipped and counted, not an error.
            assertTrue(lock.runExclusively("token-keys rotation of auth/token-signing-keys", () -> scheduler.advance(Duration.ofDays(7))));
            assertEquals(2, onA.skipped() + onB.skipped());
            assertEquals(6, rotations.typesAndOutcomes().size());
        }
    }

    @Test
    void withoutTheLockTwoInstancesAddTwoKeysPerScheduledSlot() {
        TokenKeys a = instance();
        TokenKeys b = instance();
        a.signingKey();
        try (dev.infrakit.core.schedule.ScheduledJob onA = a.schedule(WEEKLY, scheduler);
                dev.infrakit.core.schedule.ScheduledJob onB = b.schedule(WEEKLY, scheduler)) {
            scheduler.advance(Duration.ofDays(7));
            assertEquals(2, onA.runs() + onB.runs());
            assertEquals(4, rotations.typesAndOutcomes().size(), "today's behaviour, what the lock is for");
        }
    }

    @Test
    void rotationByAgeUnderAClusterLockStillAddsOneKeyPerPeriod() {
        TokenKeys a = instance();
        TokenKeys b = instance();
        a.signingKey();
        dev.infrakit.core.schedule.LocalClusterLock lock = dev.infrakit.core.schedule.LocalClusterLock.create();
        try (dev.infrakit.core.schedule.ScheduledJob onA = a.scheduleRotation(Duration.ofDays(30), scheduler, lock);
                dev.infrakit.core.schedule.ScheduledJob onB = b.scheduleRotation(Duration.ofDays(30), scheduler, lock)) {
            scheduler.advance(Duration.ofDays(61));
            assertEquals(List.of("token-keys.rotated:PENDING", "token-keys.rotated:SUCCESS", "token-keys.rotated:PENDING",
                    "token-keys.rotated:SUCCESS"), rotations.typesAndOutcomes(), "no lost check-and-set, no retry");
            assertTrue(onA.runs() > 1 && onB.runs() > 1, "both instances checked");
        }
        assertThrows(IllegalArgumentException.class, () -> a.scheduleRotation(Duration.ofMinutes(10), scheduler, lock));
    }

    @Test
    void aRotationIsRecordedBeforeTheKeysChange() {
        dev.infrakit.credentials.fixtures.RecordingAuditSink audit = new dev.infrakit.credentials.fixtures.RecordingAuditSink();
        TokenKeys keys = TokenKeys.builder(store).clock(clock).auditSink(audit).build();
        keys.signingKey();
        int before = store.metadata("auth/token-signing-keys").orElseThrow().currentVersion();
        List<String> described = keys.describe();

        audit.refuse = true;
        dev.infrakit.audit.AuditException refused = assertThrows(dev.infrakit.audit.AuditException.class, keys::rotate);
        assertFalse(refused instanceof dev.infrakit.credentials.OutcomeNotRecordedException, refused.getMessage());
        assertEquals(before, store.metadata("auth/token-signing-keys").orElseThrow().currentVersion(),
                "its PENDING event refused: the keys did not change");
        keys.refreshNow();
        assertEquals(described, keys.describe());

        audit.refuse = false;
        audit.refuseWhen = e -> e.outcome() != dev.infrakit.audit.AuditEvent.Outcome.PENDING;
        dev.infrakit.credentials.OutcomeNotRecordedException done = assertThrows(
                dev.infrakit.credentials.OutcomeNotRecordedException.class, keys::rotate);
        assertEquals("token-keys.rotated", done.operation());
        assertEquals(before + 1, done.version().orElseThrow());
        assertEquals(before + 1, store.metadata("auth/token-signing-keys").orElseThrow().currentVersion(),
                "the rotation stands");
        assertEquals(List.of("token-keys.rotated:PENDING"), audit.typesAndOutcomes());
        String added = (String) audit.events.get(0).details().get("kid");
        assertTrue(keys.describe().stream().anyMatch(d -> d.startsWith(added)), keys.describe().toString());
    }

    @Test
    void aRotationThatLosesTheRaceRecordsItsFailureAndRetries() {
        dev.infrakit.credentials.fixtures.RecordingAuditSink audit = new dev.infrakit.credentials.fixtures.RecordingAuditSink();
        TokenKeys keys = TokenKeys.builder(store).clock(clock).auditSink(audit).build();
        keys.signingKey();
        TokenKeys other = keys(store);
        // Another instance rotates between this one's read and its write: the first PENDING is recorded,
        // then the rival's write lands, and the check-and-set fails.
        audit.refuseWhen = e -> {
            if (e.outcome() == dev.infrakit.audit.AuditEvent.Outcome.PENDING && audit.events.isEmpty()) {
                other.rotate();
            }
            return false;
        };
        keys.rotate();
        assertEquals(List.of("token-keys.rotated:PENDING", "token-keys.rotated:FAILURE", "token-keys.rotated:PENDING",
                "token-keys.rotated:SUCCESS"), audit.typesAndOutcomes());
        assertEquals(3, keys.describe().size(), "the first key, the rival's and this one's: " + keys.describe());
    }

    @Test
    void theRotationEngineCanRotateTheKeysWithItsLabelsAndRollBack() {
        TokenKeys keys = keys(store);
        String before = issuer(keys).issue("alice", Set.of());
        String name = "auth/token-signing-keys";
        dev.infrakit.credentials.rotation.RotationEngine engine = dev.infrakit.credentials.rotation.RotationEngine
                .builder(store).clock(clock).strategy(name, keys.rotationStrategy()).build();
        dev.infrakit.credentials.rotation.RotationResult result = engine.rotate(name);
        assertEquals(dev.infrakit.credentials.rotation.RotationResult.Outcome.ROTATED, result.outcome());
        keys.refreshNow();
        assertEquals(2, keys.describe().size(), String.valueOf(keys.describe()));
        assertEquals(kid(before), kid(issuer(keys).issue("alice", Set.of())), "the old key signs during the grace");
        clock.advance(Duration.ofMinutes(11));
        String after = issuer(keys).issue("alice", Set.of());
        assertNotEquals(kid(before), kid(after));
        assertTrue(verifier(keys).verify(before).ok() && verifier(keys).verify(after).ok());

        // A rotation whose test fails is rolled back: its version is deleted and the keys stay as they were.
        dev.infrakit.credentials.rotation.RotationStrategy strategy = keys.rotationStrategy();
        dev.infrakit.credentials.rotation.RotationEngine failing = dev.infrakit.credentials.rotation.RotationEngine
                .builder(store).clock(clock).strategy(name, new dev.infrakit.credentials.rotation.RotationStrategy() {
                    @Override
                    public dev.infrakit.credentials.SecretValue create(dev.infrakit.credentials.rotation.RotationContext c) {
                        return strategy.create(c);
                    }

                    @Override
                    public void apply(dev.infrakit.credentials.rotation.RotationContext c) {
                    }

                    @Override
                    public void test(dev.infrakit.credentials.rotation.RotationContext c) {
                        throw new IllegalStateException("probe failed");
                    }
                }).build();
        dev.infrakit.credentials.rotation.RotationException rolledBack = assertThrows(
                dev.infrakit.credentials.rotation.RotationException.class, () -> failing.rotate(name));
        assertTrue(rolledBack.getMessage().contains("was rolled back"), rolledBack.getMessage());
        keys.refreshNow();
        assertEquals(2, keys.describe().size(), "the rolled-back key is not used: " + keys.describe());
        assertEquals(kid(after), kid(issuer(keys).issue("alice", Set.of())));
        keys.rotate();
        assertEquals(3, keys.describe().size(), "rotate() still works over a deleted newest version");
    }

    @Test
    void theFirstKeySignsAtOnceWithARealClock() {
        TokenKeys real = TokenKeys.builder(InMemoryCredentialStore.create()).build(); // system clock: time moves
        TokenIssuer issuer = TokenIssuer.builder(real).issuer("svc").audience("api").build();
        assertTrue(TokenVerifier.builder(real).issuer("svc").audience("api").build().verify(issuer.issue("a", Set.of()))
                .ok());
    }

    @Test
    void aGracePeriodShorterThanTheRefreshIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenKeys.builder(store)
                .grace(Duration.ofSeconds(10)).refresh(Duration.ofSeconds(30)).build());
        assertTrue(e.getMessage().contains("must be longer than refresh"), e.getMessage());
    }
}
