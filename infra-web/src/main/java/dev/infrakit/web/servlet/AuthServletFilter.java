package dev.infrakit.web.servlet;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.Problem;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.Authenticator;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Authenticates Servlet requests through the neutral {@link Authenticator}: {@code Authorization:
 * Bearer <jwt>} (a {@link TokenVerifier}) and {@code X-API-Key: <key>} ({@link ApiKeys}). The
 * {@link Principal} found is kept as a request attribute ({@link #principal(HttpServletRequest)})
 * for the servlets and for a later {@link RateLimitServletFilter} whose key resolver limits each
 * principal (the second rate-limit stage):
 *
 * <pre>{@code
 * FilterRegistration.Dynamic auth = context.addFilter("auth", AuthServletFilter.builder()
 *         .tokens(verifier).apiKeys(apiKeys).auditSink(audit)
 *         .require("/api/admin/", "admin").requireAuthenticated("/api/")
 *         .chargeFailures(limiter, "client", 10)   // the first stage: a per-address filter before this one
 *         .build());
 * auth.setAsyncSupported(true);
 * auth.addMappingForUrlPatterns(AuthServletFilter.DISPATCHER_TYPES, true, "/*");
 * }</pre>
 *
 * <p>What is refused, answered and audited is {@link Authenticator}'s rule; refusals (400, 401 with
 * {@code WWW-Authenticate}, 403, 503 with {@code Retry-After}) are written by {@link ProblemResponses}
 * ({@code application/problem+json} with the security headers) and never reach the servlet. Role
 * rules match the path within the application as the container mapped it (servlet path plus path
 * info: decoded and normalised, so {@code /api/%61dmin/} or {@code /api/x/../admin/} meet the
 * {@code /api/admin/} rule). The client address (audit events, API-key records, the failure
 * charge) comes from {@code getRemoteAddr()} and {@code X-Forwarded-For} through
 * {@link Builder#clientAddresses}, as {@link RateLimitServletFilter.KeyResolver#clientAddress}
 * reads it.
 *
 * <p>Map it for {@link #DISPATCHER_TYPES} ({@code REQUEST} and {@code ASYNC}) and async-supported:
 * when a rate-limit filter before it delays a request, the request reaches this filter on the
 * {@code ASYNC} dispatch. It authenticates each request once; a later dispatch of the same request
 * passes with the principal already found. Thread-safe.
 */
public final class AuthServletFilter implements Filter {
    /** The dispatches this filter should be mapped for: {@code REQUEST} and {@code ASYNC}. */
    public static final EnumSet<DispatcherType> DISPATCHER_TYPES = EnumSet.of(DispatcherType.REQUEST,
            DispatcherType.ASYNC);

    private static final String PRINCIPAL = AuthServletFilter.class.getName() + ".principal";
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final Authenticator authenticator;
    private final ClientAddress.Resolver clients;
    private final ProblemResponses problems;
    /** The request attribute marking a request this filter has authenticated. */
    private final String done = AuthServletFilter.class.getName() + ".done." + INSTANCES.incrementAndGet();

    private AuthServletFilter(Builder b) {
        this.authenticator = b.core.build();
        this.clients = b.clients != null ? b.clients : ClientAddress.resolver().build();
        this.problems = b.problems != null ? b.problems : ProblemResponses.defaults();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The principal an {@code AuthServletFilter} found for {@code request}, if it was authenticated.
     *
     * @throws NullPointerException if {@code request} is null
     */
    public static Optional<Principal> principal(HttpServletRequest request) {
        Object principal = Objects.requireNonNull(request, "request").getAttribute(PRINCIPAL);
        return principal instanceof Principal ? Optional.of((Principal) principal) : Optional.empty();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)
                || request.getAttribute(done) != null) {
            chain.doFilter(request, response);
            return;
        }
        request.setAttribute(done, Boolean.TRUE);
        HttpServletRequest http = (HttpServletRequest) request;
        Authenticator.Outcome outcome = authenticator.authenticate(new Authenticator.Request() {
            private ClientAddress client;

            @Override
            public String method() {
                return http.getMethod();
            }

            @Override
            public String path() {
                String servletPath = http.getServletPath();
                String info = http.getPathInfo();
                return (servletPath == null ? "" : servletPath) + (info == null ? "" : info);
            }

            @Override
            public List<String> headers(String name) {
                return Collections.list(http.getHeaders(name));
            }

            @Override
            public String clientAddress() {
                return client().text();
            }

            @Override
            public String budgetKey() {
                return client().budgetKey();
            }

            private ClientAddress client() {
                if (client == null) {
                    client = ServletClients.resolve(clients, http);
                }
                return client;
            }
        });
        outcome.principal().ifPresent(p -> request.setAttribute(PRINCIPAL, p));
        Optional<Problem> problem = outcome.problem();
        if (problem.isPresent()) {
            problems.send((HttpServletResponse) response, problem.get().status(), problem.get().toJson(), false,
                    outcome.headers()::forEach);
            return;
        }
        chain.doFilter(request, response);
    }

    @Override
    public String toString() {
        return "AuthServletFilter[" + authenticator.description() + "]";
    }

    /**
     * Builds an {@link AuthServletFilter}. Rules are added; every other setting may be given once: a
     * second call throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final Authenticator.Builder core = Authenticator.builder();
        private ClientAddress.Resolver clients;
        private ProblemResponses problems;

        private Builder() {
        }

        /**
         * Verifies {@code Authorization: Bearer} tokens.
         *
         * @throws IllegalStateException if already set
         * @throws NullPointerException if {@code tokens} is null
         */
        public Builder tokens(TokenVerifier tokens) {
            core.tokens(tokens);
            return this;
        }

        /**
         * Verifies {@code X-API-Key} keys.
         *
         * @throws IllegalStateException if already set
         * @throws NullPointerException if {@code apiKeys} is null
         */
        public Builder apiKeys(ApiKeys apiKeys) {
            core.apiKeys(apiKeys);
            return this;
        }

        /**
         * Records invalid tokens and ambiguous credentials as security events; a refused event
         * makes the answer 503, never a success.
         *
         * @throws IllegalStateException if already set
         * @throws NullPointerException if {@code audit} is null
         */
        public Builder auditSink(AuditSink audit) {
            core.auditSink(audit);
            return this;
        }

        /**
         * Paths (within the application) starting with {@code prefix} need a principal with one of
         * {@code roles}.
         *
         * @throws IllegalArgumentException if no role is given
         * @throws IllegalStateException if {@code prefix} already has a rule
         */
        public Builder require(String prefix, String... roles) {
            core.require(prefix, roles);
            return this;
        }

        /**
         * Paths (within the application) starting with {@code prefix} need a principal (any roles).
         *
         * @throws IllegalStateException if {@code prefix} already has a rule
         */
        public Builder requireAuthenticated(String prefix) {
            core.requireAuthenticated(prefix);
            return this;
        }

        /**
         * How client addresses are found (default: the peer address, {@code X-Forwarded-For}
         * ignored): give the resolver the first-stage {@link RateLimitServletFilter} is keyed by, so
         * {@link #chargeFailures} drains the bucket it checks.
         *
         * @throws IllegalStateException if already set
         * @throws NullPointerException if {@code resolver} is null
         */
        public Builder clientAddresses(ClientAddress.Resolver resolver) {
            Arguments.setOnce(this.clients, "clientAddresses");
            this.clients = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * The first of two rate-limit stages ({@link Authenticator.Builder#chargeFailures}): each
         * refused credential takes {@code permits} from the client's bucket in {@code tier} of
         * {@code limiter}, keyed by its {@link ClientAddress#budgetKey() budget key}; a
         * {@link RateLimitServletFilter} before this filter, keyed by
         * {@link RateLimitServletFilter.KeyResolver#clientAddress(String, ClientAddress.Resolver)}
         * in that tier, then answers 429 before any credential is checked.
         *
         * @throws IllegalArgumentException if the tier is unknown to the limiter or permits is not positive
         * @throws IllegalStateException if failures are already charged
         */
        public Builder chargeFailures(RateLimiter limiter, String tier, long permits) {
            core.chargeFailures(limiter, tier, permits);
            return this;
        }

        /**
         * How refusals are written (default {@link ProblemResponses#defaults()}).
         *
         * @throws IllegalStateException if already set
         * @throws NullPointerException if {@code problems} is null
         */
        public Builder problems(ProblemResponses problems) {
            Arguments.setOnce(this.problems, "problems");
            this.problems = Objects.requireNonNull(problems, "problems");
            return this;
        }

        /**
         * The filter.
         *
         * @throws IllegalStateException if neither tokens nor API keys are configured
         */
        public AuthServletFilter build() {
            return new AuthServletFilter(this);
        }
    }
}
