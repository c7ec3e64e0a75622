package dev.infrakit.auth;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who a request acts as, once authenticated: a subject (user name, service name), its roles, how it
 * authenticated, the id of the credential it used (a token's {@code jti}, an API key's id) and, for
 * tokens, their claims. Immutable; {@code toString()} shows no token, key or claim values.
 */
public final class Principal {
    /** How the principal authenticated. */
    public enum Method {
        /** A JWT bearer token. */
        JWT,
        /** An API key. */
        API_KEY,
        /** A user name and password. */
        PASSWORD
    }

    /** The JWT claim listing how the subject authenticated (RFC 8176 authentication method references). */
    public static final String AMR_CLAIM = "amr";
    /** The {@value #AMR_CLAIM} value of a password login (RFC 8176). */
    public static final String AMR_PASSWORD = "pwd";
    /** The {@value #AMR_CLAIM} value of a token issued for a request made with an API key. */
    public static final String AMR_API_KEY = "apikey";

    private final String subject;
    private final Set<String> roles;
    private final Method method;
    private final String credentialId;
    private final Instant expiresAt;
    private final Map<String, Object> claims;

    /**
     * @param subject the subject (not blank)
     * @param roles its roles (or scopes)
     * @param method how it authenticated
     * @param credentialId the token id or key id it used, or {@code null}
     * @param expiresAt when that credential expires, or {@code null}
     * @param claims further claims (tokens), or empty
     */
    public Principal(String subject, Set<String> roles, Method method, String credentialId, Instant expiresAt,
            Map<String, Object> claims) {
        if (Objects.requireNonNull(subject, "subject").isBlank()) {
            throw new IllegalArgumentException("A principal's subject must not be blank");
        }
        this.subject = subject;
        this.roles = Set.copyOf(new TreeSet<>(Objects.requireNonNull(roles, "roles")));
        this.method = Objects.requireNonNull(method, "method");
        this.credentialId = credentialId;
        this.expiresAt = expiresAt;
        this.claims = Map.copyOf(Objects.requireNonNull(claims, "claims"));
    }

    /** The subject. */
    public String subject() {
        return subject;
    }

    /** Its roles. */
    public Set<String> roles() {
        return roles;
    }

    /** Whether it has {@code role}. */
    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /** How it authenticated. */
    public Method method() {
        return method;
    }

    /** The id of the token ({@code jti}) or API key it used. */
    public Optional<String> credentialId() {
        return Optional.ofNullable(credentialId);
    }

    /** When that token or key expires. */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    /** Further claims (for tokens: every claim of the JWT). */
    public Map<String, Object> claims() {
        return claims;
    }

    /**
     * Whether the subject logged in interactively: by password ({@link Method#PASSWORD}), or with a
     * token whose {@value #AMR_CLAIM} claim holds {@value #AMR_PASSWORD} (a token issued for a
     * password login, with {@link #authenticationClaims()}). An API key, and a token without that
     * claim value (e.g. one obtained with an API key), is not.
     */
    public boolean interactive() {
        if (method == Method.PASSWORD) {
            return true;
        }
        Object amr = claims.get(AMR_CLAIM);
        return method == Method.JWT && amr instanceof java.util.Collection
                && ((java.util.Collection<?>) amr).contains(AMR_PASSWORD);
    }

    /**
     * The claims a token issued for this principal carries to say how it authenticated, for
     * {@link TokenIssuer#issue(String, Set, Map, java.time.Duration)}: {@value #AMR_CLAIM}
     * {@code ["pwd"]} for a password login, {@code ["apikey"]} for an API key, and for a token the
     * {@value #AMR_CLAIM} it carries (none: empty), so a token renewed from a token is exactly as
     * interactive as the first.
     */
    public Map<String, Object> authenticationClaims() {
        switch (method) {
            case PASSWORD:
                return Map.of(AMR_CLAIM, java.util.List.of(AMR_PASSWORD));
            case API_KEY:
                return Map.of(AMR_CLAIM, java.util.List.of(AMR_API_KEY));
            default:
                Object amr = claims.get(AMR_CLAIM);
                return amr instanceof java.util.Collection ? Map.of(AMR_CLAIM, ((java.util.Collection<?>) amr).stream()
                        .filter(Objects::nonNull).map(String::valueOf).collect(java.util.stream.Collectors.toList()))
                        : Map.of();
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Principal)) {
            return false;
        }
        Principal p = (Principal) o;
        return subject.equals(p.subject) && roles.equals(p.roles) && method == p.method
                && Objects.equals(credentialId, p.credentialId) && Objects.equals(expiresAt, p.expiresAt)
                && claims.equals(p.claims);
    }

    @Override
    public int hashCode() {
        return Objects.hash(subject, roles, method, credentialId);
    }

    @Override
    public String toString() {
        return "Principal[" + subject + ", roles " + new TreeSet<>(roles) + ", " + method
                + (credentialId == null ? "" : ", id " + credentialId) + "]";
    }
}
