package dev.infrakit.web.servlet;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.SecurityHeaders;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AuthServletFilter} in a real embedded Jetty 12 (ee10), between two rate-limit stages, wired
 * as README shows (through {@code ServletContext.addFilter} in a listener), talked to over raw
 * sockets. One server for the class. The chain: security headers, the first stage (per client
 * address, tier {@code client}: 40 per hour; each refused credential charges 10 more),
 * authentication, the second stage (per principal, tiers {@code user} and {@code admin}: 3 per hour;
 * anonymous requests are not limited there), then a servlet that answers who the filter found. The
 * server trusts one proxy, so each test is its own client through {@code X-Forwarded-For}.
 */
class JettyAuthIT {
    private static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
    private static final TokenIssuer ISSUER = TokenIssuer.builder(KEY).issuer("svc").audience("api").build();
    private static final RecordingAuditSink AUDIT = new RecordingAuditSink();
    private static final ApiKeys API_KEYS = ApiKeys.builder(InMemoryApiKeyStore.create()).build();
    private static final AtomicLong SERVLET_CALLS = new AtomicLong();
    private static Server server;
    private static RawHttp http;

    @BeforeAll
    static void start() throws Exception {
        TokenVerifier verifier = TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api").build();
        RateLimiter limiter = RateLimiter.builder().tier(RateLimitPolicy.parse("client", "40/1h"))
                .tier(RateLimitPolicy.parse("user", "3/1h")).tier(RateLimitPolicy.parse("admin", "3/1h")).build();
        ClientAddress.Resolver clients = ClientAddress.resolver().trustedProxies(1).build();
        ApiKeys apiKeys = API_KEYS;
        RecordingAuditSink audit = AUDIT;
        server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.setRequestHeaderSize(128 * 1024); // so a 64 KiB credential reaches the filter
        ServerConnector connector = JettyServers.onLoopback(new ServerConnector(server, new HttpConnectionFactory(config)));
        ServletContextHandler context = new ServletContextHandler("/");
        context.addEventListener(new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent event) {
                ServletContext context = event.getServletContext();
                FilterRegistration.Dynamic headers =
                        context.addFilter("securityHeaders", SecurityHeadersServletFilter.defaults());
                headers.setAsyncSupported(true);
                headers.addMappingForUrlPatterns(SecurityHeadersServletFilter.DISPATCHER_TYPES, false, "/*");
                // README auth
                FilterRegistration.Dynamic perAddress = context.addFilter("perAddress",
                        RateLimitServletFilter.builder(limiter)
                                .keyResolver(RateLimitServletFilter.KeyResolver.clientAddress("client", clients)).build());
                perAddress.setAsyncSupported(true);
                perAddress.addMappingForUrlPatterns(RateLimitServletFilter.DISPATCHER_TYPES, true, "/api/*");
                FilterRegistration.Dynamic auth = context.addFilter("auth", AuthServletFilter.builder()
                        .tokens(verifier).apiKeys(apiKeys).auditSink(audit).clientAddresses(clients)
                        .chargeFailures(limiter, "client", 10)          // each refused credential takes 10 permits
                        .require("/api/admin/", "admin").requireAuthenticated("/api/private/")
                        .build());
                auth.setAsyncSupported(true);
                auth.addMappingForUrlPatterns(AuthServletFilter.DISPATCHER_TYPES, true, "/api/*");
                FilterRegistration.Dynamic perPrincipal = context.addFilter("perPrincipal",
                        RateLimitServletFilter.builder(limiter).keyResolver(request -> AuthServletFilter.principal(request)
                                .map(p -> new RateLimitKey(p.hasRole("admin") ? "admin" : "user", p.subject()))
                                .orElse(null)).build());                  // anonymous: the first stage only
                perPrincipal.setAsyncSupported(true);
                perPrincipal.addMappingForUrlPatterns(RateLimitServletFilter.DISPATCHER_TYPES, true, "/api/*");
                // END README
            }
        });
        ServletHolder who = new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                SERVLET_CALLS.incrementAndGet();
                String name = AuthServletFilter.principal(req).map(p -> p.subject() + " " + p.method() + " "
                        + p.roles()).orElse("anonymous");
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                resp.setContentType("text/plain;charset=utf-8");
                resp.setContentLength(body.length);
                resp.getOutputStream().write(body);
            }
        });
        who.setAsyncSupported(true);
        context.addServlet(who, "/api/*");
        http = new RawHttp(JettyServers.start(connector, context));
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    /** GET {@code path} as client {@code ip} (through the trusted proxy) with extra header lines. */
    private static RawHttp.Response get(String ip, String path, String... headerLines) throws IOException {
        StringBuilder head = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close"
                + "\r\nX-Forwarded-For: " + ip);
        for (String line : headerLines) {
            head.append("\r\n").append(line);
        }
        return http.send(head.toString());
    }

    private static List<AuditEvent> eventsOf(String ip) {
        return AUDIT.events.stream().filter(e -> ip.equals(e.actor().ip())).collect(Collectors.toList());
    }

    private static void assertProblem(RawHttp.Response response, int status) {
        assertEquals(status, response.status(), response.raw());
        assertEquals("application/problem+json", response.header("Content-Type"), response.raw());
        assertTrue(response.body().contains("\"status\":" + status), response.body());
        for (Map.Entry<String, String> h : SecurityHeaders.defaults().headers().entrySet()) {
            assertEquals(h.getValue(), response.header(h.getKey()), h.getKey() + " in\n" + response.raw());
        }
    }

    private static String forged(String token) {
        return token.substring(0, token.length() - 4) + "AAAA";
    }

    @Test
    void aTokenOrAnApiKeyBecomesThePrincipalTheServletSees() throws IOException {
        String ip = "192.0.2.1";
        assertEquals("alice JWT [user]", get(ip, "/api/open", "Authorization: Bearer "
                + ISSUER.issue("alice", Set.of("user"))).body());
        String key = API_KEYS.create("billing-service", Set.of("service"), "ci", null).key();
        RawHttp.Response service = get(ip, "/api/private/x", "X-API-Key: " + key);
        assertEquals(200, service.status(), service.raw());
        assertEquals("billing-service API_KEY [service]", service.body());
        assertEquals("anonymous", get(ip, "/api/open").body());
        assertEquals("anonymous", get(ip, "/api/open", "Authorization: Basic dXNlcjpwYXNz").body());
    }

    @Test
    void theSecondStageLimitsEachPrincipalTheFilterFound() throws IOException {
        String ip = "192.0.2.2";
        String carol = "Authorization: Bearer " + ISSUER.issue("carol", Set.of("user"));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get(ip, "/api/open", carol).status());
        }
        RawHttp.Response limited = get(ip, "/api/open", carol);
        assertProblem(limited, 429);
        assertTrue(limited.header("RateLimit-Policy").startsWith("\"user\""), limited.raw());
        assertEquals(200, get(ip, "/api/open", "Authorization: Bearer " + ISSUER.issue("dave", Set.of("user")))
                .status(), "another principal from the same address has its own budget");
        for (int i = 0; i < 4; i++) {
            assertEquals("anonymous", get(ip, "/api/open").body(), "anonymous requests have no second stage");
        }
    }

    @Test
    void aMissingInvalidOrExpiredTokenIs401ProblemWithWwwAuthenticate() throws IOException {
        String ip = "192.0.2.3";
        long before = SERVLET_CALLS.get();
        RawHttp.Response none = get(ip, "/api/private/x");
        assertProblem(none, 401);
        assertEquals("Bearer", none.header("WWW-Authenticate"));
        RawHttp.Response invalid = get(ip, "/api/private/x", "Authorization: Bearer not.a.token");
        assertProblem(invalid, 401);
        assertEquals("Bearer error=\"invalid_token\"", invalid.header("WWW-Authenticate"));
        assertTrue(invalid.body().contains("invalid token"), invalid.body());
        TokenIssuer past = TokenIssuer.builder(KEY).issuer("svc").audience("api").ttl(Duration.ofMinutes(15))
                .clock(Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC)).build();
        String expired = past.issue("alice", Set.of("user"));
        RawHttp.Response late = get(ip, "/api/private/x", "Authorization: Bearer " + expired);
        assertProblem(late, 401);
        assertEquals("Bearer error=\"invalid_token\"", late.header("WWW-Authenticate"));
        assertFalse(late.raw().contains(expired.substring(expired.length() - 20)), "the token is not echoed");
        assertEquals(before, SERVLET_CALLS.get(), "no refused request reached the servlet");
    }

    @Test
    void bothCredentialsAtOnceAreRefusedAndAHeaderGivenTwiceIs400() throws IOException {
        String ip = "192.0.2.4";
        String key = API_KEYS.create("ambiguous-service", Set.of("service"), "ci", null).key();
        String token = ISSUER.issue("alice", Set.of("admin"));
        RawHttp.Response both = get(ip, "/api/private/x", "Authorization: Bearer " + token, "X-API-Key: " + key);
        assertProblem(both, 401);
        assertTrue(both.body().contains("both a bearer token and an API key"), both.body());
        assertEquals("anonymous", get(ip, "/api/open", "Authorization: Bearer " + token, "X-API-Key: " + key).body());
        assertEquals(List.of("auth.ambiguous-credentials", "auth.ambiguous-credentials"),
                eventsOf(ip).stream().map(AuditEvent::type).collect(Collectors.toList()));
        RawHttp.Response twice = get(ip, "/api/open", "Authorization: Bearer " + token, "Authorization: Bearer x");
        assertProblem(twice, 400);
        assertTrue(twice.body().contains("Authorization header is given more than once"), twice.body());
        assertProblem(get(ip, "/api/open", "X-API-Key: " + key, "x-api-key: " + key), 400);
    }

    @Test
    void aRoleRuleAnswers403AndCannotBeDodgedByEncodingOrDotSegments() throws IOException {
        String ip = "192.0.2.5";
        String user = "Authorization: Bearer " + ISSUER.issue("bob", Set.of("user"));
        RawHttp.Response forbidden = get(ip, "/api/admin/users", user);
        assertProblem(forbidden, 403);
        assertTrue(forbidden.body().contains("[admin]"), forbidden.body());
        assertEquals("root JWT [admin]", get(ip, "/api/admin/users", "Authorization: Bearer "
                + ISSUER.issue("root", Set.of("admin"))).body());
        long before = SERVLET_CALLS.get();
        for (String dodge : new String[] {"/api/%61dmin/users", "/api/open/../admin/users", "/api/./admin/users"}) {
            RawHttp.Response response = get(ip, dodge, user);
            assertTrue(response.status() == 403 || response.status() == 400, dodge + ": " + response.raw());
        }
        assertEquals(before, SERVLET_CALLS.get());
    }

    @Test
    void hostileHeaderValuesAreRefusedNeverEchoedAndNever500() throws IOException {
        String ip = "192.0.2.6";
        long before = SERVLET_CALLS.get();
        RawHttp.Response nul = get(ip, "/api/private/x", "Authorization: Bearer a\u0000injected");
        assertTrue(nul.status() == 400 || nul.status() == 401, nul.raw());
        assertFalse(nul.raw().contains("\u0000") || nul.raw().contains("injected"), nul.raw());
        RawHttp.Response cr = get(ip, "/api/private/x", "X-API-Key: a\rSet-Cookie: injected=1");
        assertEquals(400, cr.status(), cr.raw());
        assertFalse(cr.raw().contains("injected"), cr.raw());
        RawHttp.Response folded = get(ip, "/api/private/x", "Authorization: Bearer a", " injected.folded.line");
        assertTrue(folded.status() == 400 || folded.status() == 401, folded.raw());
        assertFalse(folded.raw().contains("injected"), folded.raw());
        assertEquals(before, SERVLET_CALLS.get());

        String huge = "x".repeat(64 * 1024);
        RawHttp.Response hugeToken = get("192.0.2.60", "/api/private/x", "Authorization: Bearer " + huge);
        assertProblem(hugeToken, 401);
        assertEquals("Bearer error=\"invalid_token\"", hugeToken.header("WWW-Authenticate"));
        assertTrue(hugeToken.raw().length() < 4096, "the value is not echoed: " + hugeToken.raw().length() + " chars");
        RawHttp.Response hugeKey = get("192.0.2.61", "/api/private/x", "X-API-Key: " + huge);
        assertProblem(hugeKey, 401);
        assertTrue(hugeKey.raw().length() < 4096, "the value is not echoed");
        assertEquals("auth.invalid-token", eventsOf("192.0.2.60").get(0).type());
        assertFalse(AuditJson.defaults().toJson(eventsOf("192.0.2.60").get(0)).contains("x".repeat(100)));
    }

    @Test
    void afterFourRefusedCredentialsTheAddressIsRefused429BeforeAnyVerification() throws IOException {
        String ip = "198.51.100.9";
        String forged = forged(ISSUER.issue("mallory", Set.of("user")));
        // 40 permits; each refused request takes 1 at the first stage and 10 as its charge.
        for (int i = 0; i < 4; i++) {
            assertEquals("anonymous", get(ip, "/api/open", "Authorization: Bearer " + forged).body());
        }
        assertEquals(4, eventsOf(ip).size());
        long before = SERVLET_CALLS.get();
        RawHttp.Response refused = get(ip, "/api/open", "Authorization: Bearer " + forged);
        assertProblem(refused, 429);
        assertTrue(Long.parseLong(refused.header("Retry-After")) > 0, refused.raw());
        RawHttp.Response valid = get(ip, "/api/open", "Authorization: Bearer " + ISSUER.issue("m", Set.of("user")));
        assertProblem(valid, 429);
        assertEquals(4, eventsOf(ip).size(), "refused before verification: no further audit record");
        assertEquals(before, SERVLET_CALLS.get());
        assertEquals("anonymous", get("198.51.100.10", "/api/open").body(), "another address is not affected");
    }

    @Test
    void aRefusalIsAuditedWithTheClientAddressAndWithoutTheCredential() throws IOException {
        String ip = "2001:db8::7";
        String forged = forged(ISSUER.issue("alice", Set.of("user")));
        get(ip, "/api/open", "Authorization: Bearer " + forged, "User-Agent: curl/8");
        List<AuditEvent> events = eventsOf("2001:db8:0:0:0:0:0:7");
        assertEquals(1, events.size(), AUDIT.events.toString());
        AuditEvent event = events.get(0);
        assertEquals("auth.invalid-token", event.type());
        assertEquals(AuditEvent.Category.SECURITY, event.category());
        assertEquals(AuditEvent.Outcome.FAILURE, event.outcome());
        assertEquals("/api/open", event.request().get("path"));
        assertTrue(event.reason().orElseThrow().startsWith("BAD_SIGNATURE"), event.reason().orElseThrow());
        assertFalse(AuditJson.defaults().toJson(event).contains(forged.substring(forged.length() - 30)));
    }

    @Test
    void aRefusalWhoseAuditRecordIsRefusedIs503NeverAnonymous() throws IOException {
        String ip = "203.0.113.50";
        AUDIT.refuseWhen = e -> ip.equals(e.actor().ip());
        try {
            long before = SERVLET_CALLS.get();
            RawHttp.Response response = get(ip, "/api/open", "Authorization: Bearer not.a.token");
            assertProblem(response, 503);
            assertEquals("5", response.header("Retry-After"));
            assertTrue(response.body().contains("audit"), response.body());
            assertEquals(before, SERVLET_CALLS.get());
        } finally {
            AUDIT.refuseWhen = null;
        }
    }
}
