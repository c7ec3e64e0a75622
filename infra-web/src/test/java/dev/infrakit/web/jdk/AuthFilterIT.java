package dev.infrakit.web.jdk;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.NewApiKey;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JDK adapter of {@link dev.infrakit.web.Authenticator} in a real JDK HttpServer, called over HTTP. */
class AuthFilterIT {
    private static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
    private List<AuditEvent> events;
    private HttpServer server;
    private TokenIssuer issuer;
    private ApiKeys apiKeys;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        issuer = TokenIssuer.builder(KEY).issuer("svc").audience("api").build();
        TokenVerifier verifier = TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api").build();
        apiKeys = ApiKeys.builder(InMemoryApiKeyStore.create()).build();
        dev.infrakit.credentials.fixtures.RecordingAuditSink sink = new dev.infrakit.credentials.fixtures.RecordingAuditSink();
        events = sink.events;
        AuthFilter filter = AuthFilter.builder().tokens(verifier).apiKeys(apiKeys).auditSink(sink)
                .require("/api/admin/", "admin").requireAuthenticated("/api/private/").build();
        server = serve(filter, new java.util.concurrent.atomic.AtomicInteger());
    }

    /** A server whose handler answers who the filter found, counting the requests that reach it. */
    private static HttpServer serve(AuthFilter filter, java.util.concurrent.atomic.AtomicInteger reached)
            throws java.io.IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api", exchange -> {
            reached.incrementAndGet();
            String who = AuthFilter.principal(exchange).map(p -> p.subject() + " " + p.method() + " " + p.roles())
                    .orElse("anonymous");
            byte[] body = who.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }).getFilters().add(filter);
        server.start();
        return server;
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.getAddress().getPort() + path)).timeout(Duration.ofSeconds(5));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void tokensAndApiKeysBecomePrincipalsAndEverythingElseIsAnonymous() throws Exception {
        String token = issuer.issue("alice", Set.of("user"));
        assertEquals("anonymous", get("/api/open").body());
        assertEquals("alice JWT [user]", get("/api/open", "Authorization", "Bearer " + token).body());
        assertEquals("alice JWT [user]", get("/api/open", "Authorization", "bearer  " + token).body());
        NewApiKey key = apiKeys.create("billing-service", Set.of("service"), "ci", null);
        assertEquals("billing-service API_KEY [service]", get("/api/open", "X-API-Key", key.key()).body());
        assertEquals("anonymous", get("/api/open", "Authorization", "Basic dXNlcjpwYXNz").body());

        String forged = token.substring(0, token.length() - 4) + "AAAA";
        HttpResponse<String> invalid = get("/api/open", "Authorization", "Bearer " + forged, "User-Agent", "curl/8");
        assertEquals("anonymous", invalid.body(), "an invalid token makes the request anonymous");
        assertEquals(1, events.size());
        AuditEvent event = events.get(0);
        assertEquals("auth.invalid-token", event.type());
        assertEquals(AuditEvent.Category.SECURITY, event.category());
        assertEquals("127.0.0.1", event.actor().ip());
        assertTrue(event.reason().orElseThrow().startsWith("BAD_SIGNATURE"), event.reason().orElseThrow());
        assertFalse(AuditJson.defaults().toJson(event).contains(forged.substring(forged.length() - 30)),
                "the token is not in the event");

        assertEquals("anonymous", get("/api/open", "Authorization", "Bearer " + token, "X-API-Key", key.key()).body());
        assertEquals("auth.ambiguous-credentials", events.get(1).type());
    }

    @Test
    void protectedPathsAnswer401Or403() throws Exception {
        HttpResponse<String> none = get("/api/admin/users");
        assertEquals(401, none.statusCode());
        assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals("application/problem+json", none.headers().firstValue("Content-Type").orElseThrow());
        HttpResponse<String> badToken = get("/api/admin/users", "Authorization", "Bearer not.a.token");
        assertEquals(401, badToken.statusCode());
        assertEquals("Bearer error=\"invalid_token\"", badToken.headers().firstValue("WWW-Authenticate").orElseThrow());
        HttpResponse<String> user = get("/api/admin/users", "Authorization", "Bearer " + issuer.issue("bob",
                Set.of("user")));
        assertEquals(403, user.statusCode());
        assertTrue(user.body().contains("\"status\":403"), user.body());
        assertEquals(200, get("/api/admin/users", "Authorization", "Bearer " + issuer.issue("root", Set.of("admin")))
                .statusCode());
        assertEquals(401, get("/api/private/x").statusCode());
        for (String dodge : new String[] {"/api/open/../admin/users", "/api/./admin/users", "/api/%61dmin/users"}) {
            assertEquals(401, get(dodge).statusCode(), dodge);
        }
        assertEquals(200, get("/api/private/x", "Authorization", "Bearer " + issuer.issue("bob", Set.of())).statusCode());
    }

    @Test
    void aRefusalWhoseAuditEventIsRefusedEndsThe503AndNeverReachesTheHandler() throws Exception {
        dev.infrakit.credentials.fixtures.RecordingAuditSink refusing = new dev.infrakit.credentials.fixtures.RecordingAuditSink();
        ApiKeys audited = ApiKeys.builder(InMemoryApiKeyStore.create()).auditSink(refusing).build();
        NewApiKey key = audited.create("billing-service", Set.of("service"), "ci", null);
        TokenVerifier verifier = TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api").build();
        AuthFilter filter = AuthFilter.builder().tokens(verifier).apiKeys(audited).auditSink(refusing)
                .require("/api/admin/", "admin").build();
        java.util.concurrent.atomic.AtomicInteger reached = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer failing = serve(filter, reached);
        server.stop(0);
        server = failing;
        refusing.refuse = true;
        String token = issuer.issue("alice", Set.of("user"));
        String forged = token.substring(0, token.length() - 4) + "AAAA";
        String wrongKey = key.key().substring(0, key.key().length() - 5) + "AAAAA";
        List<String[]> refused = List.of(new String[] {"/api/open", "Authorization", "Bearer " + forged},
                new String[] {"/api/admin/users", "Authorization", "Bearer " + forged},
                new String[] {"/api/open", "X-API-Key", wrongKey},
                new String[] {"/api/open", "X-API-Key", "ik_garbage"},
                new String[] {"/api/open", "Authorization", "Bearer " + token, "X-API-Key", key.key()});
        for (String[] r : refused) {
            HttpResponse<String> response = get(r[0], java.util.Arrays.copyOfRange(r, 1, r.length));
            assertEquals(503, response.statusCode(), String.join(" ", r[0], r[1]) + ": " + response.body());
            assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("5", response.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(response.body().contains("audit"), response.body());
        }
        assertEquals(0, reached.get(), "no refused request went on, not even as anonymous");
        assertTrue(refusing.refused() >= refused.size());

        // Accepted credentials are not audited by the filter: they pass while the sink is down.
        assertEquals("alice JWT [user]", get("/api/open", "Authorization", "Bearer " + token).body());
        assertEquals("billing-service API_KEY [service]", get("/api/open", "X-API-Key", key.key()).body());
        refusing.refuse = false;
        assertEquals("anonymous", get("/api/open", "Authorization", "Bearer " + forged).body(),
                "with the sink back, an invalid token is recorded and the request goes on as anonymous");
        assertEquals("auth.invalid-token", refusing.events.get(refusing.events.size() - 1).type());
    }
}
