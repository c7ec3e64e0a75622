package dev.infrakit.web.tomcat;

import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.ratelimit.SlowDown;
import dev.infrakit.web.servlet.AuthServletFilter;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import dev.infrakit.web.servlet.RawHttp;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static dev.infrakit.web.servlet.FilterAssertions.assertProblem;
import static dev.infrakit.web.servlet.FilterAssertions.assertSecurityHeaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AuthServletFilter} in a real embedded Tomcat 11, after the security-header filter and a
 * slow-down filter (which delays {@code /api/private/slow/} only), over raw sockets:
 * {@code /api/admin/} needs the {@code admin} role, {@code /api/private/} any principal,
 * {@code /api/open} none. The servlet answers who the filter found.
 */
class TomcatAuthIT {
    private static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
    private static final TokenIssuer ISSUER = TokenIssuer.builder(KEY).issuer("svc").audience("api").build();
    private static final ApiKeys API_KEYS = ApiKeys.builder(InMemoryApiKeyStore.create()).build();
    private static final RecordingAuditSink AUDIT = new RecordingAuditSink();
    private static final AtomicLong SERVLET_CALLS = new AtomicLong();
    private static EmbeddedTomcat tomcat;
    private static RawHttp http;

    @BeforeAll
    static void start() throws Exception {
        TokenVerifier verifier = TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api").build();
        RateLimiter limiter = RateLimiter.builder().tier(RateLimitPolicy.parse("pause", "1000/1h")
                .withSlowDown(SlowDown.after(0, Duration.ofMillis(100), Duration.ofMillis(100)))).build();
        tomcat = EmbeddedTomcat.start(8, (classes, context) -> {
            FilterRegistration.Dynamic headers =
                    context.addFilter("securityHeaders", SecurityHeadersServletFilter.defaults());
            headers.setAsyncSupported(true);
            headers.addMappingForUrlPatterns(SecurityHeadersServletFilter.DISPATCHER_TYPES, false, "/*");
            // Delays /api/private/slow/ 100 ms: such a request reaches authentication on the async dispatch.
            FilterRegistration.Dynamic slowDown = context.addFilter("slowDown", RateLimitServletFilter.builder(limiter)
                    .keyResolver(request -> request.getRequestURI().startsWith("/api/private/slow/")
                            ? new RateLimitKey("pause", "everyone") : null).build());
            slowDown.setAsyncSupported(true);
            slowDown.addMappingForUrlPatterns(RateLimitServletFilter.DISPATCHER_TYPES, true, "/*");
            FilterRegistration.Dynamic auth = context.addFilter("auth", AuthServletFilter.builder()
                    .tokens(verifier).apiKeys(API_KEYS).auditSink(AUDIT)
                    .require("/api/admin/", "admin").requireAuthenticated("/api/private/").build());
            auth.setAsyncSupported(true);
            auth.addMappingForUrlPatterns(AuthServletFilter.DISPATCHER_TYPES, true, "/*");
            ServletRegistration.Dynamic who = context.addServlet("who", new HttpServlet() {
                @Override
                protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    SERVLET_CALLS.incrementAndGet();
                    String name = AuthServletFilter.principal(req)
                            .map(p -> p.subject() + " " + p.method() + " " + p.roles()).orElse("anonymous");
                    byte[] body = name.getBytes(StandardCharsets.UTF_8);
                    resp.setContentType("text/plain;charset=utf-8");
                    resp.setHeader("X-Dispatch", req.getDispatcherType().name());
                    resp.setContentLength(body.length);
                    resp.getOutputStream().write(body);
                }
            });
            who.setAsyncSupported(true);
            who.addMapping("/api/*");
        });
        http = new RawHttp(tomcat.port());
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
    }

    private static RawHttp.Response get(String path, String... headerLines) throws IOException {
        return http.send(RawHttp.get(path) + (headerLines.length == 0 ? "" : "\r\n" + String.join("\r\n", headerLines)));
    }

    private static String bearer(String subject, String role) {
        return "Authorization: Bearer " + ISSUER.issue(subject, Set.of(role));
    }

    @Test
    void aTokenOrAnApiKeyBecomesThePrincipalTheServletSees() throws IOException {
        RawHttp.Response token = get("/api/private/x", bearer("alice", "user"));
        assertEquals(200, token.status(), token.raw());
        assertEquals("alice JWT [user]", token.body());
        assertSecurityHeaders(token);
        String key = API_KEYS.create("billing-service", Set.of("service"), "ci", null).key();
        assertEquals("billing-service API_KEY [service]", get("/api/private/x", "X-API-Key: " + key).body());
        assertEquals("anonymous", get("/api/open").body());
    }

    @Test
    void aRequestResumedAfterASlowDownIsAuthenticatedOnItsAsyncDispatch() throws IOException {
        RawHttp.Response token = get("/api/private/slow/x", bearer("erin", "user"));
        assertEquals(200, token.status(), token.raw());
        assertEquals("erin JWT [user]", token.body());
        assertEquals("ASYNC", token.header("X-Dispatch"), token.raw());
        assertSecurityHeaders(token);
        long before = SERVLET_CALLS.get();
        RawHttp.Response none = get("/api/private/slow/x");
        assertProblem(none, 401, "");
        assertEquals("Bearer", none.header("WWW-Authenticate"), none.raw());
        assertEquals(before, SERVLET_CALLS.get());
    }

    @Test
    void aMissingInvalidOrExpiredTokenIs401ProblemWithWwwAuthenticateAndNeverReachesTheServlet()
            throws IOException {
        long before = SERVLET_CALLS.get();
        RawHttp.Response none = get("/api/private/x");
        assertProblem(none, 401, "");
        assertEquals("Bearer", none.header("WWW-Authenticate"), none.raw());
        RawHttp.Response invalid = get("/api/private/x", "Authorization: Bearer not.a.token");
        assertProblem(invalid, 401, "invalid token");
        assertEquals("Bearer error=\"invalid_token\"", invalid.header("WWW-Authenticate"), invalid.raw());
        String expired = TokenIssuer.builder(KEY).issuer("svc").audience("api").ttl(Duration.ofMinutes(15))
                .clock(Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC)).build()
                .issue("alice", Set.of("user"));
        RawHttp.Response late = get("/api/private/x", "Authorization: Bearer " + expired);
        assertProblem(late, 401, "");
        assertFalse(late.raw().contains(expired.substring(expired.length() - 20)), "the token is not echoed");
        assertEquals(before, SERVLET_CALLS.get());
    }

    @Test
    void aRoleRuleIs403AndTomcatsPathDecodingCannotDodgeIt() throws IOException {
        String user = bearer("bob", "user");
        assertProblem(get("/api/admin/users", user), 403, "[admin]");
        assertEquals("root JWT [admin]", get("/api/admin/users", bearer("root", "admin")).body());
        long before = SERVLET_CALLS.get();
        // Tomcat decodes %61 and %2e, resolves dot segments, merges slashes and drops ;path
        // parameters before mapping: each of these is /api/admin/users to the servlet, so it is to
        // the rule too.
        for (String dodge : new String[] {"/api/%61dmin/users", "/api/open/../admin/users", "/api/./admin/users",
                "/api//admin/users", "/api;x=1/admin/users", "/api/admin;jsessionid=1/users",
                "/api/open/%2e%2e/admin/users"}) {
            assertProblem(get(dodge, user), 403, "[admin]");
        }
        // An encoded slash Tomcat refuses itself (encodedSolidusHandling: reject).
        RawHttp.Response slash = get("/api%2fadmin/users", user);
        assertEquals(400, slash.status(), slash.raw());
        assertEquals(before, SERVLET_CALLS.get());
    }

    @Test
    void hostileCredentialsAreRefusedNeverEchoedAndNever500() throws IOException {
        long before = SERVLET_CALLS.get();
        RawHttp.Response nul = get("/api/private/x", "Authorization: Bearer a\u0000injected");
        assertEquals(400, nul.status(), nul.raw());
        assertFalse(nul.raw().contains("\u0000") || nul.raw().contains("injected"), nul.raw());
        RawHttp.Response twice = get("/api/private/x", bearer("alice", "user"), "Authorization: Bearer x");
        assertProblem(twice, 400, "Authorization header is given more than once");
        // Over Tomcat's 8 KiB header limit: Tomcat itself answers 400 before any filter runs.
        String huge = "x".repeat(64 * 1024);
        RawHttp.Response hugeToken = get("/api/private/x", "Authorization: Bearer " + huge);
        assertEquals(400, hugeToken.status(), hugeToken.raw());
        assertFalse(hugeToken.raw().contains("x".repeat(100)), "the value is not echoed");
        RawHttp.Response bigToken = get("/api/private/x", "Authorization: Bearer " + "x".repeat(6 * 1024));
        assertProblem(bigToken, 401, "");
        assertFalse(bigToken.raw().contains("x".repeat(100)), "the value is not echoed");
        assertEquals(before, SERVLET_CALLS.get());
    }
}
