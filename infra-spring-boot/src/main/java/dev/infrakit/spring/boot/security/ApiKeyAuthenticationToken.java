package dev.infrakit.spring.boot.security;

import dev.infrakit.auth.Principal;
import java.util.Collection;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * An API key presented in {@code X-API-Key} ({@linkplain #unauthenticated(String, String) before}
 * {@link ApiKeyAuthenticationProvider} checks it) or the Infrakit {@link Principal} it proved
 * ({@linkplain #authenticated(Principal) after}: name the subject, authorities {@code ROLE_<role>}
 * per role). The key is erased once checked and never appears in {@link #toString()}. Not
 * thread-safe while being authenticated, as Spring's tokens are not.
 */
public final class ApiKeyAuthenticationToken extends AbstractAuthenticationToken {
    private static final long serialVersionUID = 1L;

    private String key;
    private final String clientAddress;
    private final transient Principal principal;

    private ApiKeyAuthenticationToken(String key, String clientAddress, Principal principal,
            Collection<? extends GrantedAuthority> authorities) {
        super(authorities);
        this.key = key;
        this.clientAddress = clientAddress;
        this.principal = principal;
        setAuthenticated(principal != null);
    }

    /**
     * A presented key, to be checked.
     *
     * @param key the key as presented
     * @param clientAddress the client's address (for the key's audit records), or null
     */
    public static ApiKeyAuthenticationToken unauthenticated(String key, String clientAddress) {
        return new ApiKeyAuthenticationToken(key, clientAddress, null, List.of());
    }

    /** The authentication of {@code principal}, proved by an API key. */
    public static ApiKeyAuthenticationToken authenticated(Principal principal) {
        return new ApiKeyAuthenticationToken(null, null, principal, principal.roles().stream()
                .map(role -> new SimpleGrantedAuthority("ROLE_" + role)).toList());
    }

    /** The presented key (null once authenticated or erased). */
    @Override
    public Object getCredentials() {
        return key;
    }

    /** The Infrakit principal once authenticated, else null. */
    @Override
    public Object getPrincipal() {
        return principal;
    }

    /** The principal's subject once authenticated, else {@code "api-key"}. */
    @Override
    public String getName() {
        return principal != null ? principal.subject() : "api-key";
    }

    /** The client's address the key was presented from, or null. */
    public String clientAddress() {
        return clientAddress;
    }

    @Override
    public void eraseCredentials() {
        super.eraseCredentials();
        key = null;
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationToken[" + (principal != null ? "subject=" + principal.subject()
                + ", authorities=" + getAuthorities() : "unauthenticated, key=****") + "]";
    }
}
