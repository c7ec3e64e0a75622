package dev.infrakit.auth;

import java.util.HashSet;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientText;
import com.nimbusds.jwt.JWTClaimsSet;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies JWT access tokens and returns the {@link Principal} they carry, or the reason they were
 * refused ({@link AuthResult.Failure}). In order:
 * <ol>
 *   <li>the JWS layer: strict compact serialization and base64url, no {@code none}, no key from
 *   the token ({@code jwk}, {@code jku}, {@code x5u}, {@code x5c} refused), no {@code crit}, a
 *   {@code kid} of 1 to 256 printable characters (no control, format or line-separator
 *   character);</li>
 *   <li>{@code typ} is one of the accepted types (default {@code at+jwt}; compared without case and
 *   without an {@code application/} prefix; {@link Builder#identityProviderTypes()} for tokens
 *   from identity providers, which often send {@code JWT} or no {@code typ});</li>
 *   <li>the key: found by {@code kid} through the {@link KeyResolver}, and bound to its
 *   algorithms, one of which must be the header's (an RSA public key is never used as an HMAC
 *   secret); a key id the key set holds for a key it cannot use is refused as
 *   {@link AuthResult.Failure#UNUSABLE_KEY}, saying why;</li>
 *   <li>the signature;</li>
 *   <li>the claims: {@code exp} required and not past, {@code nbf} and {@code iat} not in the
 *   future (both with the allowed clock skew, default 60 s), {@code iss} the expected issuer,
 *   {@code aud} containing the expected audience, {@code client_id} one of the expected clients
 *   ({@link Builder#clientId(String...)}), {@code sub} present, roles an array of strings (or a
 *   space-separated string), read from a claim or a path into nested claims
 *   ({@link Builder#rolesClaimPath(String)});</li>
 *   <li>with {@link Builder#revocations}, that the token was not revoked.</li>
 * </ol>
 * Thread-safe. Failure details never contain the token.
 */
public final class TokenVerifier {
    private final KeyResolver keys;
    private final Set<String> issuers;
    private final String audience;
    private final Duration skew;
    private final Clock clock;
    private final Set<String> types;
    private final Set<String> clientIds;
    private final List<String> rolesPath;
    private final String rolesClaim;
    private final int maxLength;
    private final TokenRevocations revocations;
    private final VerifiedTokens cache;

    private TokenVerifier(Builder b) {
        this.keys = b.keys;
        this.issuers = Set.copyOf(b.issuers);
        this.audience = b.audience;
        this.skew = b.skew;
        this.clock = b.clock;
        this.types = Set.copyOf(b.types);
        this.clientIds = Set.copyOf(b.clientIds);
        this.rolesPath = b.rolesPath;
        this.rolesClaim = String.join(".", b.rolesPath);
        this.maxLength = b.maxLength;
        this.revocations = b.revocations;
        this.cache = b.cacheEntries > 0 ? new VerifiedTokens(b.cacheEntries, b.cacheMaxAge) : null;
    }

    /** A builder finding keys through {@code keys}. */
    public static Builder builder(KeyResolver keys) {
        return new Builder(keys);
    }

    /** A builder verifying with a fixed set of keys. */
    public static Builder builder(VerificationKey... keys) {
        return new Builder(KeyResolver.of(keys));
    }

    private static AuthResult fail(AuthResult.Failure failure, String detail) {
        return AuthResult.failure(failure, detail);
    }

    /** Verifies {@code token} (the compact JWT, without {@code Bearer }). */
    public AuthResult verify(String token) {
        if (token == null || token.isEmpty()) {
            return fail(AuthResult.Failure.MALFORMED, "no token");
        }
        if (token.length() > maxLength) {
            return fail(AuthResult.Failure.MALFORMED, "token longer than " + maxLength + " characters");
        }
        java.nio.ByteBuffer digest = null;
        if (cache != null) {
            digest = VerifiedTokens.digest(token);
            Instant now = clock.instant();
            VerifiedTokens.Entry hit = cache.get(digest, now);
            if (hit != null) {
                if (keys.keys(hit.kid()).contains(hit.key())) {
                    AuthResult timely = timeClaims(hit.expires(), hit.notBefore(), hit.issued(), now);
                    if (timely != null) {
                        return timely;
                    }
                    return revocations == null ? AuthResult.success(hit.principal()) : revocations.check(hit.principal());
                }
                cache.remove(digest); // its key left the key set: verify again (and most likely refuse)
            }
        }
        Jws.Parsed jws = Jws.parse(token);
        if (!jws.ok()) {
            return jws.failure;
        }
        String typ = jws.header.hasNonNull("typ") ? normalizeType(jws.header.get("typ").asText()) : "";
        if (!types.contains(typ)) {
            return fail(AuthResult.Failure.WRONG_TYPE, typ.isEmpty() ? "the token has no type (typ); expected " + types
                    : "the token's type is not one of " + types);
        }
        VerificationKey[] used = new VerificationKey[1];
        AuthResult signature = signature(keys, jws, used);
        if (signature != null) {
            return signature;
        }
        AuthResult verified = claims(jws, digest, used[0]);
        if (!verified.ok() || revocations == null) {
            return verified;
        }
        return revocations.check(verified.principal());
    }

    /** The checks of {@code exp}, {@code nbf} and {@code iat} against {@code now}: null when they pass. */
    private AuthResult timeClaims(Instant exp, Instant nbf, Instant iat, Instant now) {
        if (now.isAfter(exp.plus(skew))) {
            return fail(AuthResult.Failure.EXPIRED, "the token expired at " + exp);
        }
        if (nbf != null && now.isBefore(nbf.minus(skew))) {
            return fail(AuthResult.Failure.NOT_YET_VALID, "the token is not valid before " + nbf);
        }
        if (iat != null && now.isBefore(iat.minus(skew))) {
            return fail(AuthResult.Failure.NOT_YET_VALID, "the token was issued in the future (" + iat + ")");
        }
        return null;
    }

    /**
     * The verified-token cache's counters, when {@link Builder#cache} enabled it: entries, hits,
     * misses and evictions since the verifier was built.
     */
    public Optional<CacheStats> cacheStats() {
        return cache == null ? Optional.empty() : Optional.of(cache.stats());
    }

    /**
     * The verified-token cache's counters.
     *
     * @param size entries now
     * @param maxSize the most entries kept
     * @param hits tokens found (still valid: their key in the key set, not expired)
     * @param misses tokens verified in full
     * @param evictions entries dropped to make room (expired ones included)
     */
    public record CacheStats(long size, long maxSize, long hits, long misses, long evictions) {
        /** Hits over lookups, 0 before the first. */
        public double hitRatio() {
            long lookups = hits + misses;
            return lookups == 0 ? 0 : (double) hits / lookups;
        }
    }

    /**
     * A Micrometer binder of the cache ({@code infrakit.auth.token.cache.size}, {@code .hits},
     * {@code .misses}, {@code .evictions}); binds nothing when the cache is off. Needs
     * {@code micrometer-core} on the class path.
     */
    public io.micrometer.core.instrument.binder.MeterBinder cacheMetrics() {
        // Through a factory: the binder class is loaded only here, so Micrometer stays optional.
        return VerifiedTokensMetrics.of(this);
    }

    /**
     * Finds the token's key through {@code keys} (by {@code kid}; all keys when there is none),
     * keeps those bound to the header's algorithm, and checks the signature with them (at most 8):
     * {@code null} when one verifies, else the failure.
     */
    static AuthResult signature(KeyResolver keys, Jws.Parsed jws) {
        return signature(keys, jws, new VerificationKey[1]);
    }

    /** {@link #signature(KeyResolver, Jws.Parsed)}, putting the key that verified in {@code used[0]}. */
    static AuthResult signature(KeyResolver keys, Jws.Parsed jws, VerificationKey[] used) {
        List<VerificationKey> candidates = keys.keys(jws.kid);
        if (candidates.isEmpty()) {
            if (jws.kid == null) {
                return fail(AuthResult.Failure.UNKNOWN_KEY, "the token names no key (kid) and none is configured");
            }
            Optional<String> why = keys.whyUnusable(jws.kid);
            return why.isPresent() ? fail(AuthResult.Failure.UNUSABLE_KEY, "key " + KeyIds.quote(jws.kid)
                    + " is in the key set but cannot verify tokens: " + why.get())
                    : fail(AuthResult.Failure.UNKNOWN_KEY, "no key with id " + KeyIds.quote(jws.kid));
        }
        AuthResult failure = null;
        int tried = 0;
        for (VerificationKey key : candidates) {
            if (!key.allows(jws.algorithm)) {
                continue;
            }
            tried++;
            failure = Jws.check(jws, key);
            if (failure == null) {
                used[0] = key;
                break;
            }
            if (tried >= 8) {
                break;
            }
        }
        if (tried == 0) {
            return jws.kid == null ? fail(AuthResult.Failure.ALGORITHM_NOT_ALLOWED, "the token is signed with "
                    + jws.algorithm + " but no key is for it") : Jws.notAllowed(jws, candidates.get(0));
        }
        return failure;
    }

    /** The claims' checks; on success (before revocation) the result is cached under {@code digest}. */
    private AuthResult claims(Jws.Parsed jws, java.nio.ByteBuffer digest, VerificationKey key) {
        JWTClaimsSet claims;
        try {
            claims = JWTClaimsSet.parse(new String(jws.payload, StandardCharsets.UTF_8));
        } catch (ParseException e) {
            return fail(AuthResult.Failure.MALFORMED, "the claims are not a valid JWT claims set");
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            return fail(AuthResult.Failure.MISSING_CLAIM, "the token has no expiry (exp)");
        }
        Date nbf = claims.getNotBeforeTime();
        Date iat = claims.getIssueTime();
        AuthResult timely = timeClaims(exp.toInstant(), nbf == null ? null : nbf.toInstant(), iat == null ? null
                : iat.toInstant(), now);
        if (timely != null) {
            return timely;
        }
        if (!issuers.isEmpty() && (claims.getIssuer() == null || !issuers.contains(claims.getIssuer()))) {
            return fail(AuthResult.Failure.WRONG_ISSUER, claims.getIssuer() == null ? "the token has no issuer (iss)"
                    : "the token's issuer is not " + (issuers.size() == 1 ? issuers.iterator().next() : "one of " + issuers));
        }
        if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            return fail(AuthResult.Failure.WRONG_AUDIENCE, "the token is not for audience " + audience);
        }
        if (!clientIds.isEmpty()) {
            Object client = claims.getClaim("client_id");
            if (!(client instanceof String) || !clientIds.contains(client)) {
                return fail(AuthResult.Failure.WRONG_AUDIENCE, client == null ? "the token has no client (client_id)"
                        : "the token's client (client_id) is not " + (clientIds.size() == 1 ? clientIds.iterator().next()
                                : "one of " + clientIds));
            }
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            return fail(AuthResult.Failure.MISSING_CLAIM, "the token has no subject (sub)");
        }
        Set<String> roles = new LinkedHashSet<>();
        Object value = claims.getClaim(rolesPath.get(0));
        for (int i = 1; i < rolesPath.size() && value != null; i++) {
            if (!(value instanceof Map)) {
                return fail(AuthResult.Failure.MISSING_CLAIM, "the " + String.join(".", rolesPath.subList(0, i))
                        + " claim must be an object (roles are read from " + rolesClaim + ")");
            }
            value = ((Map<?, ?>) value).get(rolesPath.get(i));
        }
        if (value instanceof String) {
            for (String role : ((String) value).trim().split("\\s+")) {
                if (!role.isEmpty()) {
                    roles.add(role);
                }
            }
        } else if (value instanceof List) {
            for (Object role : (List<?>) value) {
                if (!(role instanceof String)) {
                    return fail(AuthResult.Failure.MISSING_CLAIM, "the " + rolesClaim + " claim must hold strings");
                }
                roles.add((String) role);
            }
        } else if (value != null) {
            return fail(AuthResult.Failure.MISSING_CLAIM, "the " + rolesClaim + " claim must be an array of strings");
        }
        Map<String, Object> all = new HashMap<>();
        claims.getClaims().forEach((k, v) -> {
            if (v != null) {
                all.put(k, v);
            }
        });
        Principal principal = new Principal(subject, roles, Principal.Method.JWT, claims.getJWTID(), exp.toInstant(), all);
        if (cache != null && digest != null && key != null) {
            Instant dropAt = exp.toInstant().plus(skew);
            Instant oldest = now.plus(cache.maxAge());
            cache.put(digest, new VerifiedTokens.Entry(principal, jws.kid, key, exp.toInstant(), nbf == null ? null
                    : nbf.toInstant(), iat == null ? null : iat.toInstant(), dropAt.isBefore(oldest) ? dropAt : oldest), now);
        }
        return AuthResult.success(principal);
    }

    private static String normalizeType(String typ) {
        String t = typ.toLowerCase(Locale.ROOT);
        return t.startsWith("application/") ? t.substring("application/".length()) : t;
    }

    /** Builds a {@link TokenVerifier}. */
    public static final class Builder {
        /** The deepest {@link #rolesClaimPath(String)} accepted. */
        public static final int MAX_ROLES_DEPTH = 8;

        private final Set<String> given = new HashSet<>();

        private final KeyResolver keys;
        private Set<String> issuers = Set.of();
        private String audience;
        private boolean anyIssuer;
        private boolean anyAudience;
        private Duration skew = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();
        private Set<String> types = Set.of("at+jwt");
        private Set<String> clientIds = Set.of();
        private List<String> rolesPath = List.of("roles");
        private int maxLength = 8192;
        private TokenRevocations revocations;
        private int cacheEntries;
        private Duration cacheMaxAge;

        private Builder(KeyResolver keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
        }

        /** The issuers accepted ({@code iss}); one of this or {@link #anyIssuer()} is required. */
        public Builder issuer(String... issuers) {
            Arguments.markSet(given, "issuer");
            this.issuers = Set.of(issuers);
            return this;
        }

        /** Accepts any issuer: only when the keys alone identify the issuer. */
        public Builder anyIssuer() {
            Arguments.markSet(given, "issuer");
            this.anyIssuer = true;
            return this;
        }

        /** The audience this service is ({@code aud} must contain it); this or {@link #anyAudience()} is required. */
        public Builder audience(String audience) {
            Arguments.markSet(given, "audience");
            this.audience = Objects.requireNonNull(audience, "audience");
            return this;
        }

        /** Accepts tokens for any audience. */
        public Builder anyAudience() {
            Arguments.markSet(given, "audience");
            this.anyAudience = true;
            return this;
        }

        /** The clock skew allowed on {@code exp}, {@code nbf} and {@code iat} (default 60 s; at most 5 min). */
        public Builder clockSkew(Duration skew) {
            Arguments.markSet(given, "clockSkew");
            if (skew == null || skew.isNegative() || skew.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("clockSkew must be 0 to 5 minutes, got " + skew);
            }
            this.skew = skew;
            return this;
        }

        /** The clock (tests). */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The accepted {@code typ} values (default {@code at+jwt}); an empty string accepts tokens
         * without {@code typ}. For an identity provider's tokens, {@link #identityProviderTypes()}.
         */
        public Builder types(String... types) {
            Arguments.markSet(given, "types");
            Set<String> normalized = new LinkedHashSet<>();
            for (String t : types) {
                normalized.add(normalizeType(t));
            }
            this.types = normalized;
            return this;
        }

        /**
         * The accepted {@code typ} values of identity providers' access tokens: {@code at+jwt}
         * (RFC 9068), {@code JWT} (Azure AD / Entra, Keycloak, Auth0, Google) and none (Cognito,
         * Okta). Such a provider also issues ID tokens of the same type with the same keys, so
         * check the audience ({@link #audience(String)}) or the client ({@link #clientId(String...)})
         * and the issuer: they, not the type, tell an access token for this service apart. Same
         * setting as {@link #types(String...)}.
         */
        public Builder identityProviderTypes() {
            return types("at+jwt", "JWT", "");
        }

        /**
         * The clients accepted ({@code client_id} must be one of them): for access tokens that
         * carry the client instead of an audience, as Amazon Cognito's do. May replace
         * {@link #audience(String)} (then give neither it nor {@link #anyAudience()}), or be
         * checked as well as it. A token without {@code client_id}, or with another, is refused
         * as {@link AuthResult.Failure#WRONG_AUDIENCE}.
         *
         * @throws IllegalArgumentException if no client id, or a blank one, is given
         */
        public Builder clientId(String... clientIds) {
            Arguments.markSet(given, "clientId");
            Objects.requireNonNull(clientIds, "clientIds");
            if (clientIds.length == 0) {
                throw new IllegalArgumentException("clientId needs at least one client id");
            }
            for (String id : clientIds) {
                if (id == null || id.isBlank()) {
                    throw new IllegalArgumentException("clientId must not be blank, got '" + id + "'");
                }
            }
            this.clientIds = Set.of(clientIds);
            return this;
        }

        /**
         * The claim holding the roles (default {@code roles}; {@code scope} for OAuth scopes),
         * taken as one name even when it holds dots ({@code https://example.com/roles}).
         */
        public Builder rolesClaim(String rolesClaim) {
            Arguments.markSet(given, "rolesClaim");
            this.rolesPath = List.of(Objects.requireNonNull(rolesClaim, "rolesClaim"));
            return this;
        }

        /**
         * The path to the roles in nested claims: claim names separated by dots, at most
         * {@value #MAX_ROLES_DEPTH} deep, e.g. {@code realm_access.roles} (Keycloak) or
         * {@code resource_access.orders.roles}. Each name but the last must hold a JSON object;
         * the last an array of strings (or a space-separated string). A token where the path ends
         * early holds no roles; one where a step is not an object, or the roles are not strings,
         * is refused as {@link AuthResult.Failure#MISSING_CLAIM}. Same setting as
         * {@link #rolesClaim(String)}.
         *
         * @throws IllegalArgumentException if the path is empty, has an empty name, or is deeper
         *     than {@value #MAX_ROLES_DEPTH}
         */
        public Builder rolesClaimPath(String path) {
            Arguments.markSet(given, "rolesClaim");
            Objects.requireNonNull(path, "path");
            List<String> names = List.of(path.split("\\.", -1));
            if (path.isEmpty() || names.size() > MAX_ROLES_DEPTH || names.contains("")) {
                throw new IllegalArgumentException("rolesClaimPath must be 1 to " + MAX_ROLES_DEPTH
                        + " non-empty claim names separated by dots, got '" + ClientText.truncate(path, 100) + "'");
            }
            this.rolesPath = names;
            return this;
        }

        /** The longest token accepted, in characters (default 8192). */
        public Builder maxLength(int maxLength) {
            Arguments.markSet(given, "maxLength");
            if (maxLength < 64) {
                throw new IllegalArgumentException("maxLength must be at least 64, got " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }

        /**
         * Refuses tokens revoked in {@code revocations} (a denied {@code jti}, or an epoch older
         * than the subject's: {@link AuthResult.Failure#REVOKED}), checked last, after the
         * signature and every claim; while the revocations cannot be read, tokens are refused
         * with {@link AuthResult.Failure#UNAVAILABLE}.
         */
        public Builder revocations(TokenRevocations revocations) {
            Arguments.markSet(given, "revocations");
            this.revocations = Objects.requireNonNull(revocations, "revocations");
            return this;
        }

        /**
         * Keeps what verifying a token found, so that the same token presented again skips the
         * signature (for ES256, about 85 % of the work of an authenticated request): a bounded map
         * from the token's SHA-256 to its principal, the key that verified it and its time claims.
         * On a hit, the key must still be in the key set (rotated out or gone from a refreshed JWKS:
         * verified again, and refused if the key is gone), {@code exp}, {@code nbf} and {@code iat}
         * are checked against the clock, and {@link #revocations} is asked, as on every request; an
         * entry lives until the token's {@code exp} (plus the skew) or {@code maxAge}, whichever is
         * first. Only tokens that passed are kept; the token itself is never stored. Off by default.
         *
         * <p>Why a hit is as good as a verification: the entry was made by this verifier, whose
         * settings do not change, after every check that does not depend on the time passed for
         * exactly these bytes (SHA-256 is collision-resistant: no other string has the digest);
         * what can change since — the time, the key set, the revocations — is checked again.
         *
         * @param maxEntries the most tokens kept, 1 to 10,000,000 (each about 1 KB with its claims)
         * @param maxAge the longest an entry lives, 1 s to 1 day
         * @throws IllegalArgumentException if either is out of range
         */
        public Builder cache(int maxEntries, Duration maxAge) {
            Arguments.markSet(given, "cache");
            if (maxEntries < 1 || maxEntries > 10_000_000) {
                throw new IllegalArgumentException("cache maxEntries must be 1 to 10,000,000, got " + maxEntries);
            }
            if (maxAge == null || maxAge.compareTo(Duration.ofSeconds(1)) < 0 || maxAge.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("cache maxAge must be 1 s to 1 day, got " + maxAge);
            }
            this.cacheEntries = maxEntries;
            this.cacheMaxAge = maxAge;
            return this;
        }

        /**
         * The verifier.
         *
         * @throws IllegalStateException if neither an issuer nor {@code anyIssuer()}, or none of an
         *     audience, a client id or {@code anyAudience()}, was given
         */
        public TokenVerifier build() {
            if (issuers.isEmpty() && !anyIssuer) {
                throw new IllegalStateException("Say which issuers to accept (issuer(...)), or anyIssuer()");
            }
            if (audience == null && !anyAudience && clientIds.isEmpty()) {
                throw new IllegalStateException("Say which audience this service is (audience(...)), which clients it"
                        + " accepts (clientId(...)), or anyAudience()");
            }
            return new TokenVerifier(this);
        }
    }
}
