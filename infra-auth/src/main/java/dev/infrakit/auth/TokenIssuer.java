package dev.infrakit.auth;

import java.util.HashSet;
import dev.infrakit.core.Arguments;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Issues signed JWT access tokens: header {@code alg}, {@code kid}, {@code typ} (default
 * {@code at+jwt}, RFC 9068); claims {@code iss}, {@code sub}, {@code aud}, {@code iat},
 * {@code nbf}, {@code exp}, {@code jti} (random) and the roles (claim {@code roles}, an array),
 * plus any extra claims. ECDSA signatures (ES256/384/512) are always low-s ({@code s <= n/2}), so
 * a token has exactly one string. Thread-safe.
 */
public final class TokenIssuer {
    /** Claims the issuer sets itself; extra claims may not use these names. */
    static final Set<String> RESERVED = Set.of("iss", "sub", "aud", "iat", "nbf", "exp", "jti");

    private final java.util.function.Supplier<SigningKey> keys;
    private final String issuer;
    private final List<String> audience;
    private final Duration ttl;
    private final Clock clock;
    private final String type;
    private final String rolesClaim;

    private TokenIssuer(Builder b) {
        this.keys = b.keys;
        this.issuer = b.issuer;
        this.audience = List.copyOf(b.audience);
        this.ttl = b.ttl;
        this.clock = b.clock;
        this.type = b.type;
        this.rolesClaim = b.rolesClaim;
    }

    /** A builder signing with {@code key}. */
    public static Builder builder(SigningKey key) {
        Objects.requireNonNull(key, "key");
        return new Builder(() -> key);
    }

    /**
     * A builder signing each token with the key {@code keys} gives at that moment (e.g.
     * {@link TokenKeys#signingKey()}, which changes when keys rotate).
     */
    public static Builder builder(java.util.function.Supplier<SigningKey> keys) {
        return new Builder(Objects.requireNonNull(keys, "keys"));
    }

    /** A token for {@code subject} with {@code roles}, valid for the configured time. */
    public String issue(String subject, Set<String> roles) {
        return issue(subject, roles, Map.of(), ttl);
    }

    /**
     * A token for {@code subject} with {@code roles} and extra claims, valid for {@code validity}.
     *
     * @throws IllegalArgumentException if an extra claim uses a reserved name or the subject is blank
     */
    public String issue(String subject, Set<String> roles, Map<String, ?> extraClaims, Duration validity) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("A token needs a subject");
        }
        Objects.requireNonNull(roles, "roles");
        if (validity == null || validity.isZero() || validity.isNegative()) {
            throw new IllegalArgumentException("A token's validity must be positive, got " + validity);
        }
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).subject(subject)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(validity)))
                .jwtID(dev.infrakit.core.TimeOrderedIds.next().toString());
        if (audience.size() == 1) {
            claims.audience(audience.get(0));
        } else if (!audience.isEmpty()) {
            claims.audience(audience);
        }
        for (Map.Entry<String, ?> e : extraClaims.entrySet()) {
            if (RESERVED.contains(e.getKey()) || e.getKey().equals(rolesClaim)) {
                throw new IllegalArgumentException("Claim '" + e.getKey() + "' is set by the issuer, not as an extra claim");
            }
            claims.claim(e.getKey(), e.getValue());
        }
        claims.claim(rolesClaim, new ArrayList<>(new TreeSet<>(roles)));
        SigningKey key = Objects.requireNonNull(keys.get(), "the signing key supplier gave no key");
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.parse(key.algorithm().name())).keyID(key.kid())
                .type(new JOSEObjectType(type)).build();
        SignedJWT jwt = new SignedJWT(header, claims.build());
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("Signing a token with " + key + " failed: " + e.getMessage(), e);
        }
        if (key.algorithm().family() == JwsAlgorithm.Family.EC) {
            return jwt.getHeader().toBase64URL() + "." + jwt.getPayload().toBase64URL() + "."
                    + lowS(jwt.getSignature(), key.algorithm()).toString();
        }
        return jwt.serialize();
    }

    /*
     * ECDSA signatures are malleable: if (r, s) verifies, so does (r, n - s). The JCA signer picks
     * either, so the same token could be written two ways. Ours always carry the low one (s <= n/2,
     * as Bitcoin's BIP 62 and Ethereum do), so a token has one canonical string. Verification still
     * accepts both (third-party issuers do not normalise); nothing in this module keys a security
     * decision on the signature bytes (a token is identified by its jti).
     */
    static com.nimbusds.jose.util.Base64URL lowS(com.nimbusds.jose.util.Base64URL signature, JwsAlgorithm algorithm) {
        byte[] rs = signature.decode();
        int half = rs.length / 2;
        BigInteger n = order(algorithm);
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(rs, half, rs.length));
        if (s.compareTo(n.shiftRight(1)) <= 0) {
            return signature;
        }
        byte[] low = n.subtract(s).toByteArray(); // big-endian, maybe with a leading sign byte
        byte[] out = rs.clone();
        java.util.Arrays.fill(out, half, out.length, (byte) 0);
        int copy = Math.min(low.length, half);
        System.arraycopy(low, low.length - copy, out, out.length - copy, copy);
        return com.nimbusds.jose.util.Base64URL.encode(out);
    }

    /** The order n of an ECDSA algorithm's curve. */
    static BigInteger order(JwsAlgorithm algorithm) {
        return com.nimbusds.jose.jwk.Curve.parse(algorithm.curve()).toECParameterSpec().getOrder();
    }

    /** The key it signs with now. */
    public SigningKey key() {
        return keys.get();
    }

    @Override
    public String toString() {
        return "TokenIssuer[" + issuer + "]";
    }

    /** Builds a {@link TokenIssuer}. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private final java.util.function.Supplier<SigningKey> keys;
        private String issuer;
        private List<String> audience = List.of();
        private Duration ttl = Duration.ofMinutes(15);
        private Clock clock = Clock.systemUTC();
        private String type = "at+jwt";
        private String rolesClaim = "roles";

        private Builder(java.util.function.Supplier<SigningKey> keys) {
            this.keys = keys;
        }

        /** The issuer ({@code iss}), required: e.g. the service's URL. */
        public Builder issuer(String issuer) {
            Arguments.markSet(given, "issuer");
            if (issuer == null || issuer.isBlank()) {
                throw new IllegalArgumentException("issuer must not be blank");
            }
            this.issuer = issuer;
            return this;
        }

        /** The audience ({@code aud}): who the tokens are for. */
        public Builder audience(String... audience) {
            Arguments.markSet(given, "audience");
            this.audience = List.of(audience);
            return this;
        }

        /** How long tokens are valid (default 15 minutes). */
        public Builder ttl(Duration ttl) {
            Arguments.markSet(given, "ttl");
            if (ttl == null || ttl.isZero() || ttl.isNegative()) {
                throw new IllegalArgumentException("ttl must be positive, got " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /** The clock stamping tokens (tests). */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The header's {@code typ} (default {@code at+jwt}). */
        public Builder type(String type) {
            Arguments.markSet(given, "type");
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /** The claim holding the roles (default {@code roles}). */
        public Builder rolesClaim(String rolesClaim) {
            Arguments.markSet(given, "rolesClaim");
            this.rolesClaim = Objects.requireNonNull(rolesClaim, "rolesClaim");
            return this;
        }

        /**
         * The issuer.
         *
         * @throws IllegalStateException if no issuer was set
         */
        public TokenIssuer build() {
            if (issuer == null) {
                throw new IllegalStateException("A token issuer needs an issuer (iss)");
            }
            return new TokenIssuer(this);
        }
    }
}
