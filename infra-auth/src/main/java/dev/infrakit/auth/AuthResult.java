package dev.infrakit.auth;

import dev.infrakit.core.Arguments;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of checking a token, an API key or a password: a {@link Principal}, or the reason it
 * was refused. The detail says what was wrong in words a log reader can act on; it never contains
 * the token, key or password.
 */
public final class AuthResult {
    /** Why a credential was refused. */
    public enum Failure {
        /** Not parseable: bad structure, bad base64url, bad JSON. */
        MALFORMED,
        /** The algorithm is not one the key allows ({@code none}, HS/RS confusion, a disabled one). */
        ALGORITHM_NOT_ALLOWED,
        /** The header asks for something refused: an embedded key ({@code jwk}, {@code x5c}), a key URL ({@code jku}, {@code x5u}), {@code crit}. */
        UNSAFE_HEADER,
        /** The token's type ({@code typ}) is not the one expected. */
        WRONG_TYPE,
        /** No key with that id, or no key for a key id that is not safe. */
        UNKNOWN_KEY,
        /**
         * The key set holds a key with the token's key id, but that key cannot verify signatures:
         * an encryption key, a key too weak, of an unsupported type, or published without
         * {@code alg} and fitting no allowed algorithm; the detail says which.
         */
        UNUSABLE_KEY,
        /** The signature does not verify. */
        BAD_SIGNATURE,
        /** Past its expiry (beyond the allowed clock skew). */
        EXPIRED,
        /** Before its not-before time (beyond the allowed clock skew). */
        NOT_YET_VALID,
        /** The audience is not this service. */
        WRONG_AUDIENCE,
        /** The issuer is not the expected one. */
        WRONG_ISSUER,
        /** A required claim is missing or has the wrong type. */
        MISSING_CLAIM,
        /** The key or token was revoked. */
        REVOKED,
        /** The user name or password is wrong. */
        BAD_CREDENTIALS,
        /** Too many failed attempts: refused for a while ({@link #retryAfter()} says how long). */
        LOCKED,
        /** Too many attempts from the client's network: refused for a while ({@link #retryAfter()}). */
        THROTTLED,
        /**
         * Could not be checked now (the token revocations could not be read): not the client's
         * fault, answered 503; the same credential may be accepted when the store answers again.
         */
        UNAVAILABLE
    }

    private final Principal principal;
    private final Failure failure;
    private final String detail;
    private final Duration retryAfter;

    private AuthResult(Principal principal, Failure failure, String detail, Duration retryAfter) {
        this.principal = principal;
        this.failure = failure;
        this.detail = detail;
        this.retryAfter = retryAfter;
    }

    /** Authenticated as {@code principal}. */
    public static AuthResult success(Principal principal) {
        return new AuthResult(Objects.requireNonNull(principal, "principal"), null, "ok", null);
    }

    /** Refused for {@code failure}; {@code detail} explains (never containing the credential). */
    public static AuthResult failure(Failure failure, String detail) {
        return new AuthResult(null, Objects.requireNonNull(failure, "failure"), Objects.requireNonNull(detail, "detail"),
                null);
    }

    /**
     * Refused for {@code failure} for a while: the same attempt may succeed after {@code retryAfter}
     * (what an HTTP answer puts in {@code Retry-After}).
     *
     * @throws IllegalArgumentException if {@code retryAfter} is negative
     */
    public static AuthResult failure(Failure failure, String detail, Duration retryAfter) {
        Arguments.notNegative(retryAfter, "retryAfter");
        return new AuthResult(null, Objects.requireNonNull(failure, "failure"), Objects.requireNonNull(detail, "detail"),
                retryAfter);
    }

    /** For a refusal that lasts a while ({@link Failure#LOCKED}, {@link Failure#THROTTLED}): how long. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Whether it was accepted. */
    public boolean ok() {
        return principal != null;
    }

    /**
     * The principal.
     *
     * @throws IllegalStateException if the credential was refused (the message says why)
     */
    public Principal principal() {
        if (principal == null) {
            throw new IllegalStateException("Not authenticated: " + failure + " (" + detail + ")");
        }
        return principal;
    }

    /** The principal, if accepted. */
    public Optional<Principal> principalIfOk() {
        return Optional.ofNullable(principal);
    }

    /** Why it was refused, if it was. */
    public Optional<Failure> failure() {
        return Optional.ofNullable(failure);
    }

    /** What was wrong ("ok" when accepted). */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return principal != null ? "AuthResult[ok, " + principal + "]" : "AuthResult[" + failure + ": " + detail + "]";
    }
}
