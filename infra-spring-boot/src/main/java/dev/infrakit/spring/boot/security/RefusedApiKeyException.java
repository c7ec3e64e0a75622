package dev.infrakit.spring.boot.security;

import org.springframework.security.authentication.BadCredentialsException;

/** A key infra-auth's {@code ApiKeys} refused (and audited itself). */
final class RefusedApiKeyException extends BadCredentialsException {
    private static final long serialVersionUID = 1L;

    RefusedApiKeyException(String message) {
        super(message);
    }
}
