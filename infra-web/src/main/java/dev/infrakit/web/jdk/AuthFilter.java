package dev.infrakit.web.jdk;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.Problem;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.Authenticator;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * A JDK {@code HttpServer} filter over the neutral {@link Authenticator}: authenticates
 * {@code Authorization: Bearer <jwt>} (through a {@link TokenVerifier}) and {@code X-API-Key:
 * <key>} (through {@link ApiKeys}) and attaches the {@link Principal} to the exchange
 * ({@link #principal(HttpExchange)}) for the handlers and the rate limiter (its key resolver can
 * read the subject and roles there). What is refused, answered and audited is
 * {@link Authenticator}'s rule; refusals are {@code application/problem+json}.
 *
 * <pre>{@code
 * AuthFilter auth = AuthFilter.builder().tokens(verifier).apiKeys(apiKeys).auditSink(audit)
 *         .require("/api/v1/admin/", "admin").requireAuthenticated("/api/v1/credentials").build();
 * server.createContext("/api", handler).getFilters().add(auth);   // before the rate-limit filter
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class AuthFilter extends Filter {
    /**
     * The principal of each exchange in flight. Not the exchange's attributes: on Java 17 those are
     * the context's, shared by every concurrent request. Weak keys: an entry goes with its exchange,
     * also when a later filter (a rate-limit delay) hands the exchange to another thread.
     */
    private static final Map<HttpExchange, Principal> PRINCIPALS = Collections.synchronizedMap(new WeakHashMap<>());
    private static final ClientAddress.Resolver PEER_ONLY = ClientAddress.resolver().build();

    private final Authenticator authenticator;
    private final Function<HttpExchange, String> clientAddress;
    private final Function<HttpExchange, String> budgetKey;

    private AuthFilter(Builder b) {
        this.authenticator = b.core.build();
        this.clientAddress = b.clientAddress;
        this.budgetKey = b.budgetKey;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The principal the filter attached to {@code exchange}, if the request was authenticated.
     *
     * @throws NullPointerException if {@code exchange} is null
     */
    public static Optional<Principal> principal(HttpExchange exchange) {
        return Optional.ofNullable(PRINCIPALS.get(Objects.requireNonNull(exchange, "exchange")));
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        Authenticator.Outcome outcome = authenticator.authenticate(new Authenticator.Request() {
            @Override
            public String method() {
                return exchange.getRequestMethod();
            }

            @Override
            public String path() {
                // Dot segments resolved, so /api/open/../admin/ meets the /api/admin/ rule.
                String path = exchange.getRequestURI().normalize().getPath();
                return path == null ? "" : path;
            }

            @Override
            public List<String> headers(String name) {
                List<String> values = exchange.getRequestHeaders().get(name);
                return values == null ? List.of() : values;
            }

            @Override
            public String clientAddress() {
                return clientAddress.apply(exchange);
            }

            @Override
            public String budgetKey() {
                return budgetKey.apply(exchange);
            }
        });
        outcome.principal().ifPresent(p -> PRINCIPALS.put(exchange, p));
        Optional<Problem> problem = outcome.problem();
        if (problem.isPresent()) {
            outcome.headers().forEach(exchange.getResponseHeaders()::set);
            send(exchange, problem.get());
            return;
        }
        chain.doFilter(exchange);
    }

    private static void send(HttpExchange exchange, Problem problem) throws IOException {
        byte[] body = problem.toJson().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", Problem.MEDIA_TYPE);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(problem.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        exchange.close();
    }

    private static ClientAddress client(ClientAddress.Resolver resolver, HttpExchange exchange) {
        InetSocketAddress remote = exchange.getRemoteAddress();
        return resolver.resolve(remote == null ? null : remote.getAddress(),
                exchange.getRequestHeaders().get("X-Forwarded-For"));
    }

    @Override
    public String description() {
        return authenticator.description();
    }

    /**
     * Builds an {@link AuthFilter}. Rules are added; every other setting may be given once: a
     * second call throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final Authenticator.Builder core = Authenticator.builder();
        private final Set<String> given = new HashSet<>();
        private Function<HttpExchange, String> clientAddress = exchange -> client(PEER_ONLY, exchange).text();
        private Function<HttpExchange, String> budgetKey = exchange -> client(PEER_ONLY, exchange).budgetKey();

        private Builder() {
        }

        /**
         * The first of two rate-limit stages ({@link Authenticator.Builder#chargeFailures}): each
         * refused credential takes {@code permits} from the client's bucket in {@code tier}, keyed
         * by its budget key ({@link #clientAddresses}; default the peer's
         * {@link ClientAddress#budgetKey()}), the bucket a {@code RateLimitFilter} keyed the same way
         * checks <em>before</em> this filter.
         *
         * @throws IllegalArgumentException if the tier is unknown to the limiter or permits is not positive
         * @throws IllegalStateException if failures are already charged
         */
        public Builder chargeFailures(RateLimiter limiter, String tier, long permits) {
            core.chargeFailures(limiter, tier, permits);
            return this;
        }

        /**
         * Verifies {@code Authorization: Bearer} tokens.
         *
         * @throws IllegalStateException if already set
         */
        public Builder tokens(TokenVerifier tokens) {
            core.tokens(tokens);
            return this;
        }

        /**
         * Verifies {@code X-API-Key} keys.
         *
         * @throws IllegalStateException if already set
         */
        public Builder apiKeys(ApiKeys apiKeys) {
            core.apiKeys(apiKeys);
            return this;
        }

        /**
         * Records invalid tokens and ambiguous credentials as security events.
         *
         * @throws IllegalStateException if already set
         */
        public Builder auditSink(AuditSink audit) {
            core.auditSink(audit);
            return this;
        }

        /**
         * Paths starting with {@code prefix} need a principal with one of {@code roles}.
         *
         * @throws IllegalArgumentException if no role is given
         */
        public Builder require(String prefix, String... roles) {
            core.require(prefix, roles);
            return this;
        }

        /** Paths starting with {@code prefix} need a principal (any roles). */
        public Builder requireAuthenticated(String prefix) {
            core.requireAuthenticated(prefix);
            return this;
        }

        /**
         * How the client address is found for audit events (default: the socket's peer address;
         * behind trusted proxies, prefer {@link #clientAddresses}).
         *
         * @throws IllegalStateException if the client address rule is already set
         */
        public Builder clientAddress(Function<HttpExchange, String> clientAddress) {
            Arguments.markSet(given, "clientAddress");
            this.clientAddress = Objects.requireNonNull(clientAddress, "clientAddress");
            return this;
        }

        /**
         * Client addresses from {@code resolver} (trusted proxies, IPv6 prefix): its text for audit
         * events, its budget key (IPv4 address or IPv6 prefix) for {@link #chargeFailures}, so
         * failures drain the same bucket a first-stage filter keyed by that resolver checks.
         *
         * @throws IllegalStateException if the client address rule is already set
         */
        public Builder clientAddresses(ClientAddress.Resolver resolver) {
            Arguments.markSet(given, "clientAddress");
            Objects.requireNonNull(resolver, "resolver");
            this.clientAddress = exchange -> client(resolver, exchange).text();
            this.budgetKey = exchange -> client(resolver, exchange).budgetKey();
            return this;
        }

        /**
         * The filter.
         *
         * @throws IllegalStateException if neither tokens nor API keys are configured
         */
        public AuthFilter build() {
            return new AuthFilter(this);
        }
    }
}
