package dev.infrakit.examples;

import dev.infrakit.audit.AuditLog;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.RouteTemplates;
import dev.infrakit.web.SecurityHeaders;
import dev.infrakit.web.servlet.AuthServletFilter;
import dev.infrakit.web.servlet.BodyLimitServletFilter;
import dev.infrakit.web.servlet.HealthServlet;
import dev.infrakit.web.servlet.HttpMetricsServletFilter;
import dev.infrakit.web.servlet.ProblemResponses;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * The service's HTTP side, wired from infra-web's servlet filters on a {@link DemoServer}:
 *
 * <ul>
 *   <li>every answer: the security headers (without HSTS: the demo speaks plain http);</li>
 *   <li>{@code /api/*}: request metrics, the body limit, a first cheap rate limit per client address
 *       (before authentication; each refused credential takes {@link DemoService#AUTH_FAILURE_COST}
 *       more permits from it), authentication, then the principal's tier (slow-down through async
 *       dispatch, no thread held), then the {@link ApiServlet}'s routes;</li>
 *   <li>{@code /health/*}, {@code /metrics}, {@code /admin/*}, {@code /.well-known/jwks.json}: public,
 *       not rate limited.</li>
 * </ul>
 */
final class DemoWeb {
    private static final EnumSet<DispatcherType> REQUEST = EnumSet.of(DispatcherType.REQUEST);

    private final DemoService.Settings settings;
    private final ClientAddress.Resolver clients;
    private final PrometheusMeterRegistry metrics;
    private final RateLimiter limiter;
    private final ScheduledExecutorService delays;
    private final AuditSink audit;

    DemoWeb(DemoService.Settings settings, ClientAddress.Resolver clients, PrometheusMeterRegistry metrics,
            RateLimiter limiter, ScheduledExecutorService delays, AuditSink audit) {
        this.settings = settings;
        this.clients = clients;
        this.metrics = metrics;
        this.limiter = limiter;
        this.delays = delays;
        this.audit = audit;
    }

    /** The library's meters and the process's: JVM memory and threads, CPU, uptime, the data directory's disk. */
    static void bindMetrics(PrometheusMeterRegistry metrics, CachingCredentialStore cached, AuditLog auditLog,
            RateLimiter limiter, Path dataDir) {
        new dev.infrakit.credentials.CredentialMetrics(cached).bindTo(metrics);
        auditLog.metrics().ifPresent(binder -> binder.bindTo(metrics));
        new dev.infrakit.ratelimit.RateLimitMetrics(limiter).bindTo(metrics);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.system.DiskSpaceMetrics(dataDir.toFile()).bindTo(metrics);
    }

    /** Who the client is: one rule for audit records, rate limits and login budgets. */
    ClientAddress client(HttpServletRequest request) {
        InetAddress peer;
        try {
            peer = ClientAddress.parse(request.getRemoteAddr()).address();
        } catch (IllegalArgumentException e) { // not an IP literal (a Unix socket)
            peer = null;
        }
        return clients.resolve(peer, Collections.list(request.getHeaders("X-Forwarded-For")));
    }

    /** The server with every route mapped, not yet started. */
    DemoServer server(ApiServlet.RouteTable routes, HealthRegistry health, TokenVerifier verifier, ApiKeys apiKeys,
            Function<Principal, RateLimitKey> principalKey, JwksServlet jwks) {
        SecurityHeaders headers = SecurityHeaders.builder().without("Strict-Transport-Security").build();
        ProblemResponses problems = ProblemResponses.with(headers);
        DemoServer server = new DemoServer(settings.limits(), headers);
        // Outermost on /api/*: every request timed, those the filters after it refuse included; the
        // uri tag is the route table's template or OTHER, never the path a client sent.
        server.filter("/api/*", HttpMetricsServletFilter.builder(metrics)
                        .routes(RouteTemplates.of(routes.templates().toArray(new String[0]))).build(),
                        HttpMetricsServletFilter.DISPATCHER_TYPES)
                .filter("/api/*", BodyLimitServletFilter.of(BodyLimit.of(settings.maxBody), problems),
                        BodyLimitServletFilter.DISPATCHER_TYPES)
                // Two stages: a cheap limit per client address before authentication, which refused
                // credentials also drain, so a client that keeps failing is refused before any
                // signature check or audit record; then the principal's tier after it.
                .filter("/api/*", RateLimitServletFilter.builder(limiter).problems(problems)
                        .keyResolver(RateLimitServletFilter.KeyResolver.clientAddress(DemoService.CLIENT_TIER, clients))
                        .build(), REQUEST)
                .filter("/api/*", AuthServletFilter.builder().tokens(verifier).apiKeys(apiKeys).auditSink(audit)
                        .clientAddresses(clients).problems(problems)
                        .chargeFailures(limiter, DemoService.CLIENT_TIER, DemoService.AUTH_FAILURE_COST).build(),
                        AuthServletFilter.DISPATCHER_TYPES)
                .filter("/api/*", RateLimitServletFilter.builder(limiter).problems(problems).delayScheduler(delays)
                        .keyResolver(request -> AuthServletFilter.principal(request).map(principalKey)
                                .orElseGet(() -> new RateLimitKey("anonymous", client(request).budgetKey())))
                        .build(), RateLimitServletFilter.DISPATCHER_TYPES)
                .servlet("/api/*", new ApiServlet(routes, this::client, new AuditedChanges(audit)))
                .servlet("/health/*", HealthServlet.of(health, problems))
                .servlet("/metrics", new MetricsServlet(metrics))
                // The admin page's static files are public: no auth or rate limit, like /health.
                .servlet("/admin/*", new AdminAssets())
                // The public keys verifying our tokens, for any JWT library (public, like /health).
                .servlet("/.well-known/jwks.json", jwks);
        return server;
    }

    /** {@code GET /metrics}: the registry in Prometheus text format. */
    private static final class MetricsServlet extends ReadOnlyServlet {
        private static final long serialVersionUID = 1L;
        private final transient PrometheusMeterRegistry metrics;

        MetricsServlet(PrometheusMeterRegistry metrics) {
            this.metrics = metrics;
        }

        @Override
        protected void read(HttpServletRequest request, HttpServletResponse response, boolean head) throws IOException {
            ok(response, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8),
                    head);
        }
    }
}
