package dev.infrakit.auth;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.InMemoryCredentialStore;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verified-token cache tried as an attacker would: a cached token that has since expired, been
 * revoked, or lost its key (rotated out of the key set) is refused although cached; a token differing
 * from a cached one in one character is verified in full (and refused); time claims are checked on
 * every hit; the cache stays within its bound under a flood of distinct valid tokens, and entries
 * live no longer than the maximum age.
 */
class TokenVerifierCacheTest {
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-07T10:00:00Z"));
    private final SigningKey key = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
    private final TokenIssuer issuer = TokenIssuer.builder(key).issuer("svc").audience("api").ttl(Duration.ofMinutes(15))
            .clock(clock).build();

    private TokenVerifier.Builder verifier(KeyResolver keys) {
        return TokenVerifier.builder(keys).issuer("svc").audience("api").clock(clock).cache(1000, Duration.ofMinutes(5));
    }

    private static TokenVerifier.CacheStats stats(TokenVerifier v) {
        return v.cacheStats().orElseThrow();
    }

    @Test
    void aTokenSeenAgainIsAHitWithTheSamePrincipal() {
        TokenVerifier v = verifier(KeyResolver.of(key.verificationKey())).build();
        String token = issuer.issue("alice", Set.of("reader"));
        AuthResult first = v.verify(token);
        AuthResult second = v.verify(token);
        assertTrue(first.ok() && second.ok(), second.toString());
        assertEquals(first.principal().subject(), second.principal().subject());
        assertEquals(first.principal().roles(), second.principal().roles());
        assertEquals(1, stats(v).hits());
        assertEquals(1, stats(v).misses());
        assertEquals(0.5, stats(v).hitRatio());
        assertTrue(TokenVerifier.builder(key.verificationKey()).issuer("svc").audience("api").build().cacheStats()
                .isEmpty(), "off by default");
    }

    @Test
    void aCachedTokenPastItsExpiryIsRefused() {
        TokenVerifier v = TokenVerifier.builder(key.verificationKey()).issuer("svc").audience("api").clock(clock)
                .cache(1000, Duration.ofHours(1)).build();
        String token = issuer.issue("alice", Set.of("reader"));
        assertTrue(v.verify(token).ok());
        clock.advance(Duration.ofMinutes(15).plusSeconds(59)); // within the 60 s skew: still valid, a hit
        assertTrue(v.verify(token).ok());
        assertEquals(1, stats(v).hits());
        clock.advance(Duration.ofSeconds(2));
        AuthResult late = v.verify(token);
        assertEquals(AuthResult.Failure.EXPIRED, late.failure().orElseThrow(), late.toString());
    }

    @Test
    void aCachedTokenIsRefusedOnceRevokedOnTheNextRequest() {
        InMemoryCredentialStore store = InMemoryCredentialStore.builder().clock(clock).build();
        TokenRevocations revocations = TokenRevocations.builder(store).clock(clock).build();
        TokenVerifier v = verifier(KeyResolver.of(key.verificationKey())).revocations(revocations).build();
        String token = issuer.issue("alice", Set.of("reader"), revocations.claims("alice"), Duration.ofMinutes(15));
        assertTrue(v.verify(token).ok());
        assertTrue(v.verify(token).ok());
        assertEquals(1, stats(v).hits());
        revocations.revokeAll("alice");
        AuthResult revoked = v.verify(token);
        assertEquals(AuthResult.Failure.REVOKED, revoked.failure().orElseThrow(), revoked.toString());
        assertEquals(2, stats(v).hits(), "refused on a hit: the revocation check runs on every request");
    }

    @Test
    void aCachedTokenWhoseKeyLeftTheKeySetIsRefused() {
        List<VerificationKey> current = new CopyOnWriteArrayList<>(List.of(key.verificationKey()));
        KeyResolver rotating = kid -> current.stream().filter(k -> kid == null || kid.equals(k.kid().orElse(null)))
                .toList();
        TokenVerifier v = verifier(rotating).build();
        String token = issuer.issue("alice", Set.of("reader"));
        assertTrue(v.verify(token).ok());
        assertTrue(v.verify(token).ok());

        // Re-keyed: the key is replaced by another under the same id (a JWKS refresh after a compromise).
        SigningKey replacement = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
        current.set(0, replacement.verificationKey());
        AuthResult rekeyed = v.verify(token);
        assertEquals(AuthResult.Failure.BAD_SIGNATURE, rekeyed.failure().orElseThrow(), rekeyed.toString());

        current.clear(); // gone altogether
        AuthResult gone = v.verify(token);
        assertEquals(AuthResult.Failure.UNKNOWN_KEY, gone.failure().orElseThrow(), gone.toString());
    }

    @Test
    void aTokenOneCharacterAwayFromACachedOneIsVerifiedInFull() {
        TokenVerifier v = verifier(KeyResolver.of(key.verificationKey())).build();
        String token = issuer.issue("alice", Set.of("reader"));
        assertTrue(v.verify(token).ok());
        char last = token.charAt(token.length() - 2);
        String altered = token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A') + token.charAt(token.length()
                - 1);
        AuthResult result = v.verify(altered);
        assertFalse(result.ok(), result.toString());
        assertEquals(0, stats(v).hits(), "no hit for other bytes");
        AuthResult withNul = v.verify(token + "\u0000");
        assertFalse(withNul.ok(), withNul.toString());
        assertTrue(v.verify(token).ok());
        assertEquals(1, stats(v).hits());
    }

    @Test
    void refusedTokensAreNotKeptAndTimeClaimsAreCheckedOnEveryHit() {
        TokenVerifier v = verifier(KeyResolver.of(key.verificationKey())).build();
        // Issued by a clock ten minutes ahead: not valid here (iat in the future) until this clock gets there.
        String future = TokenIssuer.builder(key).issuer("svc").audience("api").ttl(Duration.ofMinutes(30))
                .clock(Clock.offset(clock, Duration.ofMinutes(10))).build().issue("alice", Set.of("reader"));
        assertEquals(AuthResult.Failure.NOT_YET_VALID, v.verify(future).failure().orElseThrow());
        assertEquals(0, stats(v).size(), "a refused token is not kept");
        clock.advance(Duration.ofMinutes(10));
        assertTrue(v.verify(future).ok());
        assertEquals(1, stats(v).size());
        clock.setInstant(clock.instant().minus(Duration.ofMinutes(10))); // the clock steps back
        assertEquals(AuthResult.Failure.NOT_YET_VALID, v.verify(future).failure().orElseThrow(),
                "iat is checked against the clock on a hit too");
    }

    @Test
    void aFloodOfDistinctTokensStaysWithinTheBoundAndEntriesLiveNoLongerThanTheMaximumAge() {
        TokenVerifier v = TokenVerifier.builder(key.verificationKey()).issuer("svc").audience("api").clock(clock)
                .cache(16, Duration.ofSeconds(30)).build();
        for (int i = 0; i < 200; i++) {
            assertTrue(v.verify(issuer.issue("user-" + i, Set.of())).ok());
            assertTrue(stats(v).size() <= 16, stats(v).toString());
        }
        assertTrue(stats(v).evictions() >= 184, stats(v).toString());
        String token = issuer.issue("alice", Set.of());
        v.verify(token);
        v.verify(token);
        assertEquals(1, stats(v).hits());
        clock.advance(Duration.ofSeconds(31));
        assertTrue(v.verify(token).ok(), "still valid: verified again");
        assertEquals(1, stats(v).hits(), "past the maximum age the entry was dropped, not used");
    }

    @Test
    void theCacheSettingsAreChecked() {
        java.util.function.Supplier<TokenVerifier.Builder> b = () -> TokenVerifier.builder(key.verificationKey());
        assertThrows(IllegalArgumentException.class, () -> b.get().cache(0, Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class, () -> b.get().cache(10_000_001, Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class, () -> b.get().cache(10, Duration.ofMillis(10)));
        assertThrows(IllegalArgumentException.class, () -> b.get().cache(10, Duration.ofDays(2)));
        assertThrows(IllegalArgumentException.class, () -> b.get().cache(10, null));
    }

    @Test
    void theCacheIsMetered() {
        TokenVerifier v = verifier(KeyResolver.of(key.verificationKey())).build();
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        v.cacheMetrics().bindTo(registry);
        String token = issuer.issue("alice", Set.of());
        v.verify(token);
        v.verify(token);
        assertEquals(1.0, registry.get("infrakit.auth.token.cache.hits").functionCounter().count());
        assertEquals(1.0, registry.get("infrakit.auth.token.cache.misses").functionCounter().count());
        assertEquals(1.0, registry.get("infrakit.auth.token.cache.size").gauge().value());
        assertEquals(0.0, registry.get("infrakit.auth.token.cache.evictions").functionCounter().count());
    }
}
