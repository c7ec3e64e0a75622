package dev.infrakit.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;

import java.text.ParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A key that verifies signatures with exactly one {@link JwsAlgorithm}: an RSA or EC public key,
 * or an HMAC secret. Made from a JWK, whose {@code alg}, {@code use} and {@code key_ops} are
 * enforced: a key meant for encryption, or whose operations exclude {@code verify}, is refused; an
 * RSA key must have at least 2048 bits, an EC key the curve its algorithm needs, an HMAC secret at
 * least as many bytes as its hash. Immutable and thread-safe; {@code toString()} shows the id and
 * algorithm only.
 */
public final class VerificationKey {
    /**
     * Key ids this library accepts: 1 to 128 of letters, digits and {@code . _ - @ : + =}, not
     * {@code .} or {@code ..}; no {@code /}, {@code \}, quotes, {@code ;}, spaces or control
     * characters, so a key id can never be a path or break out of a query.
     */
    static final Pattern SAFE_KID = Pattern.compile("(?!\\.{1,2}$)[A-Za-z0-9._@:+=-]{1,128}");

    private final String kid;
    private final JwsAlgorithm algorithm;
    private final JWSVerifier verifier;
    private final JWK publicJwk;

    private VerificationKey(String kid, JwsAlgorithm algorithm, JWSVerifier verifier, JWK publicJwk) {
        this.kid = kid;
        this.algorithm = algorithm;
        this.verifier = verifier;
        this.publicJwk = publicJwk;
    }

    /**
     * A key from a JWK (JSON) that names its algorithm ({@code alg}).
     *
     * @throws IllegalArgumentException if the JWK is not valid, names no supported algorithm, or is
     *     not fit for verifying signatures with it
     */
    public static VerificationKey fromJwk(String json) {
        return fromJwk(json, null);
    }

    /**
     * A key from a JWK (JSON) for {@code algorithm}; if the JWK names an algorithm too, it must be
     * the same.
     *
     * @throws IllegalArgumentException if the JWK is not valid or not fit for {@code algorithm}
     */
    public static VerificationKey fromJwk(String json, JwsAlgorithm algorithm) {
        JWK jwk;
        try {
            jwk = JWK.parse(Objects.requireNonNull(json, "json"));
        } catch (ParseException e) {
            throw new IllegalArgumentException("Not a valid JWK: " + e.getMessage());
        }
        return of(jwk, algorithm);
    }

    static VerificationKey of(JWK jwk, JwsAlgorithm explicit) {
        String kid = jwk.getKeyID();
        String name = kid == null ? "the key" : "key " + kid;
        if (kid != null && !SAFE_KID.matcher(kid).matches()) {
            throw new IllegalArgumentException("The key id of a JWK must be 1 to 128 letters, digits or . _ - @ : + =");
        }
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            throw new IllegalArgumentException(name + " is for " + jwk.getKeyUse().identifier()
                    + " (use), not for signatures");
        }
        if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.VERIFY)) {
            throw new IllegalArgumentException(name + " allows " + jwk.getKeyOperations() + " (key_ops), not verify");
        }
        JwsAlgorithm named = null;
        if (jwk.getAlgorithm() != null) {
            named = JwsAlgorithm.byName(jwk.getAlgorithm().getName()).orElseThrow(() -> new IllegalArgumentException(
                    name + " is for algorithm " + jwk.getAlgorithm().getName() + ", which is not a supported JWS algorithm"));
        }
        if (explicit != null && named != null && explicit != named) {
            throw new IllegalArgumentException(name + " is for " + named + ", not " + explicit);
        }
        JwsAlgorithm algorithm = explicit != null ? explicit : named;
        if (algorithm == null) {
            throw new IllegalArgumentException(name + " names no algorithm (alg); give it explicitly");
        }
        try {
            switch (algorithm.family()) {
                case HMAC: {
                    if (!(jwk instanceof OctetSequenceKey)) {
                        throw new IllegalArgumentException(name + " is a " + jwk.getKeyType() + " key; " + algorithm
                                + " needs a secret (kty oct)");
                    }
                    byte[] secret = ((OctetSequenceKey) jwk).toByteArray();
                    if (secret.length < algorithm.size()) {
                        throw new IllegalArgumentException(name + " has a " + secret.length + "-byte secret; " + algorithm
                                + " needs at least " + algorithm.size());
                    }
                    return new VerificationKey(kid, algorithm, new MACVerifier(secret), null);
                }
                case RSA: {
                    if (!(jwk instanceof RSAKey)) {
                        throw new IllegalArgumentException(name + " is a " + jwk.getKeyType() + " key; " + algorithm
                                + " needs an RSA key");
                    }
                    RSAKey rsa = ((RSAKey) jwk).toPublicJWK();
                    if (rsa.size() < 2048) {
                        throw new IllegalArgumentException(name + " has " + rsa.size() + " bits; at least 2048 are needed");
                    }
                    java.math.BigInteger e = rsa.getPublicExponent().decodeToBigInteger();
                    if (e.compareTo(java.math.BigInteger.valueOf(3)) < 0 || !e.testBit(0)) {
                        throw new IllegalArgumentException(name + " has a public exponent that is not an odd number of at "
                                + "least 3");
                    }
                    if (RocaFingerprint.matches(rsa.getModulus().decodeToBigInteger())) {
                        throw new IllegalArgumentException(name + " was made by a generator with the ROCA flaw "
                                + "(CVE-2017-15361): its private key can be computed; replace it");
                    }
                    return new VerificationKey(kid, algorithm, new RSASSAVerifier(rsa), rsa);
                }
                case EC: {
                    if (!(jwk instanceof ECKey)) {
                        throw new IllegalArgumentException(name + " is a " + jwk.getKeyType() + " key; " + algorithm
                                + " needs an EC key");
                    }
                    ECKey ec = ((ECKey) jwk).toPublicJWK();
                    if (!algorithm.curve().equals(ec.getCurve().getName())) {
                        throw new IllegalArgumentException(name + " is on curve " + ec.getCurve() + "; " + algorithm
                                + " needs " + algorithm.curve());
                    }
                    return new VerificationKey(kid, algorithm, new ECDSAVerifier(ec), ec);
                }
                default:
                    throw new IllegalStateException(algorithm.family().toString());
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException(name + " cannot verify " + algorithm + ": " + e.getMessage());
        }
    }

    /** The key id, if it has one. */
    public Optional<String> kid() {
        return Optional.ofNullable(kid);
    }

    /** The one algorithm it verifies. */
    public JwsAlgorithm algorithm() {
        return algorithm;
    }

    /** Whether it can be published in a JWKS (RSA and EC keys; never an HMAC secret). */
    public boolean isPublic() {
        return publicJwk != null;
    }

    /**
     * The public JWK as JSON (with {@code kid}, {@code alg} and {@code use: sig}), for a JWKS.
     *
     * @throws IllegalStateException for an HMAC secret, which must never be published
     */
    public String toPublicJwk() {
        return publicJwkObject().toJSONString();
    }

    JWK publicJwkObject() {
        if (publicJwk == null) {
            throw new IllegalStateException("An HMAC secret (" + this + ") is not a public key and is never published");
        }
        return publicJwk;
    }

    JWSVerifier verifier() {
        return verifier;
    }

    @Override
    public String toString() {
        return "VerificationKey[" + (kid == null ? "no kid" : kid) + ", " + algorithm + "]";
    }
}
