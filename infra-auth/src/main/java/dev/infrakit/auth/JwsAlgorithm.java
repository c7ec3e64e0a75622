package dev.infrakit.auth;

import java.util.Optional;

/**
 * The JWS algorithms Infrakit signs and verifies with. Each key is bound to exactly one: a token
 * is verified only with a key whose algorithm is the one its header names, so an HMAC secret is
 * never taken for an RSA key or the other way round. {@code none} is not among them.
 */
public enum JwsAlgorithm {
    /** HMAC with SHA-256 (a secret of at least 32 bytes). */
    HS256(Family.HMAC, 32),
    /** HMAC with SHA-384 (a secret of at least 48 bytes). */
    HS384(Family.HMAC, 48),
    /** HMAC with SHA-512 (a secret of at least 64 bytes). */
    HS512(Family.HMAC, 64),
    /** RSASSA-PKCS1-v1_5 with SHA-256 (RSA of at least 2048 bits). */
    RS256(Family.RSA, 0),
    /** RSASSA-PKCS1-v1_5 with SHA-384. */
    RS384(Family.RSA, 0),
    /** RSASSA-PKCS1-v1_5 with SHA-512. */
    RS512(Family.RSA, 0),
    /** RSASSA-PSS with SHA-256. */
    PS256(Family.RSA, 0),
    /** RSASSA-PSS with SHA-384. */
    PS384(Family.RSA, 0),
    /** RSASSA-PSS with SHA-512. */
    PS512(Family.RSA, 0),
    /** ECDSA on P-256 with SHA-256 (signature 64 bytes). */
    ES256(Family.EC, 64),
    /** ECDSA on P-384 with SHA-384 (signature 96 bytes). */
    ES384(Family.EC, 96),
    /** ECDSA on P-521 with SHA-512 (signature 132 bytes). */
    ES512(Family.EC, 132);

    /** The kind of key an algorithm needs. */
    public enum Family {
        /** A shared secret. */
        HMAC,
        /** An RSA key pair. */
        RSA,
        /** An elliptic-curve key pair. */
        EC
    }

    private final Family family;
    private final int size;

    JwsAlgorithm(Family family, int size) {
        this.family = family;
        this.size = size;
    }

    /** The kind of key it needs. */
    public Family family() {
        return family;
    }

    /** HMAC: the least secret length in bytes; EC: the signature length in bytes; RSA: 0. */
    int size() {
        return size;
    }

    /** The curve name an EC algorithm needs ({@code P-256}, {@code P-384}, {@code P-521}). */
    String curve() {
        switch (this) {
            case ES256:
                return "P-256";
            case ES384:
                return "P-384";
            case ES512:
                return "P-521";
            default:
                throw new IllegalStateException(this + " is not an EC algorithm");
        }
    }

    /** The algorithm of this name (exact, as in a JWS header), if it is one of these. */
    public static Optional<JwsAlgorithm> byName(String name) {
        for (JwsAlgorithm a : values()) {
            if (a.name().equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
