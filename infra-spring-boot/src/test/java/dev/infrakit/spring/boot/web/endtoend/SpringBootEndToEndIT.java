package dev.infrakit.spring.boot.web.endtoend;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.MemoryAuditLog;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.spring.boot.security.SpringSecurityActor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Spring Boot application on a random port (embedded Tomcat) with the starter's web,
 * security and actuator parts: Infrakit's tokens and API keys through Spring Security, infra-web's
 * filters around it, Actuator health and Prometheus. Each test speaks from its own client address
 * (one trusted proxy, {@code X-Forwarded-For}), so the per-address budgets of one test never touch
 * another's; one application serves every test. The application sits in its own package so that
 * its component scan does not pick up the starter's classes as the application's own.
 */
@SpringBootTest(classes = SpringBootEndToEndIT.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                // The starter's own rate limiter and API keys (the token verifier is the test's: its key
                // is generated per run), and what the web and security parts take from them.
                "infrakit.ratelimit.name=api", "infrakit.ratelimit.tiers=client,user,admin",
                "infrakit.ratelimit.tier.client.limits=40/1m", "infrakit.ratelimit.tier.user.limits=3/1m",
                "infrakit.ratelimit.tier.admin.limits=6/1m", "infrakit.ratelimit.default-tier=client",
                "infrakit.auth.api-keys.enabled=true", "infrakit.auth.api-keys.store=memory",
                "infrakit.web.trusted-proxies=1",
                "infrakit.web.address-rate-limit.tier=client",
                "infrakit.web.principal-rate-limit.default-tier=user",
                "infrakit.web.security.public-paths=/actuator/health,/actuator/health/**,/actuator/prometheus",
                "management.endpoints.web.exposure.include=health,prometheus",
                "management.endpoint.health.show-details=always",
                "management.endpoint.health.show-components=always",
                "management.endpoint.health.group.liveness.show-components=always",
                "management.endpoint.health.group.liveness.show-details=always",
                "management.endpoint.health.group.readiness.show-components=always",
                "management.endpoint.health.group.readiness.show-details=always",
                "management.endpoint.health.probes.enabled=true"})
class SpringBootEndToEndIT {
    static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "k1");
    static final TokenIssuer ISSUER = TokenIssuer.builder(KEY).issuer("svc").audience("api").build();
    /** Released when the tests end: the hanging check never returns before. */
    static final CountDownLatch HANG = new CountDownLatch(1);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    int port;
    @Autowired
    MemoryAuditLog audit;
    @Autowired
    ApiKeys apiKeys;

    @AfterAll
    static void releaseTheHangingCheck() {
        HANG.countDown();
    }

    @SpringBootApplication
    static class App {
        @Bean
        TokenVerifier tokenVerifier() {
            return TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api").build();
        }

        @Bean
        MemoryAuditLog auditLog() {
            return MemoryAuditLog.create();
        }

        @Bean
        HealthCheck processCheck() {
            return HealthCheck.of("process", () -> HealthResult.up().detail("threads", 1).build())
                    .groups(HealthCheck.LIVENESS).build();
        }

        @Bean
        HealthCheck databaseCheck() {
            return HealthCheck.of("database", () -> HealthResult.up().build()).groups(HealthCheck.READINESS).build();
        }

        @Bean
        HealthCheck hangingCheck() {
            return HealthCheck.of("remote:/hangs", () -> {
                HANG.await();
                return HealthResult.up().build();
            }).groups(HealthCheck.READINESS).timeout(Duration.ofMillis(300)).build();
        }

        @Bean
        Hello hello(MemoryAuditLog audit, SpringSecurityActor actor) {
            return new Hello(audit, actor);
        }
    }

    @RestController
    static class Hello {
        private final MemoryAuditLog audit;
        private final SpringSecurityActor actor;

        Hello(MemoryAuditLog audit, SpringSecurityActor actor) {
            this.audit = audit;
            this.actor = actor;
        }

        @GetMapping("/api/hello")
        String hello(Authentication authentication) {
            audit.record(AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, "hello.read").actor(actor.get())
                    .action("read").outcome(AuditEvent.Outcome.SUCCESS).build());
            return "hello " + authentication.getName();
        }
    }

    private HttpResponse<String> get(String path, String client, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).header("X-Forwarded-For", client);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String bearer(String subject, String... roles) {
        return "Bearer " + ISSUER.issue(subject, Set.of(roles));
    }

    @Test
    void aRequestWithoutCredentialsIs401ProblemWithTheSecurityHeaders() throws Exception {
        HttpResponse<String> response = get("/api/hello", "192.0.2.1");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.body()).contains("\"status\":401");
    }

    @Test
    void anInfrakitTokenIs200AndThePrincipalReachesTheControllerAndTheAuditRecord() throws Exception {
        HttpResponse<String> response = get("/api/hello", "192.0.2.2", "Authorization", bearer("carol"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello carol");
        assertThat(audit.events()).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("hello.read");
            assertThat(event.actor().id()).isEqualTo("carol");
            assertThat(event.actor().ip()).isEqualTo("192.0.2.2");
        });
    }

    @Test
    void aRefusedTokenIs401InvalidTokenAuditedWithoutTheToken() throws Exception {
        String token = ISSUER.issue("mallory", Set.of()) + "x";
        HttpResponse<String> response = get("/api/hello", "192.0.2.3", "Authorization", "Bearer " + token);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
        assertThat(response.body()).doesNotContain(token);
        assertThat(audit.events()).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("auth.invalid-token");
            assertThat(event.actor().ip()).isEqualTo("192.0.2.3");
            assertThat(event.toString()).doesNotContain(token);
        });
    }

    @Test
    void anApiKeyIs200AsItsPrincipalAndARefusedKeyIs401() throws Exception {
        String key = apiKeys.create("svc-reporting", Set.of("user"), "reports", Duration.ofDays(1)).key();
        HttpResponse<String> accepted = get("/api/hello", "192.0.2.4", "X-API-Key", key);
        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(accepted.body()).isEqualTo("hello svc-reporting");
        HttpResponse<String> refused = get("/api/hello", "192.0.2.4", "X-API-Key", key + "0");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        HttpResponse<String> both = get("/api/hello", "192.0.2.4", "X-API-Key", key, "Authorization", bearer("carol"));
        assertThat(both.statusCode()).isEqualTo(401);
    }

    @Test
    void aRefusedKeyOnAProtectedPathIs401InvalidTokenNamingTheKey() throws Exception {
        HttpResponse<String> refused = get("/api/hello", "192.0.2.40", "X-API-Key", "ik_not-a-key");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
        assertThat(refused.body()).contains("The credentials were not accepted (invalid API key).");
    }

    @Test
    void refusedKeysOnAPublicPathGoOnAnonymouslyAsInInfraWebButAreAuditedAndCharged() throws Exception {
        String key = apiKeys.create("svc-public", Set.of("user"), "public", Duration.ofDays(1)).key();
        int auditedBefore = audit.events().size();
        // infra-web's Authenticator: refused credentials on a path without a rule are anonymous.
        HttpResponse<String> ambiguous = get("/actuator/health/liveness", "198.51.100.70", "X-API-Key", key,
                "Authorization", bearer("erin"));
        assertThat(ambiguous.statusCode()).isEqualTo(200);
        assertThat(audit.events().subList(auditedBefore, audit.events().size()))
                .anySatisfy(event -> assertThat(event.type()).isEqualTo("auth.ambiguous-credentials"));
        for (int i = 0; i < 3; i++) {
            assertThat(get("/actuator/health/liveness", "198.51.100.70", "X-API-Key", "ik_wrong-" + i).statusCode())
                    .isEqualTo(200);
        }
        // Each refusal cost 10 of the address's 40 a minute: the first stage now refuses it, even a good key.
        assertThat(get("/api/hello", "198.51.100.70", "X-API-Key", key).statusCode()).isEqualTo(429);
        assertThat(get("/api/hello", "198.51.100.71", "X-API-Key", key).statusCode()).isEqualTo(200);
    }

    @Test
    void aRefusedBearerTokenOnAPublicPathIsStill401TheDocumentedDifference() throws Exception {
        // Spring's BearerTokenAuthenticationFilter ends the request on a refused token before the
        // authorization rules run (see the README): unlike infra-web, not anonymous.
        HttpResponse<String> refused = get("/actuator/health/liveness", "198.51.100.72", "Authorization", "Bearer not.a.token");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
    }

    @Test
    void hostileCredentialsAre401Or400NeverAnErrorAndNeverEchoed() throws Exception {
        String longToken = "eyJ" + "A".repeat(6000) + ".e30.c2ln";
        HttpResponse<String> token = get("/api/hello", "192.0.2.30", "Authorization", "Bearer " + longToken);
        assertThat(token.statusCode()).isEqualTo(401);
        assertThat(token.body()).doesNotContain("AAAAAAAAAA");
        String longKey = "ik_" + "x".repeat(6000);
        HttpResponse<String> key = get("/api/hello", "192.0.2.31", "X-API-Key", longKey);
        assertThat(key.statusCode()).isEqualTo(401);
        assertThat(key.body()).doesNotContain("xxxxxxxxxx");
        HttpResponse<String> twice = get("/api/hello", "192.0.2.32", "X-API-Key", "a", "X-API-Key", "b");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.body()).contains("X-API-Key");
        assertThat(audit.events()).noneSatisfy(event -> assertThat(event.toString()).contains("AAAAAAAAAA"));
    }

    @Test
    void thePrincipalStageKeysOnThePrincipalTwoUsersHaveSeparateBudgets() throws Exception {
        // Both from one address: only the principal tells them apart. "user" allows 3 a minute.
        String alice = bearer("alice");
        for (int i = 0; i < 3; i++) {
            assertThat(get("/api/hello", "198.51.100.1", "Authorization", alice).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = get("/api/hello", "198.51.100.1", "Authorization", alice);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).isPresent();
        assertThat(refused.headers().firstValue("RateLimit")).isPresent();
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        HttpResponse<String> bob = get("/api/hello", "198.51.100.1", "Authorization", bearer("bob"));
        assertThat(bob.statusCode()).isEqualTo(200);
        assertThat(bob.body()).isEqualTo("hello bob");
        // An admin is counted in the admin tier (6 a minute): a fourth request still passes.
        String root = bearer("root", "admin");
        for (int i = 0; i < 4; i++) {
            assertThat(get("/api/hello", "198.51.100.1", "Authorization", root).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void concurrentRequestsOfTwoUsersGetExactlyEachUsersBudget() throws Exception {
        // 10 requests of each user at once from one address: "user" allows 3 a minute, so exactly
        // 3 of each are admitted, whatever the interleaving.
        Map<String, String> tokens = Map.of("frank", bearer("frank"), "grace", bearer("grace"));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                for (Map.Entry<String, String> user : tokens.entrySet()) {
                    answers.add(pool.submit(() -> {
                        HttpResponse<String> response = get("/api/hello", "198.51.100.7", "Authorization", user.getValue());
                        return response.statusCode() + " " + user.getKey();
                    }));
                }
            }
            List<String> outcomes = new ArrayList<>();
            for (Future<String> answer : answers) {
                outcomes.add(answer.get(30, TimeUnit.SECONDS));
            }
            assertThat(outcomes).filteredOn(o -> o.equals("200 frank")).hasSize(3);
            assertThat(outcomes).filteredOn(o -> o.equals("200 grace")).hasSize(3);
            assertThat(outcomes).filteredOn(o -> o.startsWith("429 ")).hasSize(14);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusedCredentialsExhaustTheAddressBudgetSoTheFirstStageAnswers429BeforeAnyCheck() throws Exception {
        // 40 a minute per address, 1 per request and 10 per refused credential: after four
        // refusals (44) the address is refused before Spring Security sees the request.
        for (int i = 0; i < 4; i++) {
            assertThat(get("/api/hello", "203.0.113.9", "Authorization", "Bearer not.a.token").statusCode())
                    .isEqualTo(401);
        }
        int auditedBefore = audit.events().size();
        HttpResponse<String> refused = get("/api/hello", "203.0.113.9", "Authorization", bearer("dave"));
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit")).isPresent();
        assertThat(audit.events()).hasSize(auditedBefore);
        assertThat(get("/api/hello", "203.0.113.10", "Authorization", bearer("dave")).statusCode()).isEqualTo(200);
    }

    @Test
    void actuatorHealthShowsInfrakitsChecksAndTheProbeGroupsTheirOwn() throws Exception {
        HttpResponse<String> health = get("/actuator/health", "192.0.2.20");
        assertThat(health.body()).contains("\"infrakit\"", "\"process\"", "\"database\"", "\"remote:_hangs\"")
                .doesNotContain("infrakitLiveness", "infrakitReadiness");
        HttpResponse<String> liveness = get("/actuator/health/liveness", "192.0.2.20");
        assertThat(liveness.statusCode()).isEqualTo(200);
        assertThat(liveness.body()).contains("\"infrakitLiveness\"", "\"process\"", "\"threads\":1")
                .doesNotContain("\"database\"", "\"infrakit\"", "infrakitReadiness");
    }

    @Test
    void aHangingCheckAnswersDownWithinItsTimeoutAndTheEndpointDoesNotHang() throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> readiness = get("/actuator/health/readiness", "192.0.2.21");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(readiness.body()).contains("\"infrakitReadiness\"", "\"database\"", "\"remote:_hangs\"", "timed out")
                .doesNotContain("\"process\"");
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void prometheusShowsInfrakitsMeters() throws Exception {
        get("/api/hello", "192.0.2.22", "Authorization", bearer("erin"));
        HttpResponse<String> scrape = get("/actuator/prometheus", "192.0.2.22");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("infrakit_ratelimit", "infrakit_health");
        assertThat(List.of(scrape.body().split("\n"))).anyMatch(line -> line.startsWith("infrakit_ratelimit")
                && line.contains("limiter=\"api\""));
    }
}
