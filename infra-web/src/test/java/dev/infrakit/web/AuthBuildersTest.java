package dev.infrakit.web;

import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.fixtures.BuilderContract;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.jdk.AuthFilter;
import dev.infrakit.web.servlet.AuthServletFilter;
import dev.infrakit.web.servlet.ProblemResponses;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every setter of the authentication builders refuses a second value; a builder without credentials fails. */
class AuthBuildersTest {
    private final SigningKey key = SigningKey.generate(JwsAlgorithm.ES256, "k1");
    private final RateLimiter limiter = RateLimiter.of(RateLimitPolicy.parse("auth", "10/1m"));

    private BuilderContract contract(Supplier<?> builder) {
        return BuilderContract.of(builder).value("chargeFailures", limiter, "auth", 1L)
                .value("tokens", TokenVerifier.builder(key.verificationKey()).anyIssuer().anyAudience().build())
                .value("apiKeys", ApiKeys.builder(InMemoryApiKeyStore.create()).build())
                .value(ClientAddress.Resolver.class, ClientAddress.resolver().build())
                .value(ProblemResponses.class, ProblemResponses.defaults())
                .adders("require", "requireAuthenticated");
    }

    @Test
    void eachSettingIsGivenOnce() {
        assertEquals(Set.of("apiKeys", "auditSink", "chargeFailures", "tokens"), contract(Authenticator::builder).check());
        assertEquals(Set.of("apiKeys", "auditSink", "chargeFailures", "clientAddress", "clientAddresses", "tokens"),
                contract(AuthFilter::builder).check());
        assertEquals(Set.of("apiKeys", "auditSink", "chargeFailures", "clientAddresses", "problems", "tokens"),
                contract(AuthServletFilter::builder).check());
    }

    @Test
    void aFilterWithoutTokensOrApiKeysIsRefused() {
        assertThrows(IllegalStateException.class, () -> AuthFilter.builder().build());
        assertThrows(IllegalStateException.class, () -> AuthServletFilter.builder().build());
        assertThrows(IllegalStateException.class, () -> AuthFilter.builder().clientAddress(e -> "x")
                .clientAddresses(ClientAddress.resolver().build()), "one client address rule");
    }
}
