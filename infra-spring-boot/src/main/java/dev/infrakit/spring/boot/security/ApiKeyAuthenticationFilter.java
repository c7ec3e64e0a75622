package dev.infrakit.spring.boot.security;

import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.Problem;
import dev.infrakit.audit.AuditException;
import dev.infrakit.web.servlet.ProblemResponses;
import dev.infrakit.web.servlet.ServletClients;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Spring Security filter reading an API key from {@value #HEADER}, with infra-web's
 * {@code Authenticator}'s rules: a request without the header goes on untouched (the bearer
 * filter or the authorization rules decide); the header given twice is 400; otherwise the key is
 * checked by the {@link ApiKeyAuthenticationProvider} and, accepted, becomes the request's
 * authentication. A refused key, or the header together with an {@code Authorization: Bearer}
 * token (ambiguous, recorded as {@code auth.ambiguous-credentials}; the token is then not read),
 * is charged to the client's budget and the request goes on <em>anonymously</em> through
 * {@link ProblemAuthenticationEntryPoint#refused}: a public path answers, a protected one is the
 * entry point's 401 {@code Bearer error="invalid_token"}. A key that cannot be checked now, or a
 * refusal the audit trail cannot record, is 503. Stateless: nothing is kept in a session.
 * Thread-safe.
 */
public final class ApiKeyAuthenticationFilter extends OncePerRequestFilter {
    /** The header carrying the key. */
    public static final String HEADER = "X-API-Key";

    private final AuthenticationManager authentication;
    private final ProblemAuthenticationEntryPoint entryPoint;
    private final ClientAddress.Resolver clients;
    private final ProblemResponses problems = ProblemResponses.defaults();
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    private ApiKeyAuthenticationFilter(AuthenticationManager authentication, ProblemAuthenticationEntryPoint entryPoint,
            ClientAddress.Resolver clients) {
        this.authentication = authentication;
        this.entryPoint = entryPoint;
        this.clients = clients;
    }

    /**
     * A filter checking keys with {@code provider}, recording and answering refusals through {@code entryPoint}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static ApiKeyAuthenticationFilter of(ApiKeyAuthenticationProvider provider,
            ProblemAuthenticationEntryPoint entryPoint, ClientAddress.Resolver clients) {
        return new ApiKeyAuthenticationFilter(new ProviderManager(Objects.requireNonNull(provider, "provider")),
                Objects.requireNonNull(entryPoint, "entryPoint"), Objects.requireNonNull(clients, "clients"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        List<String> keys = Collections.list(request.getHeaders(HEADER));
        if (keys.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        if (keys.size() > 1) {
            problems.send(response, Problem.of(400, "Bad Request", "The " + HEADER + " header is given more than once."));
            return;
        }
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.trim().toLowerCase(Locale.ROOT).startsWith("bearer ")) {
            try {
                entryPoint.refused(request, "both a bearer token and an API key", "auth.ambiguous-credentials",
                        "the request carries both a bearer token and an API key");
            } catch (AuditException e) {
                entryPoint.auditUnavailable(request, response, e);
                return;
            }
            contexts.clearContext();
            chain.doFilter(withoutAuthorization(request), response);
            return;
        }
        try {
            ApiKeyAuthenticationToken presented = ApiKeyAuthenticationToken.unauthenticated(keys.get(0),
                    ServletClients.resolve(clients, request).text());
            Authentication authenticated = authentication.authenticate(presented);
            SecurityContext context = contexts.createEmptyContext();
            context.setAuthentication(authenticated);
            contexts.setContext(context);
        } catch (AuthenticationServiceException unavailable) {
            contexts.clearContext();
            entryPoint.unavailable(request, response, unavailable);
            return;
        } catch (AuthenticationException refused) {
            contexts.clearContext();
            // infra-auth's ApiKeys recorded the refusal; charged here, then anonymous as in infra-web.
            entryPoint.refused(request, "invalid API key", null, null);
        }
        chain.doFilter(request, response);
    }

    /** {@code request} without its {@code Authorization} header, so no later filter reads the token. */
    private static HttpServletRequest withoutAuthorization(HttpServletRequest request) {
        return new HttpServletRequestWrapper(request) {
            @Override
            public String getHeader(String name) {
                return "Authorization".equalsIgnoreCase(name) ? null : super.getHeader(name);
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
                return "Authorization".equalsIgnoreCase(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
            }

            @Override
            public Enumeration<String> getHeaderNames() {
                return Collections.enumeration(Collections.list(super.getHeaderNames()).stream()
                        .filter(name -> !"Authorization".equalsIgnoreCase(name)).toList());
            }
        };
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationFilter[" + HEADER + "]";
    }
}
