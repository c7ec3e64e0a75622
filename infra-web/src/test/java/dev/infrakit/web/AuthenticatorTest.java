package dev.infrakit.web;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.NewApiKey;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenRevocations;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.http.Problem;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.ForwardingCredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The neutral core on its own, through a plain {@link Authenticator.Request}: no server at all. */
class AuthenticatorTest {
    private static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
    private final TokenIssuer issuer = TokenIssuer.builder(KEY).issuer("svc").audience("api").build();
    private final TokenVerifier verifier = TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api")
            .build();
    private final ApiKeys apiKeys = ApiKeys.builder(InMemoryApiKeyStore.create()).build();
    private final RecordingAuditSink audit = new RecordingAuditSink();
    private final RateLimiter limiter = RateLimiter.builder().tier(RateLimitPolicy.parse("client", "5/1h")).build();
    private final Authenticator authenticator = Authenticator.builder().tokens(verifier).apiKeys(apiKeys)
            .auditSink(audit).chargeFailures(limiter, "client", 2).require("/api/admin/", "admin")
            .requireAuthenticated("/api/").build();

    /** A request as an adapter would describe it; header names matched case-insensitively. */
    private static final class Plain implements Authenticator.Request {
        final String path;
        final Map<String, List<String>> headers = new LinkedHashMap<>();

        Plain(String path, String... headers) {
            this.path = path;
            for (int i = 0; i < headers.length; i += 2) {
                this.headers.computeIfAbsent(headers[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(headers[i + 1]);
            }
        }

        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public List<String> headers(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        @Override
        public String clientAddress() {
            return "192.0.2.7";
        }

        @Override
        public String budgetKey() {
            return "192.0.2.7";
        }
    }

    private Authenticator.Outcome run(String path, String... headers) {
        return authenticator.authenticate(new Plain(path, headers));
    }

    private static int status(Authenticator.Outcome outcome) {
        return outcome.problem().map(Problem::status).orElse(200);
    }

    @Test
    void aValidTokenOrApiKeyGivesThePrincipalAndNoCredentialsGoOnAnonymously() {
        Authenticator.Outcome token = run("/api/x", "Authorization", "Bearer " + issuer.issue("alice", Set.of("user")));
        assertEquals("alice", token.principal().orElseThrow().subject());
        assertTrue(token.problem().isEmpty());
        assertTrue(token.headers().isEmpty());
        NewApiKey key = apiKeys.create("billing", Set.of("service"), "ci", null);
        assertEquals("billing", run("/api/x", "x-api-key", key.key()).principal().orElseThrow().subject());
        Authenticator.Outcome open = run("/open", "Authorization", "Basic dXNlcjpwYXNz");
        assertTrue(open.principal().isEmpty());
        assertTrue(open.problem().isEmpty());
    }

    @Test
    void rulesAnswer401WithWwwAuthenticateOr403AndTheLongestPrefixWins() {
        Authenticator.Outcome none = run("/api/x");
        assertEquals(401, status(none));
        assertEquals(Map.of("WWW-Authenticate", "Bearer"), none.headers());
        Authenticator.Outcome invalid = run("/api/x", "Authorization", "Bearer not.a.token");
        assertEquals(401, status(invalid));
        assertEquals("Bearer error=\"invalid_token\"", invalid.headers().get("WWW-Authenticate"));
        String user = issuer.issue("bob", Set.of("user"));
        assertEquals(200, status(run("/api/x", "Authorization", "Bearer " + user)));
        Authenticator.Outcome forbidden = run("/api/admin/users", "Authorization", "Bearer " + user);
        assertEquals(403, status(forbidden));
        assertTrue(forbidden.problem().orElseThrow().toJson().contains("[admin]"), forbidden.problem().toString());
        assertEquals(200, status(run("/api/admin/users", "Authorization", "Bearer "
                + issuer.issue("root", Set.of("admin")))));
    }

    @Test
    void aCredentialHeaderGivenTwiceIs400NamingTheHeader() {
        String token = "Bearer " + issuer.issue("alice", Set.of("user"));
        Authenticator.Outcome twice = run("/open", "Authorization", token, "authorization", token);
        assertEquals(400, status(twice));
        assertTrue(twice.problem().orElseThrow().toJson().contains("Authorization header is given more than once"));
        assertFalse(twice.problem().orElseThrow().toJson().contains(token.substring(7)), "the token is not echoed");
        assertEquals(400, status(run("/open", "X-API-Key", "a", "X-API-Key", "b")));
    }

    @Test
    void refusedCredentialsAreAuditedWithoutTheCredentialAndChargedToTheClientsBudget() {
        String forged = issuer.issue("alice", Set.of("user"));
        forged = forged.substring(0, forged.length() - 4) + "AAAA";
        assertTrue(run("/open", "Authorization", "Bearer " + forged, "User-Agent", "curl/8").principal().isEmpty());
        AuditEvent event = audit.events.get(0);
        assertEquals("auth.invalid-token", event.type());
        assertEquals("192.0.2.7", event.actor().ip());
        assertEquals("/open", event.request().get("path"));
        assertFalse(AuditJson.defaults().toJson(event).contains(forged.substring(forged.length() - 30)));

        NewApiKey key = apiKeys.create("billing", Set.of("service"), "ci", null);
        assertEquals(401, status(run("/api/x", "Authorization", "Bearer " + issuer.issue("a", Set.of()),
                "X-API-Key", key.key())), "both credentials at once: ambiguous, refused");
        assertEquals("auth.ambiguous-credentials", audit.events.get(1).type());
        // 5 permits, 2 per failure: two failures leave 1, and the third takes that last one.
        assertTrue(run("/open", "X-API-Key", "ik_garbage").principal().isEmpty());
        assertFalse(limiter.tryAcquire("client", "192.0.2.7", 1), "three failures emptied the bucket");
        assertTrue(limiter.tryAcquire("client", "192.0.2.8", 1), "another client's budget is untouched");
    }

    @Test
    void hostileValuesAreInvalidCredentialsNeverErrors() {
        for (String value : new String[] {"Bearer a\u0000b", "Bearer " + "x".repeat(64 * 1024), "Bearer \u0001\u007f",
                "Bearer a.b.c.d.e", "Bearer ...", "Bearer éé"}) {
            Authenticator.Outcome outcome = run("/api/x", "Authorization", value);
            assertEquals(401, status(outcome), value.length() > 40 ? "64 KiB token" : value);
            assertEquals("Bearer error=\"invalid_token\"", outcome.headers().get("WWW-Authenticate"));
        }
        for (String value : new String[] {"ik_\u0000", "x".repeat(64 * 1024), "\r\n"}) {
            assertEquals(401, status(run("/api/x", "X-API-Key", value)));
        }
        assertEquals(200, status(run("/api/x", "Authorization", "Bearer   " + issuer.issue("a", Set.of()) + "  ")),
                "blanks around the token are not part of it");
        assertEquals(401, status(run("/api/x", "Authorization", "Bearer")), "a scheme without a token is no token");
    }

    @Test
    void aRefusedAuditEventOrUnreadableRevocationsAre503WithRetryAfterNeverAnonymous() {
        audit.refuse = true;
        Authenticator.Outcome refused = run("/open", "Authorization", "Bearer not.a.token");
        assertEquals(503, status(refused));
        assertEquals(Map.of("Retry-After", "5"), refused.headers());
        assertTrue(refused.principal().isEmpty());
        assertTrue(refused.problem().orElseThrow().toJson().contains("audit"));

        InMemoryCredentialStore store = InMemoryCredentialStore.builder().build();
        TokenRevocations healthy = TokenRevocations.builder(store).build();
        String token = issuer.issue("alice", Set.of("user"), healthy.claims("alice"), Duration.ofMinutes(5));
        Authenticator down = Authenticator.builder().tokens(TokenVerifier.builder(KEY.verificationKey()).issuer("svc")
                .audience("api").revocations(TokenRevocations.builder(new Down(store)).build()).build()).build();
        Authenticator.Outcome unavailable = down.authenticate(new Plain("/open", "Authorization", "Bearer " + token));
        assertEquals(503, status(unavailable));
        assertEquals("5", unavailable.headers().get("Retry-After"));
        assertTrue(unavailable.principal().isEmpty());
    }

    @Test
    void theBuilderRefusesWhatCannotWork() {
        assertThrows(IllegalStateException.class, () -> Authenticator.builder().build());
        assertThrows(IllegalArgumentException.class, () -> Authenticator.builder().require("/a/"));
        assertThrows(IllegalStateException.class, () -> Authenticator.builder().require("/a/", "x")
                .requireAuthenticated("/a/"));
        IllegalArgumentException tier = assertThrows(IllegalArgumentException.class,
                () -> Authenticator.builder().chargeFailures(limiter, "nope", 1));
        assertTrue(tier.getMessage().contains("'nope'"), tier.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Authenticator.builder().chargeFailures(limiter, "client", 0));
        assertEquals("Infrakit authentication (bearer tokens, API keys)", authenticator.description());
        assertEquals(Optional.empty(), run("/open").principal());
    }

    /** A credential store that cannot be read. */
    private static final class Down extends ForwardingCredentialStore {
        Down(CredentialStore delegate) {
            super(delegate);
        }

        @Override
        public Secret get(String name) {
            throw new CredentialException("the database is down");
        }

        @Override
        public Optional<CredentialMetadata> metadata(String name) {
            throw new CredentialException("the database is down");
        }

        @Override
        public List<CredentialMetadata> list(String prefix) {
            throw new CredentialException("the database is down");
        }
    }
}
