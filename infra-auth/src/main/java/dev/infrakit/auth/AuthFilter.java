package dev.infrakit.auth;

import java.util.HashSet;
import dev.infrakit.core.Arguments;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.ClientText;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A JDK {@code HttpServer} filter that authenticates {@code Authorization: Bearer <jwt>} (through
 * a {@link TokenVerifier}) and {@code X-API-Key: <key>} (through {@link ApiKeys}) and attaches the
 * {@link Principal} to the exchange ({@link #principal(HttpExchange)}) for the handlers and the rate
 * limiter (its key resolver can read the subject and roles there).
 *
 * <p>A request without credentials, or with credentials that fail, goes on as anonymous (no
 * principal) unless its path requires a role: then it gets 401 (with {@code WWW-Authenticate:
 * Bearer}) without a principal, or 403 with one lacking every required role, as
 * {@code application/problem+json}. An invalid token, or a request carrying both a token and an API
 * key (ambiguous: refused), is recorded as a security audit event when an {@link AuditSink} is
 * given ({@code auth.invalid-token}, {@code auth.ambiguous-credentials}; API keys audit their own
 * refusals). Responses and events never contain the credential.
 *
 * <p>A failed audit never turns a refusal into a success: if the sink refuses the event of a refused
 * credential (here, or {@link ApiKeys#verify}'s), the request ends there with 503
 * {@code application/problem+json} ("audit unavailable", {@code Retry-After: 5}): no principal, and
 * it does not go on, not even as anonymous. A token that cannot be checked now (its
 * {@link TokenRevocations} cannot be read: {@link AuthResult.Failure#UNAVAILABLE}) is answered 503
 * with {@code Retry-After} in the same way, neither let through nor counted as a failure. Accepted credentials are not audited here (one event
 * per request would drown the trail; what a request does is audited where it is done), so a valid
 * token or key passes while the sink is down, and the audited actions behind it refuse.
 *
 * <pre>{@code
 * AuthFilter auth = AuthFilter.builder().tokens(verifier).apiKeys(apiKeys).auditSink(audit)
 *         .require("/api/v1/admin/", "admin").requireAuthenticated("/api/v1/credentials").build();
 * server.createContext("/api", handler).getFilters().add(auth);   // before the rate-limit filter
 * }</pre>
 */
public final class AuthFilter extends Filter {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AuthFilter.class);
    /** What a 503 for an unavailable audit trail asks the client to wait. */
    private static final String RETRY_AFTER_SECONDS = "5";
    /** Headers carrying a credential: each may come at most once. */
    private static final List<String> CREDENTIAL_HEADERS = List.of("Authorization", "X-API-Key");

    /**
     * The principal of each exchange in flight. Not the exchange's attributes: on Java 17 those are
     * the context's, shared by every concurrent request. Weak keys: an entry goes with its exchange,
     * also when a later filter (a rate-limit delay) hands the exchange to another thread.
     */
    private static final java.util.Map<HttpExchange, Principal> PRINCIPALS = java.util.Collections.synchronizedMap(
            new java.util.WeakHashMap<>());

    private final TokenVerifier tokens;
    private final ApiKeys apiKeys;
    private final AuditSink audit;
    private final List<Rule> rules;
    private final Function<HttpExchange, String> clientAddress;
    private final Function<HttpExchange, String> budgetKey;
    private final dev.infrakit.ratelimit.RateLimiter failureLimiter;
    private final String failureTier;
    private final long failureCost;

    /** A path prefix and the roles it needs (empty: any authenticated principal). */
    private static final class Rule {
        final String prefix;
        final Set<String> roles;

        Rule(String prefix, Set<String> roles) {
            this.prefix = prefix;
            this.roles = roles;
        }
    }

    private AuthFilter(Builder b) {
        this.tokens = b.tokens;
        this.apiKeys = b.apiKeys;
        this.audit = b.audit;
        List<Rule> sorted = new ArrayList<>(b.rules);
        sorted.sort(Comparator.comparingInt((Rule r) -> r.prefix.length()).reversed());
        this.rules = List.copyOf(sorted);
        this.clientAddress = b.clientAddress;
        this.budgetKey = b.budgetKey;
        this.failureLimiter = b.failureLimiter;
        this.failureTier = b.failureTier;
        this.failureCost = b.failureCost;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The principal the filter attached to {@code exchange}, if the request was authenticated. */
    public static Optional<Principal> principal(HttpExchange exchange) {
        return Optional.ofNullable(PRINCIPALS.get(exchange));
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        for (String header : CREDENTIAL_HEADERS) {
            List<String> values = exchange.getRequestHeaders().get(header);
            if (values != null && values.size() > 1) {
                // Which of two credentials counts is not the client's guess to make (nor a proxy's).
                respond(exchange, 400, "Bad Request", "The " + header + " header is given more than once.");
                return;
            }
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String apiKey = exchange.getRequestHeaders().getFirst("X-API-Key");
        String bearer = bearer(authorization);
        Principal principal = null;
        String problem = null;
        try {
            if (bearer != null && apiKey != null) {
                problem = "both a bearer token and an API key";
                record(exchange, "auth.ambiguous-credentials", "the request carries both a bearer token and an API key");
            } else if (bearer != null && tokens != null) {
                AuthResult result = tokens.verify(bearer);
                if (result.ok()) {
                    principal = result.principal();
                } else if (result.failure().orElseThrow() == AuthResult.Failure.UNAVAILABLE) {
                    // Not the client's fault, and not to be guessed: neither charged nor let through.
                    LOG.warn("{} {} refused: the token could not be checked: {}", ClientText.forLog(
                            exchange.getRequestMethod(), 32), ClientText.forLog(exchange.getRequestURI().getPath(), 200),
                            ClientText.forLog(result.detail(), 1000));
                    exchange.getResponseHeaders().set("Retry-After", RETRY_AFTER_SECONDS);
                    respond(exchange, 503, "Service Unavailable", "The token cannot be checked now (its revocations "
                            + "cannot be read); try again later.");
                    return;
                } else {
                    problem = "invalid token";
                    record(exchange, "auth.invalid-token", result.failure().orElseThrow() + ": " + result.detail());
                }
            } else if (apiKey != null && apiKeys != null) {
                AuthResult result = apiKeys.verify(apiKey, clientAddress.apply(exchange));
                if (result.ok()) {
                    principal = result.principal();
                } else {
                    problem = "invalid API key";
                }
            }
        } catch (AuditException refused) {
            // The refusal could not be recorded: the request is refused outright, never let through.
            LOG.warn("{} {} refused: the audit event of its refused credentials could not be recorded: {}",
                    ClientText.forLog(exchange.getRequestMethod(), 32), ClientText.forLog(exchange.getRequestURI().getPath(),
                    200), ClientText.forLog(refused.getMessage(), 1000));
            exchange.getResponseHeaders().set("Retry-After", RETRY_AFTER_SECONDS);
            respond(exchange, 503, "Audit unavailable", "The audit trail cannot record this request now, so it "
                    + "was refused; try again later.");
            return;
        }
        if (problem != null) {
            chargeFailure(exchange);
        }
        if (principal != null) {
            PRINCIPALS.put(exchange, principal);
        }
        Rule rule = rule(exchange.getRequestURI().getPath());
        if (rule != null) {
            if (principal == null) {
                exchange.getResponseHeaders().set("WWW-Authenticate", problem == null ? "Bearer"
                        : "Bearer error=\"invalid_token\"");
                respond(exchange, 401, "Unauthorized", problem == null ? "This resource needs authentication."
                        : "The credentials were not accepted (" + problem + ").");
                return;
            }
            if (!rule.roles.isEmpty() && rule.roles.stream().noneMatch(principal::hasRole)) {
                respond(exchange, 403, "Forbidden", "This resource needs one of the roles " + rule.roles + ".");
                return;
            }
        }
        chain.doFilter(exchange);
    }

    /**
     * Takes the failure's cost from the client address's bucket, as much of it as the bucket still
     * holds (an emptied bucket is what refuses the client at the first stage).
     */
    private void chargeFailure(HttpExchange exchange) {
        if (failureLimiter == null) {
            return;
        }
        String key = budgetKey.apply(exchange);
        String subject = key == null ? "unknown" : key;
        if (failureLimiter.tryAcquire(failureTier, subject, failureCost)) {
            return;
        }
        for (long i = 1; i < failureCost && failureLimiter.tryAcquire(failureTier, subject, 1); i++) {
            // one permit at a time until the bucket is empty
        }
    }

    private Rule rule(String path) {
        for (Rule r : rules) {
            if (path.startsWith(r.prefix)) {
                return r;
            }
        }
        return null;
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String trimmed = authorization.trim();
        int space = trimmed.indexOf(' ');
        if (space < 0 || !trimmed.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return null;
        }
        String token = trimmed.substring(space + 1).trim();
        return token.isEmpty() ? null : token;
    }

    private void record(HttpExchange exchange, String type, String reason) {
        if (audit == null) {
            return;
        }
        String userAgent = exchange.getRequestHeaders().getFirst("User-Agent");
        String ip = clientAddress.apply(exchange);
        audit.record(AuditEvent.builder(AuditEvent.Category.SECURITY, type)
                .actor(Actor.anonymous(ip == null ? "unknown" : ip).fromClient(ip == null ? "unknown" : ip, userAgent))
                .action("authenticate").outcome(AuditEvent.Outcome.FAILURE).severity(AuditEvent.Severity.WARN)
                .reason(reason).request("method", ClientText.truncate(exchange.getRequestMethod(), 32))
                .request("path", ClientText.truncate(exchange.getRequestURI().getPath(), 200)).build());
    }

    private static void respond(HttpExchange exchange, int status, String title, String detail) throws IOException {
        dev.infrakit.core.http.Problem.of(status, title, detail).send(exchange);
    }

    @Override
    public String description() {
        return "Infrakit authentication (bearer tokens" + (apiKeys == null ? "" : ", API keys") + ")";
    }

    /** Builds an {@link AuthFilter}. Not thread-safe. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private TokenVerifier tokens;
        private ApiKeys apiKeys;
        private AuditSink audit;
        private final List<Rule> rules = new ArrayList<>();
        private Function<HttpExchange, String> clientAddress = exchange -> ClientAddress.of(exchange).text();
        private Function<HttpExchange, String> budgetKey = exchange -> ClientAddress.of(exchange).budgetKey();

        private dev.infrakit.ratelimit.RateLimiter failureLimiter;
        private String failureTier;
        private long failureCost;

        private Builder() {
        }

        /**
         * The first of two rate-limit stages: each refused credential (an invalid token or API
         * key, or both at once) also takes {@code permits} from the client address's bucket in
         * {@code tier} of {@code limiter}, keyed by the client's budget key ({@link #clientAddresses};
         * default {@link ClientAddress#budgetKey()} of the peer) — the bucket a {@code RateLimitFilter}
         * keyed the same way checks <em>before</em> this filter. A client that keeps failing empties it and is
         * then refused there, cheaply: before any signature is checked, any key looked up or any
         * audit event written. The principal's own limit is the second stage, after this filter.
         *
         * @throws IllegalArgumentException if the tier is unknown to the limiter or permits is not positive
         * @throws IllegalStateException if failures are already charged
         */
        public Builder chargeFailures(dev.infrakit.ratelimit.RateLimiter limiter, String tier, long permits) {
            Arguments.markSet(given, "chargeFailures");
            Objects.requireNonNull(limiter, "limiter");
            Objects.requireNonNull(tier, "tier");
            if (!limiter.tiers().contains(tier)) {
                throw new IllegalArgumentException("chargeFailures: the limiter has no tier '" + tier + "'; tiers: "
                        + limiter.tiers());
            }
            if (permits < 1) {
                throw new IllegalArgumentException("chargeFailures: permits must be at least 1, got " + permits);
            }
            this.failureLimiter = limiter;
            this.failureTier = tier;
            this.failureCost = permits;
            return this;
        }

        /** Verifies {@code Authorization: Bearer} tokens. */
        public Builder tokens(TokenVerifier tokens) {
            Arguments.markSet(given, "tokens");
            this.tokens = Objects.requireNonNull(tokens, "tokens");
            return this;
        }

        /** Verifies {@code X-API-Key} keys. */
        public Builder apiKeys(ApiKeys apiKeys) {
            Arguments.markSet(given, "apiKeys");
            this.apiKeys = Objects.requireNonNull(apiKeys, "apiKeys");
            return this;
        }

        /** Records invalid tokens and ambiguous credentials as security events. */
        public Builder auditSink(AuditSink audit) {
            Arguments.markSet(given, "auditSink");
            this.audit = Objects.requireNonNull(audit, "audit");
            return this;
        }

        /** Paths starting with {@code prefix} need a principal with one of {@code roles}. */
        public Builder require(String prefix, String... roles) {
            Arguments.markSet(given, "require " + prefix);
            if (roles.length == 0) {
                throw new IllegalArgumentException("require(" + prefix + ") needs at least one role; use "
                        + "requireAuthenticated for any principal");
            }
            rules.add(new Rule(Objects.requireNonNull(prefix, "prefix"), Set.of(roles)));
            return this;
        }

        /** Paths starting with {@code prefix} need a principal (any roles). */
        public Builder requireAuthenticated(String prefix) {
            Arguments.markSet(given, "require " + prefix);
            rules.add(new Rule(Objects.requireNonNull(prefix, "prefix"), Set.of()));
            return this;
        }

        /**
         * How the client address is found for audit events (default: {@link ClientAddress#of}'s
         * text, the socket's peer address; behind trusted proxies, pass a
         * {@link ClientAddress.Resolver}'s {@code resolve(exchange).text()}).
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
         */
        public Builder clientAddresses(ClientAddress.Resolver resolver) {
            Arguments.markSet(given, "clientAddress");
            Objects.requireNonNull(resolver, "resolver");
            this.clientAddress = exchange -> resolver.resolve(exchange).text();
            this.budgetKey = exchange -> resolver.resolve(exchange).budgetKey();
            return this;
        }

        /**
         * The filter.
         *
         * @throws IllegalStateException if neither tokens nor API keys are configured
         */
        public AuthFilter build() {
            if (tokens == null && apiKeys == null) {
                throw new IllegalStateException("An AuthFilter needs tokens(...), apiKeys(...) or both");
            }
            return new AuthFilter(this);
        }
    }
}
