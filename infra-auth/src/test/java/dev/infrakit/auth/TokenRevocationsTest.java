package dev.infrakit.auth;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.ForwardingCredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Revoked tokens: one by its id, all of a subject's by epoch; seen by another instance sharing the
 * store within the promised staleness, never later; fail closed while the store cannot be read.
 */
class TokenRevocationsTest {
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-03-01T09:00:00Z"));
    private final InMemoryCredentialStore store = InMemoryCredentialStore.builder().clock(clock).build();
    private final SigningKey key = SigningKey.generate(JwsAlgorithm.ES256, "k1");
    private final TokenIssuer issuer = TokenIssuer.builder(key).issuer("svc").audience("api")
            .ttl(Duration.ofMinutes(15)).clock(clock).build();

    private TokenRevocations revocations(CredentialStore on) {
        return TokenRevocations.builder(on).clock(clock).build();
    }

    private TokenVerifier verifier(TokenRevocations revocations) {
        return TokenVerifier.builder(key.verificationKey()).issuer("svc").audience("api").clock(clock)
                .revocations(revocations).build();
    }

    private String token(TokenRevocations revocations, String subject) {
        return issuer.issue(subject, Set.of("user"), revocations.claims(subject), Duration.ofMinutes(15));
    }

    private static AuthResult.Failure failure(AuthResult result) {
        return result.failure().orElse(null);
    }

    @Test
    void revokeAllEndsEveryEarlierTokenOfThatSubjectOnlyAndLaterOnesWork() {
        TokenRevocations revocations = revocations(store);
        TokenVerifier verifier = verifier(revocations);
        String first = token(revocations, "alice");
        String second = token(revocations, "alice");
        String bob = token(revocations, "bob");
        assertTrue(verifier.verify(first).ok());

        assertEquals(1, revocations.revokeAll("alice"));
        // Same instant as the revocation (a "not before" time in seconds could not tell these apart).
        String after = token(revocations, "alice");

        assertEquals(AuthResult.Failure.REVOKED, failure(verifier.verify(first)));
        assertEquals(AuthResult.Failure.REVOKED, failure(verifier.verify(second)));
        assertTrue(verifier.verify(after).ok(), "a token issued after the revocation works");
        assertTrue(verifier.verify(bob).ok(), "another subject's tokens are untouched");

        assertEquals(2, revocations.revokeAll("alice"));
        assertEquals(AuthResult.Failure.REVOKED, failure(verifier.verify(after)));
    }

    @Test
    void aTokenWithoutTheEpochClaimIsRevokedWithItsSubject() {
        TokenRevocations revocations = revocations(store);
        String plain = issuer.issue("carol", Set.of("user"));
        assertTrue(verifier(revocations).verify(plain).ok());
        revocations.revokeAll("carol");
        assertEquals(AuthResult.Failure.REVOKED, failure(verifier(revocations).verify(plain)));
        String odd = issuer.issue("carol", Set.of("user"), Map.of(TokenRevocations.EPOCH_CLAIM, "9"), Duration.ofMinutes(5));
        assertEquals(AuthResult.Failure.MISSING_CLAIM, failure(verifier(revocations).verify(odd)));
    }

    @Test
    void revokingOneTokenLeavesTheOthersAndItsRecordGoesAfterItExpires() {
        TokenRevocations revocations = revocations(store);
        TokenVerifier verifier = verifier(revocations);
        String one = token(revocations, "alice");
        String other = token(revocations, "alice");
        Principal principal = verifier.verify(one).principal();

        revocations.revoke(principal);

        assertEquals(AuthResult.Failure.REVOKED, failure(verifier.verify(one)));
        assertTrue(verifier.verify(other).ok());
        assertEquals(1, tokenRecords());

        // Past expiry plus skew: a full reading deletes the record; the token is refused for its expiry.
        clock.advance(Duration.ofMinutes(17));
        revocations.refreshNow();
        assertEquals(0, tokenRecords());
        assertEquals(AuthResult.Failure.EXPIRED, failure(verifier.verify(one)));
    }

    private long tokenRecords() {
        return store.list("auth/token-revocations/tokens/").size();
    }

    @Test
    void onlyATokenWithAnIdCanBeRevokedOneByOne() {
        TokenRevocations revocations = revocations(store);
        Principal apiKey = new Principal("alice", Set.of("user"), Principal.Method.API_KEY, "key-1", null, Map.of());
        assertThrows(IllegalArgumentException.class, () -> revocations.revoke(apiKey));
        assertThrows(IllegalArgumentException.class, () -> revocations.revoke("", Instant.now()));
        assertThrows(IllegalArgumentException.class, () -> revocations.revoke("x".repeat(257), Instant.now()));
        assertTrue(revocations.check(apiKey).ok(), "principals that are not tokens are not checked");
    }

    @Test
    void anotherInstanceHonoursARevocationWithinMaxStalenessAndNeverLater() {
        TokenRevocations a = revocations(store);
        TokenRevocations b = revocations(store);
        TokenVerifier onB = verifier(b);
        String token = token(a, "alice");
        assertTrue(onB.verify(token).ok()); // b has read the store now

        a.revokeAll("alice");
        clock.advance(Duration.ofMillis(100));
        assertTrue(onB.verify(token).ok(), "within the refresh interval b may use what it read");
        clock.advance(Duration.ofMillis(200)); // 300 ms: older than refresh, b reads again
        assertEquals(AuthResult.Failure.REVOKED, failure(onB.verify(token)));

        String single = token(a, "dave");
        assertTrue(onB.verify(single).ok());
        a.revoke(onB.verify(single).principal());
        clock.advance(Duration.ofMillis(260));
        assertEquals(AuthResult.Failure.REVOKED, failure(onB.verify(single)));
    }

    @Test
    void aChangeMissedByTheChangeCounterIsFoundByTheFullReading() {
        TokenRevocations a = revocations(store);
        TokenVerifier onA = verifier(a);
        String token = token(a, "alice");
        assertTrue(onA.verify(token).ok());
        // A writer that crashed after its record and before bumping the counter.
        store.put("auth/token-revocations/subjects/" + hashOf("alice"),
                dev.infrakit.credentials.SecretValue.ofFields(Map.of("revoked", "all")));
        clock.advance(Duration.ofSeconds(2));
        assertTrue(onA.verify(token).ok(), "the counter did not move: not listed yet");
        clock.advance(Duration.ofSeconds(30));
        assertEquals(AuthResult.Failure.REVOKED, failure(onA.verify(token)));
    }

    private static String hashOf(String value) throws IllegalStateException {
        try {
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.security.MessageDigest
                    .getInstance("SHA-256").digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void whileTheStoreCannotBeReadTokensAreRefusedOnceTheViewIsOlderThanMaxStaleness() {
        Failing failing = new Failing(store);
        TokenRevocations revocations = revocations(failing);
        TokenVerifier verifier = verifier(revocations);
        String token = token(revocations, "alice");
        assertTrue(verifier.verify(token).ok());

        failing.down = true;
        clock.advance(Duration.ofMillis(500));
        assertTrue(verifier.verify(token).ok(), "younger than maxStaleness: the view read 500 ms ago stands");
        clock.advance(Duration.ofMillis(600));
        AuthResult refused = verifier.verify(token);
        assertEquals(AuthResult.Failure.UNAVAILABLE, failure(refused));
        assertFalse(refused.detail().contains(token));

        failing.down = false;
        assertTrue(verifier.verify(token).ok(), "accepted again once the store answers");
        // A fresh instance with the store down from the start refuses at once.
        failing.down = true;
        assertEquals(AuthResult.Failure.UNAVAILABLE, failure(verifier(revocations(failing)).verify(token)));
        assertThrows(CredentialException.class, () -> revocations.revokeAll("alice"));
    }

    @Test
    void aUserDeletedAndCreatedAgainDoesNotReviveTheOldTokens() {
        TokenRevocations revocations = revocations(store);
        TokenVerifier verifier = verifier(revocations);
        String old = token(revocations, "erin");
        revocations.revokeAll("erin"); // deleted
        String recreated = token(revocations, "erin"); // a new account of the same name
        assertEquals(AuthResult.Failure.REVOKED, failure(verifier.verify(old)));
        assertTrue(verifier.verify(recreated).ok());
        assertEquals(AuthResult.Failure.REVOKED, failure(verifier(revocations(store)).verify(old)),
                "also for an instance started afterwards");
    }

    @Test
    void recordsNameNoClientValue() {
        TokenRevocations revocations = revocations(store);
        revocations.revokeAll("alice@example.com/../x");
        revocations.revoke("jti with spaces\u0000", clock.instant().plusSeconds(60));
        for (CredentialMetadata m : store.list("")) {
            assertFalse(m.name().contains("alice") || m.name().contains("jti"), m.name());
        }
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> TokenRevocations.builder(store).refresh(Duration.ofSeconds(2))
                .maxStaleness(Duration.ofSeconds(1)).build());
        assertThrows(IllegalArgumentException.class, () -> TokenRevocations.builder(store).prefix("no-slash"));
        assertThrows(IllegalArgumentException.class, () -> TokenRevocations.builder(store).refresh(Duration.ZERO));
    }

    /** A store whose reads and writes fail while {@code down}. */
    private static final class Failing extends ForwardingCredentialStore {
        volatile boolean down;

        Failing(CredentialStore delegate) {
            super(delegate);
        }

        private void check() {
            if (down) {
                throw new CredentialException("the database is down");
            }
        }

        @Override
        public Optional<CredentialMetadata> metadata(String name) {
            check();
            return super.metadata(name);
        }

        @Override
        public List<CredentialMetadata> list(String prefix) {
            check();
            return super.list(prefix);
        }

        @Override
        public int put(String name, dev.infrakit.credentials.SecretValue value,
                dev.infrakit.credentials.WriteCondition condition) {
            check();
            return super.put(name, value, condition);
        }
    }
}
