package dev.infrakit.web;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenRevocations;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import dev.infrakit.ratelimit.RateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Authentication of an HTTP request, written once for every server API: reads
 * {@code Authorization: Bearer <jwt>} (checked by a {@link TokenVerifier}) and {@code X-API-Key:
 * <key>} (checked by {@link ApiKeys}), applies role rules by path prefix, and says what the adapter
 * must do: go on with the {@link Principal} found (or anonymously), or answer a {@link Problem}.
 * The Servlet filter ({@code dev.infrakit.web.servlet.AuthServletFilter}) and the JDK
 * {@code HttpServer} filter ({@code dev.infrakit.web.jdk.AuthFilter}) are adapters over it; an
 * adapter for another server implements {@link Request} and calls {@link #authenticate}.
 *
 * <p>The rules:
 * <ul>
 *   <li>{@code Authorization} or {@code X-API-Key} given more than once: 400 (which of two
 *       credentials counts is not the client's guess to make, nor a proxy's).</li>
 *   <li>No credentials, or credentials of another scheme ({@code Basic}): anonymous.</li>
 *   <li>A token and an API key at once (ambiguous), an invalid token or an invalid API key: the
 *       request is anonymous; it is recorded as a security audit event
 *       ({@code auth.ambiguous-credentials}, {@code auth.invalid-token}; API keys audit their own
 *       refusals) and charged to the client's failure budget ({@link Builder#chargeFailures}).
 *       Token and key values are bounded by the verifiers (an oversized, malformed or
 *       control-character-laden value is simply invalid), and never reach a response, a log line
 *       or an event.</li>
 *   <li>A path under a rule ({@link Builder#require}, {@link Builder#requireAuthenticated}; the
 *       longest matching prefix wins): 401 with {@code WWW-Authenticate: Bearer} (and
 *       {@code error="invalid_token"} when credentials were refused) without a principal, 403 with
 *       a principal lacking every required role.</li>
 *   <li>A failed audit never turns a refusal into a success: if the sink refuses the event of a
 *       refused credential, the answer is 503 ("audit unavailable", {@code Retry-After: 5}), not
 *       anonymous. A token that cannot be checked now ({@link TokenRevocations} unreadable:
 *       {@link AuthResult.Failure#UNAVAILABLE}) is 503 with {@code Retry-After} as well, neither let
 *       through nor charged.</li>
 * </ul>
 * Accepted credentials are not audited here (one event per request would drown the trail).
 *
 * <p>Immutable and thread-safe.
 */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    /** What a 503 asks the client to wait, in seconds. */
    private static final String RETRY_AFTER_SECONDS = "5";
    /** Headers carrying a credential: each may come at most once. */
    private static final List<String> CREDENTIAL_HEADERS = List.of("Authorization", "X-API-Key");

    private final TokenVerifier tokens;
    private final ApiKeys apiKeys;
    private final AuditSink audit;
    private final List<Rule> rules;
    private final FailureCharge failures;

    /**
     * What an adapter tells the core about one request. Implementations read their server's
     * request; the core calls each method at most a few times per request.
     */
    public interface Request {
        /** The request method, as received. */
        String method();

        /**
         * The path the role rules are matched against: decoded and normalised as the server maps
         * the request to its handler (so {@code %61dmin} or {@code /./} cannot slip past a prefix).
         */
        String path();

        /**
         * Every field line of the header {@code name} (matched case-insensitively), in order; an
         * empty list when there is none.
         */
        List<String> headers(String name);

        /** The client's address as text for audit events and API-key records ({@code unknown} if not known). */
        String clientAddress();

        /** The client's rate-limit budget key, the bucket {@link Builder#chargeFailures} drains. */
        String budgetKey();
    }

    /**
     * What {@link #authenticate} decided: go on (with or without a principal), or answer
     * {@link #problem()} with {@link #headers()}. Immutable.
     */
    public static final class Outcome {
        private final Principal principal;
        private final Problem problem;
        private final Map<String, String> headers;

        private Outcome(Principal principal, Problem problem, Map<String, String> headers) {
            this.principal = principal;
            this.problem = problem;
            this.headers = headers;
        }

        /** The authenticated principal, if the credentials were accepted. */
        public Optional<Principal> principal() {
            return Optional.ofNullable(principal);
        }

        /** The answer to send instead of going on, if the request is refused. */
        public Optional<Problem> problem() {
            return Optional.ofNullable(problem);
        }

        /**
         * Headers to send with {@link #problem()} ({@code WWW-Authenticate}, {@code Retry-After});
         * empty when the request goes on.
         */
        public Map<String, String> headers() {
            return headers;
        }
    }

    /** A path prefix and the roles it needs (empty: any authenticated principal). */
    private static final class Rule {
        final String prefix;
        final Set<String> roles;

        Rule(String prefix, Set<String> roles) {
            this.prefix = prefix;
            this.roles = roles;
        }
    }

    private Authenticator(Builder b) {
        this.tokens = b.tokens;
        this.apiKeys = b.apiKeys;
        this.audit = b.audit;
        List<Rule> sorted = new ArrayList<>(b.rules);
        sorted.sort(Comparator.comparingInt((Rule r) -> r.prefix.length()).reversed());
        this.rules = List.copyOf(sorted);
        this.failures = b.failures;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Authenticates {@code request}.
     *
     * @return the principal to go on with, or the problem to answer
     * @throws NullPointerException if {@code request} is null
     */
    public Outcome authenticate(Request request) {
        Objects.requireNonNull(request, "request");
        for (String header : CREDENTIAL_HEADERS) {
            if (request.headers(header).size() > 1) {
                return refuse(400, "Bad Request", "The " + header + " header is given more than once.", Map.of());
            }
        }
        String apiKey = first(request.headers("X-API-Key"));
        String bearer = bearer(first(request.headers("Authorization")));
        Principal principal = null;
        String problem = null;
        try {
            if (bearer != null && apiKey != null) {
                problem = "both a bearer token and an API key";
                record(request, "auth.ambiguous-credentials", "the request carries both a bearer token and an API key");
            } else if (bearer != null && tokens != null) {
                AuthResult result = tokens.verify(bearer);
                if (result.ok()) {
                    principal = result.principal();
                } else if (result.failure().orElseThrow() == AuthResult.Failure.UNAVAILABLE) {
                    // Not the client's fault, and not to be guessed: neither charged nor let through.
                    LOG.warn("{} {} refused: the token could not be checked: {}", ClientText.forLog(request.method(), 32),
                            ClientText.forLog(request.path(), 200), ClientText.forLog(result.detail(), 1000));
                    return refuse(503, "Service Unavailable", "The token cannot be checked now (its revocations "
                            + "cannot be read); try again later.", Map.of("Retry-After", RETRY_AFTER_SECONDS));
                } else {
                    problem = "invalid token";
                    record(request, "auth.invalid-token", result.failure().orElseThrow() + ": " + result.detail());
                }
            } else if (apiKey != null && apiKeys != null) {
                AuthResult result = apiKeys.verify(apiKey, request.clientAddress());
                if (result.ok()) {
                    principal = result.principal();
                } else {
                    problem = "invalid API key";
                }
            }
        } catch (AuditException refused) {
            // The refusal could not be recorded: the request is refused outright, never let through.
            LOG.warn("{} {} refused: the audit event of its refused credentials could not be recorded: {}",
                    ClientText.forLog(request.method(), 32), ClientText.forLog(request.path(), 200),
                    ClientText.forLog(refused.getMessage(), 1000));
            return refuse(503, "Audit unavailable", "The audit trail cannot record this request now, so it was "
                    + "refused; try again later.", Map.of("Retry-After", RETRY_AFTER_SECONDS));
        }
        if (problem != null) {
            chargeFailure(request);
        }
        Rule rule = rule(request.path());
        if (rule != null) {
            if (principal == null) {
                return unauthenticated(problem);
            }
            if (!rule.roles.isEmpty() && rule.roles.stream().noneMatch(principal::hasRole)) {
                return new Outcome(principal, Problem.of(403, "Forbidden", "This resource needs one of the roles "
                        + rule.roles + "."), Map.of());
            }
        }
        return new Outcome(principal, null, Map.of());
    }

    /** What the adapters report as their description: the credentials this authenticator reads. */
    public String description() {
        return "Infrakit authentication (" + (tokens == null ? "" : "bearer tokens")
                + (tokens != null && apiKeys != null ? ", " : "") + (apiKeys == null ? "" : "API keys") + ")";
    }

    /**
     * The 401 of a request without an accepted principal on a path that needs one, as
     * {@link #authenticate} answers it: {@code refused == null} (no credentials) is "This resource
     * needs authentication." with {@code WWW-Authenticate: Bearer}; otherwise "The credentials were
     * not accepted (<i>refused</i>)." with {@code WWW-Authenticate: Bearer error="invalid_token"}.
     * An adapter for another security framework answers its 401s with it, so both say the same.
     *
     * @param refused what was refused ({@code "invalid token"}, {@code "invalid API key"}, ...), or
     *     null when no credentials were given; a fixed phrase, not the client's text (cut past 100
     *     characters)
     * @return an outcome with the problem and its headers, no principal
     */
    public static Outcome unauthenticated(String refused) {
        if (refused == null) {
            return refuse(401, "Unauthorized", "This resource needs authentication.",
                    Map.of("WWW-Authenticate", "Bearer"));
        }
        return refuse(401, "Unauthorized", "The credentials were not accepted (" + ClientText.truncate(refused, 100)
                + ").", Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\""));
    }

    private static Outcome refuse(int status, String title, String detail, Map<String, String> headers) {
        return new Outcome(null, Problem.of(status, title, detail), headers);
    }

    private static String first(List<String> values) {
        return values.isEmpty() ? null : values.get(0);
    }

    /**
     * Takes the failure's cost from the client's bucket, as much of it as the bucket still holds
     * ({@link FailureCharge}).
     */
    private void chargeFailure(Request request) {
        if (failures != null) {
            failures.charge(request.budgetKey());
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

    private void record(Request request, String type, String reason) {
        if (audit == null) {
            return;
        }
        String userAgent = first(request.headers("User-Agent"));
        String ip = request.clientAddress();
        String client = ip == null ? "unknown" : ip;
        audit.record(AuditEvent.builder(AuditEvent.Category.SECURITY, type)
                .actor(Actor.anonymous(client).fromClient(client, userAgent))
                .action("authenticate").outcome(AuditEvent.Outcome.FAILURE).severity(AuditEvent.Severity.WARN)
                .reason(reason).request("method", ClientText.truncate(request.method(), 32))
                .request("path", ClientText.truncate(request.path(), 200)).build());
    }

    /**
     * Builds an {@link Authenticator}. Rules are added; every other setting may be given once: a
     * second call throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();
        private final List<Rule> rules = new ArrayList<>();
        private TokenVerifier tokens;
        private ApiKeys apiKeys;
        private AuditSink audit;
        private FailureCharge failures;

        private Builder() {
        }

        /**
         * The first of two rate-limit stages: each refused credential (an invalid token or API
         * key, or both at once) also takes {@code permits} from the client's bucket in {@code tier}
         * of {@code limiter}, keyed by the client's budget key ({@link Request#budgetKey()}) — the
         * bucket a rate-limit filter keyed the same way checks <em>before</em> authentication. A
         * client that keeps failing empties it and is then refused there with 429, cheaply: before
         * any signature is checked, any key looked up or any audit event written. The principal's
         * own limit is the second stage, after authentication.
         *
         * @throws IllegalArgumentException if the tier is unknown to the limiter or permits is not positive
         * @throws IllegalStateException if failures are already charged
         * @throws NullPointerException if {@code limiter} or {@code tier} is null
         */
        public Builder chargeFailures(RateLimiter limiter, String tier, long permits) {
            Arguments.markSet(given, "chargeFailures");
            this.failures = FailureCharge.of(limiter, tier, permits);
            return this;
        }

        /**
         * Verifies {@code Authorization: Bearer} tokens.
         *
         * @throws IllegalStateException if already set
         * @throws NullPointerException if {@code tokens} is null
         */
        public Builder tokens(TokenVerifier tokens) {
            Arguments.markSet(given, "tokens");
            this.tokens = Objects.requireNonNull(tokens, "tokens");
            return this;
        }

        /**
         * Verifies {@code X-API-Key} keys.
         *
         * @throws IllegalStateException if already set
         * @throws NullPointerException if {@code apiKeys} is null
         */
        public Builder apiKeys(ApiKeys apiKeys) {
            Arguments.markSet(given, "apiKeys");
            this.apiKeys = Objects.requireNonNull(apiKeys, "apiKeys");
            return this;
        }

        /**
         * Records invalid tokens and ambiguous credentials as security events.
         *
         * @throws IllegalStateException if already set
         * @throws NullPointerException if {@code audit} is null
         */
        public Builder auditSink(AuditSink audit) {
            Arguments.markSet(given, "auditSink");
            this.audit = Objects.requireNonNull(audit, "audit");
            return this;
        }

        /**
         * Paths starting with {@code prefix} need a principal with one of {@code roles}.
         *
         * @throws IllegalArgumentException if no role is given
         * @throws IllegalStateException if {@code prefix} already has a rule
         * @throws NullPointerException if an argument is null
         */
        public Builder require(String prefix, String... roles) {
            Objects.requireNonNull(prefix, "prefix");
            Arguments.markSet(given, "require " + prefix);
            if (roles.length == 0) {
                throw new IllegalArgumentException("require(" + prefix + ") needs at least one role; use "
                        + "requireAuthenticated for any principal");
            }
            rules.add(new Rule(prefix, Set.of(roles)));
            return this;
        }

        /**
         * Paths starting with {@code prefix} need a principal (any roles).
         *
         * @throws IllegalStateException if {@code prefix} already has a rule
         * @throws NullPointerException if {@code prefix} is null
         */
        public Builder requireAuthenticated(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            Arguments.markSet(given, "require " + prefix);
            rules.add(new Rule(prefix, Set.of()));
            return this;
        }

        /**
         * The authenticator.
         *
         * @throws IllegalStateException if neither tokens nor API keys are configured
         */
        public Authenticator build() {
            if (tokens == null && apiKeys == null) {
                throw new IllegalStateException("Authentication needs tokens(...), apiKeys(...) or both");
            }
            return new Authenticator(this);
        }
    }
}
