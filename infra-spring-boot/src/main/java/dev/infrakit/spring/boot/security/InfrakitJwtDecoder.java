package dev.infrakit.spring.boot.security;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenVerifier;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * A Spring Security {@link JwtDecoder} that checks tokens with Infrakit's {@link TokenVerifier}
 * (local keys or a remote JWKS, as the verifier was built): the verifier's rules all apply
 * (algorithm bound to the key, no key from the token, type, expiry with skew, issuer, audience,
 * revocations). An accepted token becomes a {@link Jwt} with every claim of the token
 * ({@code exp}, {@code iat} and {@code nbf} as {@link Instant}s) and its JOSE header. A refused
 * token is a {@link BadJwtException} whose message is Infrakit's reason (the failure and its
 * detail, never the token's text), which Spring Security answers 401; a token whose revocations
 * cannot be read now is a plain {@link JwtException} (not the client's fault), answered 503 by
 * {@link ProblemAuthenticationEntryPoint}. Thread-safe.
 */
public final class InfrakitJwtDecoder implements JwtDecoder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final TokenVerifier verifier;

    private InfrakitJwtDecoder(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    /**
     * A decoder over {@code verifier}.
     *
     * @throws NullPointerException if {@code verifier} is null
     */
    public static InfrakitJwtDecoder of(TokenVerifier verifier) {
        return new InfrakitJwtDecoder(Objects.requireNonNull(verifier, "verifier"));
    }

    /**
     * Verifies {@code token} and answers its {@link Jwt}.
     *
     * @throws BadJwtException if the verifier refuses the token (message: Infrakit's reason)
     * @throws JwtException if the token cannot be checked now
     */
    @Override
    public Jwt decode(String token) throws JwtException {
        AuthResult result = verifier.verify(token);
        if (!result.ok()) {
            AuthResult.Failure failure = result.failure().orElseThrow();
            if (failure == AuthResult.Failure.UNAVAILABLE) {
                throw new JwtException("The token cannot be checked now: " + result.detail());
            }
            throw new BadJwtException("The token was refused (" + failure + "): " + result.detail());
        }
        Principal principal = result.principal();
        Map<String, Object> claims = new LinkedHashMap<>(principal.claims());
        claims.putIfAbsent(JwtClaimNames.SUB, principal.subject());
        for (String time : new String[] {JwtClaimNames.EXP, JwtClaimNames.IAT, JwtClaimNames.NBF}) {
            Object value = claims.get(time);
            if (value instanceof java.util.Date date) { // as nimbus parses them
                claims.put(time, date.toInstant());
            } else if (value instanceof Number seconds) {
                claims.put(time, Instant.ofEpochSecond(seconds.longValue()));
            }
        }
        Instant issuedAt = claims.get(JwtClaimNames.IAT) instanceof Instant i ? i : null;
        Instant expiresAt = claims.get(JwtClaimNames.EXP) instanceof Instant e ? e : null;
        return new Jwt(token, issuedAt, expiresAt, header(token), claims);
    }

    /** The JOSE header of a token the verifier accepted (so its first segment is base64url JSON). */
    private static Map<String, Object> header(String token) {
        try {
            return JSON.readValue(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))), MAP);
        } catch (IOException | IllegalArgumentException e) {
            throw new BadJwtException("The token's header cannot be read: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return "InfrakitJwtDecoder[" + verifier + "]";
    }
}
