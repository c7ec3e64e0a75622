package dev.infrakit.web.jdk;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.RateLimitFilter;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The wiring a service uses: the auth filter first, then the rate-limit filter whose key resolver
 * reads the principal, so each subject gets its tier's limit (admins by role, API-key services as
 * their subject, anonymous callers by address).
 */
class AuthRateLimitIT {

    @Test
    void thePrincipalPicksTheTierAndTheSubject() throws Exception {
        SigningKey key = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
        TokenIssuer issuer = TokenIssuer.builder(key).issuer("svc").audience("api").build();
        ApiKeys apiKeys = ApiKeys.builder(InMemoryApiKeyStore.create()).build();
        AuthFilter auth = AuthFilter.builder().tokens(TokenVerifier.builder(key.verificationKey()).issuer("svc")
                .audience("api").build()).apiKeys(apiKeys).build();
        RateLimiter limiter = RateLimiter.builder().tier(RateLimitPolicy.parse("anonymous", "2/15m"))
                .tier(RateLimitPolicy.parse("user", "4/15m")).tier(RateLimitPolicy.parse("admin", "6/15m")).build();
        RateLimitFilter limit = RateLimitFilter.builder(limiter).keyResolver(exchange -> AuthFilter.principal(exchange)
                .map(p -> new RateLimitKey(p.hasRole("admin") ? "admin" : "user", p.subject()))
                .orElseGet(() -> new RateLimitKey("anonymous", ClientAddress.of(exchange.getRemoteAddress().getAddress()).budgetKey())))
                .build();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        var context = server.createContext("/api", exchange -> {
            exchange.sendResponseHeaders(200, 2);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("ok".getBytes());
            }
        });
        context.getFilters().add(auth);
        context.getFilters().add(limit);
        server.start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            String alice = issuer.issue("alice", Set.of("user"));
            String root = issuer.issue("root", Set.of("admin"));
            String service = apiKeys.create("billing-service", Set.of("service"), "ci", null).key();
            assertEquals(List.of(200, 200, 429), statuses(client, server, 3));
            assertEquals(List.of(200, 200, 200, 200, 429), statuses(client, server, 5, "Authorization", "Bearer " + alice));
            assertEquals(List.of(200, 200, 200, 200, 200, 200, 429), statuses(client, server, 7, "Authorization",
                    "Bearer " + root));
            assertEquals(List.of(200, 200, 200, 200, 429), statuses(client, server, 5, "X-API-Key", service),
                    "an API key's subject has its own budget in its tier");
        } finally {
            server.stop(0);
        }
    }

    private static List<Integer> statuses(HttpClient client, HttpServer server, int n, String... headers)
            throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.getAddress().getPort() + "/api/x"));
            if (headers.length > 0) {
                request.headers(headers);
            }
            statuses.add(client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        return statuses;
    }
}
