package dev.infrakit.spring.boot.security;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.Authenticator;
import dev.infrakit.web.FailureCharge;
import dev.infrakit.web.servlet.ProblemResponses;
import dev.infrakit.web.servlet.ServletClients;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Spring Security's refusals as infra-web's {@code application/problem+json} answers, with infra-web's
 * {@code Authenticator}'s rules ({@link Authenticator#unauthenticated(String)} writes the 401s,
 * {@link FailureCharge} charges, {@link ServletClients} finds the client):
 * <ul>
 *   <li>no credentials: 401 with {@code WWW-Authenticate: Bearer};</li>
 *   <li>a refused token or API key: 401 with {@code WWW-Authenticate: Bearer error="invalid_token"};
 *   a refused token is recorded as a security audit event {@code auth.invalid-token} with the
 *   client's address and Infrakit's reason, never the token (infra-auth's {@code ApiKeys} records
 *   refused keys itself), and, with a rate limiter, charged to the client's per-address budget
 *   ({@code failureCost} permits, as much as is left), so a client that keeps failing is refused 429
 *   by the first stage before any further signature is checked. A refused API key (or a key given
 *   with a bearer token) was already recorded and charged by the {@link ApiKeyAuthenticationFilter}
 *   through {@link #refused}, which let the request go on anonymously (a public path answers);
 *   here it is only answered;</li>
 *   <li>a credential that cannot be checked now (revocations unreadable, audit or key store
 *   failing), or a refusal whose audit record is refused: 503 with {@code Retry-After: 5}, never
 *   anonymous;</li>
 *   <li>access denied: 403.</li>
 * </ul>
 * Thread-safe.
 */
public final class ProblemAuthenticationEntryPoint implements AuthenticationEntryPoint, AccessDeniedHandler {
    /**
     * The request attribute naming a credential refused earlier in the chain (already recorded and
     * charged), e.g. {@code "invalid API key"}.
     */
    public static final String REFUSED_ATTRIBUTE = ProblemAuthenticationEntryPoint.class.getName() + ".refused";

    private static final Logger LOG = LoggerFactory.getLogger(ProblemAuthenticationEntryPoint.class);
    private static final String RETRY_AFTER_SECONDS = "5";

    private final ProblemResponses problems;
    private final AuditSink audit;
    private final ClientAddress.Resolver clients;
    private final FailureCharge failures;

    private ProblemAuthenticationEntryPoint(ProblemResponses problems, AuditSink audit, ClientAddress.Resolver clients,
            FailureCharge failures) {
        this.problems = problems;
        this.audit = audit;
        this.clients = clients;
        this.failures = failures;
    }

    /**
     * An entry point.
     *
     * @param audit where refused tokens are recorded, or null
     * @param clients how client addresses are found
     * @param failureLimiter the per-address stage's limiter refused credentials are charged to, or null
     * @param failureTier its tier (null: the limiter's default tier)
     * @param failureCost the permits a refused credential costs (0: none)
     * @throws NullPointerException if {@code clients} is null
     * @throws IllegalArgumentException if {@code failureCost} is negative or the tier unknown to the limiter
     */
    public static ProblemAuthenticationEntryPoint of(AuditSink audit, ClientAddress.Resolver clients,
            RateLimiter failureLimiter, String failureTier, long failureCost) {
        Objects.requireNonNull(clients, "clients");
        if (failureCost < 0) {
            throw new IllegalArgumentException("infrakit.web.security.failure-cost must be 0 or more, got " + failureCost);
        }
        FailureCharge failures = failureCost == 0 || failureLimiter == null ? null : FailureCharge.of(failureLimiter,
                failureTier != null ? failureTier : failureLimiter.defaultTier(), failureCost);
        return new ProblemAuthenticationEntryPoint(ProblemResponses.defaults(), audit, clients, failures);
    }

    /**
     * A credential refused by a filter that lets the request go on anonymously, as infra-web's
     * {@code Authenticator} does: records {@code auditType} with {@code reason} (when both are
     * given and an audit sink is configured), charges the client's budget, and marks the request
     * ({@link #REFUSED_ATTRIBUTE}) so that a 401 later says the credentials were not accepted.
     *
     * @param request the request going on anonymously
     * @param refused what was refused, a fixed phrase ({@code "invalid API key"})
     * @param auditType the audit event's type, or null when the refusal was recorded already
     * @param reason the audit event's reason, or null
     * @throws AuditException if the audit sink refuses the event (the caller answers 503)
     */
    public void refused(HttpServletRequest request, String refused, String auditType, String reason) {
        ClientAddress client = ServletClients.resolve(clients, request);
        if (auditType != null) {
            record(request, client, auditType, reason);
        }
        if (failures != null) {
            failures.charge(client.budgetKey());
        }
        request.setAttribute(REFUSED_ATTRIBUTE, Objects.requireNonNull(refused, "refused"));
    }

    /** Answers a credential that cannot be checked now: 503 with {@code Retry-After}. */
    void unavailable(HttpServletRequest request, HttpServletResponse response, Exception cause) throws IOException {
        unavailable(request, response, "The credentials cannot be checked now; try again later.", cause);
    }

    /** Answers an audit trail that cannot record a refusal: 503 with {@code Retry-After}. */
    void auditUnavailable(HttpServletRequest request, HttpServletResponse response, Exception cause) throws IOException {
        unavailable(request, response, "The audit trail cannot record this request now, so it was refused; "
                + "try again later.", cause);
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException refused)
            throws IOException {
        if (refused instanceof AuthenticationServiceException) {
            unavailable(request, response, refused);
            return;
        }
        if (request.getAttribute(REFUSED_ATTRIBUTE) instanceof String earlier) {
            send(response, Authenticator.unauthenticated(earlier));
            return;
        }
        if (!(refused instanceof BadCredentialsException || isInvalidBearerToken(refused))) {
            send(response, Authenticator.unauthenticated(null));
            return;
        }
        String what = refused instanceof RefusedApiKeyException ? "invalid API key"
                : isInvalidBearerToken(refused) ? "invalid token" : "invalid credentials";
        try {
            refused(request, what, refused instanceof RefusedApiKeyException ? null : "auth.invalid-token",
                    refused.getMessage() == null ? "refused" : refused.getMessage());
        } catch (AuditException e) {
            auditUnavailable(request, response, e);
            return;
        }
        send(response, Authenticator.unauthenticated(what));
    }

    /** Spring's resource server's refusal, without needing the resource server on the class path. */
    private static boolean isInvalidBearerToken(AuthenticationException refused) {
        for (Class<?> type = refused.getClass(); type != null; type = type.getSuperclass()) {
            if (type.getName().equals("org.springframework.security.oauth2.server.resource.InvalidBearerTokenException")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        problems.send(response, Problem.of(403, "Forbidden", "This resource needs another role."));
    }

    private void unavailable(HttpServletRequest request, HttpServletResponse response, String detail, Exception cause)
            throws IOException {
        LOG.warn("{} {} refused with 503: {}", ClientText.forLog(request.getMethod(), 32),
                ClientText.forLog(request.getRequestURI(), 200), ClientText.forLog(cause.getMessage(), 1000));
        send(response, Map.of("Retry-After", RETRY_AFTER_SECONDS), Problem.of(503, "Service Unavailable", detail));
    }

    private void send(HttpServletResponse response, Authenticator.Outcome outcome) throws IOException {
        send(response, outcome.headers(), outcome.problem().orElseThrow());
    }

    /** Sends {@code problem} with more headers, kept across the reset {@link ProblemResponses} does. */
    private void send(HttpServletResponse response, Map<String, String> headers, Problem problem) throws IOException {
        problems.send(new HttpServletResponseWrapper(response) {
            @Override
            public void reset() {
                super.reset();
                headers.forEach(this::setHeader);
            }
        }, problem);
    }

    private void record(HttpServletRequest request, ClientAddress client, String type, String reason) {
        if (audit == null) {
            return;
        }
        String ip = client.text();
        audit.record(AuditEvent.builder(AuditEvent.Category.SECURITY, type)
                .actor(Actor.anonymous(ip).fromClient(ip, request.getHeader("User-Agent")))
                .action("authenticate").outcome(AuditEvent.Outcome.FAILURE).severity(AuditEvent.Severity.WARN)
                .reason(reason == null ? "refused" : reason)
                .request("method", ClientText.truncate(request.getMethod(), 32))
                .request("path", ClientText.truncate(request.getRequestURI(), 200)).build());
    }

    @Override
    public String toString() {
        return "ProblemAuthenticationEntryPoint[audit=" + (audit != null) + ", chargeFailures="
                + (failures == null ? "off" : failures.tier() + "x" + failures.permits()) + "]";
    }
}
