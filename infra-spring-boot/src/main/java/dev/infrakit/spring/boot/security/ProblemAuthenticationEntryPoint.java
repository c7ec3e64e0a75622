package dev.infrakit.spring.boot.security;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.servlet.ProblemResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Spring Security's refusals as infra-web's {@code application/problem+json} answers, as infra-web's
 * {@code Authenticator} gives them:
 * <ul>
 *   <li>no credentials: 401 with {@code WWW-Authenticate: Bearer};</li>
 *   <li>a refused token or API key: 401 with {@code WWW-Authenticate: Bearer error="invalid_token"};
 *   a refused token is recorded as a security audit event {@code auth.invalid-token} with the
 *   client's address and Infrakit's reason, never the token (infra-auth's {@code ApiKeys} records
 *   refused keys itself), and, with a rate limiter, charged to the client's per-address budget
 *   ({@code failureCost} permits, as much as is left), so a client that keeps failing is refused 429
 *   by the first stage before any further signature is checked;</li>
 *   <li>a credential that cannot be checked now (revocations unreadable, audit or key store
 *   failing), or a refusal whose audit record is refused: 503 with {@code Retry-After: 5}, never
 *   anonymous;</li>
 *   <li>access denied: 403.</li>
 * </ul>
 * Thread-safe.
 */
public final class ProblemAuthenticationEntryPoint implements AuthenticationEntryPoint, AccessDeniedHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemAuthenticationEntryPoint.class);
    private static final String RETRY_AFTER_SECONDS = "5";

    private final ProblemResponses problems;
    private final AuditSink audit;
    private final ClientAddress.Resolver clients;
    private final RateLimiter failureLimiter;
    private final String failureTier;
    private final long failureCost;

    private ProblemAuthenticationEntryPoint(ProblemResponses problems, AuditSink audit, ClientAddress.Resolver clients,
            RateLimiter failureLimiter, String failureTier, long failureCost) {
        this.problems = problems;
        this.audit = audit;
        this.clients = clients;
        this.failureLimiter = failureLimiter;
        this.failureTier = failureTier;
        this.failureCost = failureCost;
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
     * @throws IllegalArgumentException if {@code failureCost} is negative
     */
    public static ProblemAuthenticationEntryPoint of(AuditSink audit, ClientAddress.Resolver clients,
            RateLimiter failureLimiter, String failureTier, long failureCost) {
        Objects.requireNonNull(clients, "clients");
        if (failureCost < 0) {
            throw new IllegalArgumentException("infrakit.web.security.failure-cost must be 0 or more, got " + failureCost);
        }
        RateLimiter limiter = failureCost == 0 ? null : failureLimiter;
        String tier = limiter == null ? null : failureTier != null ? failureTier : limiter.defaultTier();
        return new ProblemAuthenticationEntryPoint(ProblemResponses.defaults(), audit, clients, limiter, tier,
                failureCost);
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException refused)
            throws IOException {
        if (refused instanceof AuthenticationServiceException) {
            unavailable(request, response, "The credentials cannot be checked now; try again later.", refused);
            return;
        }
        if (!(refused instanceof InvalidBearerTokenException || refused instanceof BadCredentialsException)) {
            send(response, "Bearer", Problem.of(401, "Unauthorized", "This resource needs authentication."));
            return;
        }
        ClientAddress client = Clients.resolve(clients, request);
        if (!(refused instanceof RefusedApiKeyException)) {
            try {
                record(request, client, refused.getMessage());
            } catch (AuditException e) {
                unavailable(request, response, "The audit trail cannot record this request now, so it was refused; "
                        + "try again later.", e);
                return;
            }
        }
        chargeFailure(client);
        send(response, "Bearer error=\"invalid_token\"", Problem.of(401, "Unauthorized",
                "The credentials were not accepted (" + (refused instanceof RefusedApiKeyException ? "invalid API key"
                        : refused instanceof InvalidBearerTokenException ? "invalid token" : "invalid credentials")
                        + ")."));
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
        send(response, "Retry-After", RETRY_AFTER_SECONDS, Problem.of(503, "Service Unavailable", detail));
    }

    private void send(HttpServletResponse response, String wwwAuthenticate, Problem problem) throws IOException {
        send(response, "WWW-Authenticate", wwwAuthenticate, problem);
    }

    /** Sends {@code problem} with one more header, kept across the reset {@link ProblemResponses} does. */
    private void send(HttpServletResponse response, String header, String value, Problem problem) throws IOException {
        problems.send(new HttpServletResponseWrapper(response) {
            @Override
            public void reset() {
                super.reset();
                setHeader(header, value);
            }
        }, problem);
    }

    private void record(HttpServletRequest request, ClientAddress client, String reason) {
        if (audit == null) {
            return;
        }
        String ip = client.text();
        audit.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "auth.invalid-token")
                .actor(Actor.anonymous(ip).fromClient(ip, request.getHeader("User-Agent")))
                .action("authenticate").outcome(AuditEvent.Outcome.FAILURE).severity(AuditEvent.Severity.WARN)
                .reason(reason == null ? "refused" : reason)
                .request("method", ClientText.truncate(request.getMethod(), 32))
                .request("path", ClientText.truncate(request.getRequestURI(), 200)).build());
    }

    /** Takes the failure's cost from the client's bucket, as much of it as the bucket still holds. */
    private void chargeFailure(ClientAddress client) {
        if (failureLimiter == null) {
            return;
        }
        String subject = client.budgetKey();
        if (failureLimiter.tryAcquire(failureTier, subject, failureCost)) {
            return;
        }
        for (long i = 1; i < failureCost && failureLimiter.tryAcquire(failureTier, subject, 1); i++) {
            // one permit at a time until the bucket is empty
        }
    }

    @Override
    public String toString() {
        return "ProblemAuthenticationEntryPoint[audit=" + (audit != null) + ", chargeFailures="
                + (failureLimiter == null ? "off" : failureTier + "x" + failureCost) + "]";
    }
}
