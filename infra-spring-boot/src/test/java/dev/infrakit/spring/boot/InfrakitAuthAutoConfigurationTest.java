package dev.infrakit.spring.boot;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.MemoryAuditLog;
import dev.infrakit.auth.ApiKeyStore;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.CredentialStoreApiKeyStore;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwkSet;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.KeyResolver;
import dev.infrakit.auth.NewApiKey;
import dev.infrakit.auth.RemoteJwks;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.health.HealthRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static dev.infrakit.spring.boot.StartupFailures.assertFailedNaming;
import static org.assertj.core.api.Assertions.assertThat;

class InfrakitAuthAutoConfigurationTest {

    private static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "k1");
    private static final String JWKS = JwkSet.of(List.of(KEY.verificationKey())).toJson();
    private static final TokenIssuer ISSUER = TokenIssuer.builder(KEY).issuer("https://id.example")
            .audience("orders").build();

    private static HttpServer jwksServer;

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(InfrakitAuditAutoConfiguration.class, InfrakitCredentialsAutoConfiguration.class,
                    InfrakitAuthAutoConfiguration.class, InfrakitHealthAutoConfiguration.class));

    @TempDir
    Path dir;

    @BeforeAll
    static void serveJwks() throws IOException {
        jwksServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwksServer.createContext("/jwks.json", exchange -> {
            byte[] body = JWKS.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jwksServer.start();
    }

    @AfterAll
    static void stopJwks() {
        jwksServer.stop(0);
    }

    /** A context runner with {@code document} as the local JWKS file, for the issuer and audience of {@link #ISSUER}. */
    private ApplicationContextRunner localJwks(String document) throws IOException {
        Path file = Files.writeString(dir.resolve("jwks.json"), document);
        return runner.withPropertyValues("infrakit.auth.jwks-file=" + file, "infrakit.auth.issuer=https://id.example",
                "infrakit.auth.audience=orders");
    }

    private static String jwksUrl() {
        return "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks.json";
    }

    @Test
    void nothingUntilConfigured() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(TokenVerifier.class)
                .doesNotHaveBean(KeyResolver.class).doesNotHaveBean(ApiKeys.class));
    }

    @Test
    void aLocalJwksFileVerifiesTheIssuersTokensForThisAudienceOnly() throws IOException {
        localJwks(JWKS).run(context -> {
                    assertThat(context.getBean(KeyResolver.class)).isInstanceOf(JwkSet.class);
                    TokenVerifier verifier = context.getBean(TokenVerifier.class);
                    AuthResult ok = verifier.verify(ISSUER.issue("alice", Set.of("user")));
                    assertThat(ok.ok()).isTrue();
                    assertThat(ok.principal().subject()).isEqualTo("alice");
                    String other = TokenIssuer.builder(KEY).issuer("https://id.example").audience("billing").build()
                            .issue("alice", Set.of("user"));
                    assertThat(verifier.verify(other).ok()).isFalse();
                });
    }

    @Test
    void aRemoteJwksVerifiesTokensAndItsHealthIsRegistered() {
        runner.withPropertyValues("infrakit.auth.jwks-uri=" + jwksUrl(), "infrakit.auth.jwks.allow-http=true",
                "infrakit.auth.jwks.refresh-after=1m", "infrakit.auth.issuer=https://id.example",
                "infrakit.auth.audience=orders").run(context -> {
                    assertThat(context.getBean(KeyResolver.class)).isInstanceOf(RemoteJwks.class);
                    assertThat(context.getBean(TokenVerifier.class).verify(ISSUER.issue("bob", Set.of())).ok()).isTrue();
                    HealthRegistry health = context.getBean(HealthRegistry.class);
                    assertThat(health.names()).hasSize(1);
                });
    }

    @Test
    void aPlainHttpJwksWithoutAllowHttpFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.auth.jwks-uri=" + jwksUrl(), "infrakit.auth.issuer=https://id.example",
                "infrakit.auth.audience=orders").run(context -> assertFailedNaming(context, "infrakit.auth.jwks-uri"));
    }

    @Test
    void aMissingIssuerFailsTheStartNamingTheKey() throws IOException {
        Path file = Files.writeString(dir.resolve("jwks.json"), JWKS);
        runner.withPropertyValues("infrakit.auth.jwks-file=" + file, "infrakit.auth.audience=orders")
                .run(context -> assertFailedNaming(context, "infrakit.auth.issuer"));
    }

    @Test
    void bothAFileAndAUrlFailTheStartNamingTheKey() throws IOException {
        localJwks(JWKS).withPropertyValues("infrakit.auth.jwks-uri=https://id.example/jwks")
                .run(context -> assertFailedNaming(context, "infrakit.auth.jwks-file"));
    }

    @Test
    void aFileThatIsNotAJwksFailsTheStartNamingTheKey() throws IOException {
        localJwks("{\"keys\": 7}").run(context -> assertFailedNaming(context, "infrakit.auth.jwks-file"));
    }

    @Test
    void aTooSmallMaxLengthFailsTheStartNamingTheKey() throws IOException {
        localJwks(JWKS).withPropertyValues("infrakit.auth.max-length=10").run(context -> assertFailedNaming(context, "infrakit.auth.max-length"));
    }

    @Test
    void theApplicationsOwnVerifierWins() throws IOException {
        TokenVerifier own = TokenVerifier.builder(KEY.verificationKey()).anyIssuer().anyAudience().build();
        localJwks(JWKS).withBean(TokenVerifier.class, () -> own)
                .run(context -> assertThat(context.getBean(TokenVerifier.class)).isSameAs(own));
    }

    @Test
    void apiKeysInMemoryIssueAndVerifyKeys() {
        runner.withPropertyValues("infrakit.auth.api-keys.enabled=true", "infrakit.auth.api-keys.store=memory",
                "infrakit.auth.api-keys.max-live-keys=2").run(context -> {
                    assertThat(context.getBean(ApiKeyStore.class)).isInstanceOf(InMemoryApiKeyStore.class);
                    ApiKeys keys = context.getBean(ApiKeys.class);
                    NewApiKey key = keys.create("svc", Set.of("reader"), "ci", Duration.ofDays(1));
                    assertThat(keys.verify(key.key()).principal().subject()).isEqualTo("svc");
                });
    }

    @Test
    void apiKeysAreAuditedThroughTheAuditSinkBean() {
        MemoryAuditLog audit = MemoryAuditLog.create();
        runner.withPropertyValues("infrakit.auth.api-keys.enabled=true", "infrakit.auth.api-keys.store=memory")
                .withBean(AuditSink.class, () -> audit).run(context -> {
                    context.getBean(ApiKeys.class).create("svc", Set.of("reader"), "ci", Duration.ofDays(1));
                    assertThat(audit.stats().written()).isPositive();
                });
    }

    @Test
    void apiKeysAreKeptInTheCredentialStoreWhenThereIsOne() {
        runner.withPropertyValues("infrakit.auth.api-keys.enabled=true", "infrakit.credentials.store=memory")
                .run(context -> assertThat(context.getBean(ApiKeyStore.class)).isInstanceOf(CredentialStoreApiKeyStore.class));
    }

    @Test
    void apiKeysWithoutAStoreFailTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.auth.api-keys.enabled=true")
                .run(context -> assertFailedNaming(context, "infrakit.auth.api-keys.store"));
    }

    @Test
    void aZeroMaxLiveKeysFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.auth.api-keys.enabled=true", "infrakit.auth.api-keys.store=memory",
                "infrakit.auth.api-keys.max-live-keys=0")
                .run(context -> assertFailedNaming(context, "infrakit.auth.api-keys.max-live-keys"));
    }

    @Test
    void withoutInfraAuthOnTheClassPathNothingIsConfigured() {
        runner.withClassLoader(new FilteredClassLoader(TokenVerifier.class))
                .withPropertyValues("infrakit.auth.jwks-uri=https://id.example/jwks", "infrakit.auth.api-keys.enabled=true")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(TokenVerifier.class)
                        .doesNotHaveBean(ApiKeys.class));
    }
}
