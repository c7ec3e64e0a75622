package dev.infrakit.spring.boot.security;

import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.AuthResult;
import java.util.Objects;
import dev.infrakit.audit.AuditException;
import dev.infrakit.credentials.CredentialException;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;

/**
 * Checks an {@link ApiKeyAuthenticationToken} with infra-auth's {@link ApiKeys} (a hash lookup and
 * a constant-time comparison; expiry, revocation). An accepted key becomes an authenticated token
 * of its principal; a refused one is a {@link BadCredentialsException} naming Infrakit's failure
 * (never the key), already audited by {@link ApiKeys}; a key that cannot be checked now (the audit
 * sink or the key store fails) is an {@link AuthenticationServiceException}, answered 503.
 * Thread-safe.
 */
public final class ApiKeyAuthenticationProvider implements AuthenticationProvider {
    private final ApiKeys apiKeys;

    private ApiKeyAuthenticationProvider(ApiKeys apiKeys) {
        this.apiKeys = apiKeys;
    }

    /**
     * A provider over {@code apiKeys}.
     *
     * @throws NullPointerException if {@code apiKeys} is null
     */
    public static ApiKeyAuthenticationProvider of(ApiKeys apiKeys) {
        return new ApiKeyAuthenticationProvider(Objects.requireNonNull(apiKeys, "apiKeys"));
    }

    /**
     * Checks the key of {@code authentication}.
     *
     * @throws BadCredentialsException if the key is refused
     */
    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        ApiKeyAuthenticationToken presented = (ApiKeyAuthenticationToken) authentication;
        Object key = presented.getCredentials();
        if (!(key instanceof String text)) {
            throw new BadCredentialsException("The API key was refused (no key)");
        }
        AuthResult result;
        try {
            result = apiKeys.verify(text, presented.clientAddress());
        } catch (AuditException | CredentialException e) {
            // Not the client's fault, and not to be guessed: answered 503, never anonymous.
            throw new AuthenticationServiceException("The API key cannot be checked now: " + e.getMessage(), e);
        } finally {
            presented.eraseCredentials();
        }
        if (!result.ok()) {
            throw new RefusedApiKeyException("The API key was refused (" + result.failure().orElseThrow() + ")");
        }
        ApiKeyAuthenticationToken authenticated = ApiKeyAuthenticationToken.authenticated(result.principal());
        authenticated.setDetails(presented.getDetails());
        return authenticated;
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return ApiKeyAuthenticationToken.class.isAssignableFrom(authentication);
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationProvider[" + apiKeys + "]";
    }
}

