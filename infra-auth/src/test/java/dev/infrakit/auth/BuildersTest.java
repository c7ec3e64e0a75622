package dev.infrakit.auth;

import static dev.infrakit.core.fixtures.BuilderSetters.assertChecked;
import static dev.infrakit.core.fixtures.BuilderSetters.assertEachRefusesASecondCall;

import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.Ticker;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import dev.infrakit.ratelimit.LocalRateLimitStore;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.RateLimiter;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every setter of every builder in this module refuses a second call. */
class BuildersTest {
    private final InMemoryCredentialStore store = InMemoryCredentialStore.builder().build();
    private final SigningKey key = SigningKey.generate(JwsAlgorithm.ES256, "k1");

    private Map<Class<?>, Object> values() {
        Map<Class<?>, Object> v = new HashMap<>();
        v.put(Clock.class, Clock.systemUTC());
        v.put(int.class, 20);
        v.put(long.class, 5L);
        v.put(boolean.class, true);
        v.put(Duration.class, Duration.ofSeconds(30));
        v.put(Ticker.class, Ticker.systemTicker());
        v.put(Executor.class, (Executor) Runnable::run);
        v.put(Supplier.class, (Supplier<Actor>) Actor::system);
        v.put(AuditSink.class, new RecordingAuditSink());
        v.put(String.class, "svc");
        v.put(String[].class, new String[] {"svc"});
        v.put(SecureRandom.class, new SecureRandom());
        v.put(HttpClient.class, HttpClient.newHttpClient());
        v.put(JwsAlgorithm.class, JwsAlgorithm.ES256);
        v.put(RateLimitStore.class, LocalRateLimitStore.create());
        v.put(TokenVerifier.class, TokenVerifier.builder(key.verificationKey()).anyIssuer().anyAudience().build());
        v.put(ApiKeys.class, ApiKeys.builder(InMemoryApiKeyStore.create()).build());
        v.put(Function.class, (Function<HttpExchange, String>) e -> "127.0.0.1");
        v.put(ClientAddress.Resolver.class, ClientAddress.resolver().build());
        v.put(TokenRevocations.class, TokenRevocations.builder(store).build());
        v.put(LoginThrottle.Sleeper.class, (LoginThrottle.Sleeper) d -> { });
        return v;
    }

    @Test
    void tokenBuilders() {
        assertChecked(assertEachRefusesASecondCall(() -> TokenVerifier.builder(key.verificationKey()), values(),
                Map.of("maxLength", new Object[] {4096})),
                "anyAudience", "anyIssuer", "audience", "clock", "clockSkew", "issuer", "maxLength", "revocations",
                "rolesClaim", "types");
        assertChecked(assertEachRefusesASecondCall(() -> TokenIssuer.builder(key), values()),
                "audience", "clock", "issuer", "rolesClaim", "ttl", "type");
        assertChecked(assertEachRefusesASecondCall(() -> TokenKeys.builder(store), values(),
                Map.of("tokenLifetime", new Object[] {Duration.ofMinutes(15), Duration.ofMinutes(1)})),
                "algorithm", "auditSink", "clock", "grace", "name", "refresh", "tokenLifetime");
        assertChecked(assertEachRefusesASecondCall(() -> TokenRevocations.builder(store), values(),
                Map.of("prefix", new Object[] {"revoked/"}, "refresh", new Object[] {Duration.ofMillis(100)})),
                "clock", "clockSkew", "fullRefresh", "maxStaleness", "prefix", "refresh");
        assertChecked(assertEachRefusesASecondCall(() -> RemoteJwks.builder(URI.create("https://idp.example/jwks")),
                values(), Map.of("maxResponseBytes", new Object[] {65536})),
                "allowHttp", "clock", "executor", "httpClient", "maxResponseBytes", "minRefetchInterval",
                "refreshAfter", "requestTimeout", "staleIfError", "ticker");
    }

    @Test
    void apiKeyPasswordAndFilterBuilders() {
        assertChecked(assertEachRefusesASecondCall(() -> ApiKeys.builder(InMemoryApiKeyStore.create()), values()),
                "actor", "adminRole", "auditSink", "clock", "lastUsedGranularity", "maxLiveKeys", "random",
                "rateLimitPerKey");
        assertChecked(assertEachRefusesASecondCall(PasswordHasher::builder, values(),
                Map.of("iterations", new Object[] {20_000})), "hashLength", "iterations", "random", "saltLength");
        assertChecked(assertEachRefusesASecondCall(LoginThrottle::builder, values(),
                Map.of("delay", new Object[] {Duration.ofMillis(100), Duration.ofSeconds(2)})),
                "auditSink", "clock", "delay", "lockout", "maxFailures", "maxWaiting", "perNetwork", "perUser",
                "policyPrefix", "sleeper", "store", "ticker");
        Map<Class<?>, Object> v = values();
        v.put(RateLimiter.class, RateLimiter.of(dev.infrakit.ratelimit.RateLimitPolicy.parse("auth", "10/1m")));
        assertChecked(assertEachRefusesASecondCall(AuthFilter::builder, v,
                Map.of("chargeFailures", new Object[] {v.get(RateLimiter.class), "auth", 1L})), "apiKeys", "auditSink", "chargeFailures",
                "clientAddress", "clientAddresses", "require", "requireAuthenticated", "tokens");
    }
}
