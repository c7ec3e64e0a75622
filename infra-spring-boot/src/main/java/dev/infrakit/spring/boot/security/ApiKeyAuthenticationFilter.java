package dev.infrakit.spring.boot.security;

import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.Problem;
import dev.infrakit.web.servlet.ProblemResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Spring Security filter reading an API key from {@value #HEADER}, as infra-web's
 * {@code Authenticator} reads it: a request without the header goes on untouched (the bearer
 * filter or the authorization rules decide); the header given twice is 400; the header together
 * with an {@code Authorization: Bearer} token is refused as ambiguous (401); otherwise the key is
 * checked by the {@link ApiKeyAuthenticationProvider} and, accepted, becomes the request's
 * authentication, or, refused, is answered by the entry point (401). Stateless: nothing is kept in
 * a session. Thread-safe.
 */
public final class ApiKeyAuthenticationFilter extends OncePerRequestFilter {
    /** The header carrying the key. */
    public static final String HEADER = "X-API-Key";

    private final AuthenticationManager authentication;
    private final AuthenticationEntryPoint entryPoint;
    private final ClientAddress.Resolver clients;
    private final ProblemResponses problems = ProblemResponses.defaults();
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    private ApiKeyAuthenticationFilter(AuthenticationManager authentication, AuthenticationEntryPoint entryPoint,
            ClientAddress.Resolver clients) {
        this.authentication = authentication;
        this.entryPoint = entryPoint;
        this.clients = clients;
    }

    /**
     * A filter checking keys with {@code provider}, answering refusals through {@code entryPoint}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static ApiKeyAuthenticationFilter of(ApiKeyAuthenticationProvider provider, AuthenticationEntryPoint entryPoint,
            ClientAddress.Resolver clients) {
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
            entryPoint.commence(request, response, new BadCredentialsException("both a bearer token and an API key"));
            return;
        }
        try {
            ApiKeyAuthenticationToken presented = ApiKeyAuthenticationToken.unauthenticated(keys.get(0),
                    Clients.resolve(clients, request).text());
            Authentication authenticated = authentication.authenticate(presented);
            SecurityContext context = contexts.createEmptyContext();
            context.setAuthentication(authenticated);
            contexts.setContext(context);
        } catch (AuthenticationException refused) {
            contexts.clearContext();
            entryPoint.commence(request, response, refused);
            return;
        }
        chain.doFilter(request, response);
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationFilter[" + HEADER + "]";
    }
}
