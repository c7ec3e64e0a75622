package dev.infrakit.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.infrakit.credentials.InMemoryCredentialStore;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A service that only issues and verifies tokens does not pull in Caffeine: this module's class
 * path (its dependencies, which include its runtime ones) has no Caffeine, and keys kept in a
 * credential store still sign and verify.
 */
class WithoutCaffeineTest {

    @Test
    void tokensAreIssuedAndVerifiedWithoutCaffeineOnTheClassPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.github.benmanes.caffeine.cache.Caffeine"),
                "Caffeine reached infra-auth's class path");
        TokenKeys keys = TokenKeys.builder(InMemoryCredentialStore.builder().build()).algorithm(JwsAlgorithm.ES256)
                .build();
        String token = TokenIssuer.builder(keys).issuer("https://issuer.example").audience("svc").build()
                .issue("alice", Set.of("user"));
        AuthResult r = TokenVerifier.builder(keys).issuer("https://issuer.example").audience("svc").build().verify(token);
        assertTrue(r.ok(), r.detail());
        assertEquals("alice", r.principal().subject());
    }
}
