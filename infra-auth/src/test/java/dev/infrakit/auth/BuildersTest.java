package dev.infrakit.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.infrakit.core.fixtures.BuilderContract;
import dev.infrakit.credentials.InMemoryCredentialStore;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every setter of every builder in infra-auth refuses a second value. */
class BuildersTest {
    private final InMemoryCredentialStore store = InMemoryCredentialStore.builder().build();
    private final SigningKey key = SigningKey.generate(JwsAlgorithm.ES256, "k1");

    @Test
    void tokenBuilders() {
        assertEquals(Set.of("anyAudience", "anyIssuer", "audience", "cache", "clientId", "clock", "clockSkew",
                "identityProviderTypes", "issuer", "maxLength", "revocations", "rolesClaim", "rolesClaimPath", "types"),
                BuilderContract.of(() -> TokenVerifier.builder(key.verificationKey()))
                .value("maxLength", 4096).value("cache", 100, Duration.ofMinutes(1)).value("issuer", (Object) new String[] {"https://issuer.example"})
                .value("types", (Object) new String[] {"at+jwt"})
                .value(TokenRevocations.class, TokenRevocations.builder(store).build()).check());
        assertEquals(Set.of("audience", "clock", "issuer", "rolesClaim", "ttl", "type"),
                BuilderContract.of(() -> TokenIssuer.builder(key)).value("audience", (Object) new String[] {"svc"})
                        .value("ttl", Duration.ofMinutes(5)).check());
        assertEquals(Set.of("algorithm", "auditSink", "clock", "grace", "name", "refresh", "tokenLifetime"),
                BuilderContract.of(() -> TokenKeys.builder(store))
                        .value("tokenLifetime", Duration.ofMinutes(15), Duration.ofMinutes(1)).check());
        assertEquals(Set.of("clock", "clockSkew", "fullRefresh", "maxStaleness", "prefix", "refresh"),
                BuilderContract.of(() -> TokenRevocations.builder(store)).value("prefix", "revoked/")
                        .value("refresh", Duration.ofMillis(100)).check());
        assertEquals(Set.of("algorithmsForKeysWithoutAlg", "allowHttp", "clock", "executor", "httpClient", "maxResponseBytes",
                "minRefetchInterval", "refreshAfter", "requestTimeout", "staleIfError", "ticker"),
                BuilderContract.of(() -> RemoteJwks.builder(URI.create("https://idp.example/jwks")))
                        .value("algorithmsForKeysWithoutAlg", (Object) new JwsAlgorithm[] {JwsAlgorithm.RS256})
                        .value("maxResponseBytes", 65536)
                        .value(java.net.http.HttpClient.class, java.net.http.HttpClient.newHttpClient()).check());
    }

    @Test
    void apiKeyAndPasswordBuilders() {
        assertEquals(Set.of("actor", "adminRole", "auditSink", "clock", "lastUsedGranularity", "maxLiveKeys", "random",
                "rateLimitPerKey"), BuilderContract.of(() -> ApiKeys.builder(InMemoryApiKeyStore.create()))
                .value(java.security.SecureRandom.class, new java.security.SecureRandom()).check());
        assertEquals(Set.of("hashLength", "iterations", "random", "saltLength"), BuilderContract.of(PasswordHasher::builder)
                .value("iterations", 20_000).value("saltLength", 16).value("hashLength", 32)
                .value(java.security.SecureRandom.class, new java.security.SecureRandom()).check());
        assertEquals(Set.of("auditSink", "clock", "delay", "lockout", "maxFailures", "maxWaiting", "perNetwork", "perUser",
                "policyPrefix", "sleeper", "store", "ticker"), BuilderContract.of(LoginThrottle::builder)
                .value("delay", Duration.ofMillis(100), Duration.ofSeconds(2)).check());
    }
}
