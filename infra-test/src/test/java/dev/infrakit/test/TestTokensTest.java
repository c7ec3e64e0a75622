package dev.infrakit.test;

import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestTokensTest {
    private final TestTokens tokens = TestTokens.create();

    @Test
    void anIssuedTokenVerifiesAsItsSubjectAndRoles() {
        AuthResult result = tokens.verifier().verify(tokens.issue("alice", "admin", "reader"));
        assertTrue(result.ok(), result.toString());
        Principal p = result.principal();
        assertEquals("alice", p.subject());
        assertEquals(Set.of("admin", "reader"), p.roles());
    }

    @Test
    void expiredAndForgedTokensAreRefused() {
        assertEquals(Optional.of(AuthResult.Failure.EXPIRED),
                tokens.verifier().verify(tokens.expired("alice", "admin")).failure());
        AuthResult forged = tokens.verifier().verify(tokens.forged("alice", "admin"));
        assertFalse(forged.ok());
        assertNotEquals(Optional.of(AuthResult.Failure.EXPIRED), forged.failure());
    }

    @Test
    void anotherInstancesTokensAreRefused() {
        TestTokens other = TestTokens.create();
        assertFalse(tokens.verifier().verify(other.issue("alice")).ok());
    }

    @Test
    void onAManualClockATokenExpiresWhenTheClockPassesItsValidity() {
        ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        TestTokens timed = TestTokens.create(clock);
        String token = timed.issue("svc", Set.of("job"), Map.of("tenant", "t1"), Duration.ofMinutes(5));
        assertTrue(timed.verifier().verify(token).ok());
        clock.advance(Duration.ofMinutes(7));
        assertEquals(Optional.of(AuthResult.Failure.EXPIRED), timed.verifier().verify(token).failure());
    }

    @Test
    void theVerificationKeyBuildsAVerifierWithOtherSettings() {
        TokenVerifier strict = TokenVerifier.builder(tokens.verificationKey()).issuer(TestTokens.ISSUER)
                .audience("another-api").build();
        assertFalse(strict.verify(tokens.issue("alice")).ok(), "wrong audience");
        assertTrue(TokenVerifier.builder(tokens.verificationKey()).issuer(TestTokens.ISSUER)
                .audience(TestTokens.AUDIENCE).build().verify(tokens.issuer().issue("bob", Set.of())).ok());
        assertFalse(tokens.toString().contains("\"d\""), "no key material in toString");
    }
}
