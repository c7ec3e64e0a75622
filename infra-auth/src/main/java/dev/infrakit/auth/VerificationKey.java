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
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;

import java.text.ParseException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A key that verifies signatures with the {@link JwsAlgorithm}s it is bound to: an RSA or EC public
 * key, or an HMAC secret. A key whose JWK names its {@code alg} is bound to exactly that one; a key
 * published without {@code alg} (Azure AD / Entra, EC keys of some providers), read by
 * {@link JwkSet#parse(String, Set)}, to those an allow-list gives its key type and size, never to
 * one a token names. Made from a JWK, whose {@code alg}, {@code use} and {@code key_ops} are
 * enforced: a key meant for encryption, or whose operations exclude {@code verify}, is refused; an
 * RSA key must have at least 2048 bits, an EC key the curve its algorithm needs, an HMAC secret at
 * least as many bytes as its hash. Immutable and thread-safe; {@code toString()} shows the id and
 * algorithm only.
 */
public final class VerificationKey {
    /**
     * Key ids of the signing keys this library makes ({@link SigningKey}): 1 to 128 of letters,
     * digits and {@code . _ - @ : + =}, not {@code .} or {@code ..}; no {@code /}, {@code \},
     * quotes, {@code ;}, spaces or control characters, so such a key id can never be a path or
     * break out of a query. Key ids from elsewhere (a JWKS, a token) may be any printable text
     * ({@link KeyIds}).
     */
    static final Pattern SAFE_KID = Pattern.compile("(?!\\.{1,2}$)[A-Za-z0-9._@:+=-]{1,128}");

    private final String kid;
    private final Set<JwsAlgorithm> algorithms;
    private final JwsAlgorithm algorithm;
    private final JWSVerifier verifier;
    private final JWK publicJwk;

    private VerificationKey(String kid, Set<JwsAlgorithm> algorithms, JWSVerifier verifier, JWK publicJwk) {
        this.kid = kid;
        this.algorithms = Collections.unmodifiableSet(EnumSet.copyOf(algorithms));
        this.algorithm = this.algorithms.iterator().next();
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
        return of(jwk, explicit, Set.of());
    }

    /**
     * A key from {@code jwk}: bound to {@code explicit} when given, else to the JWK's {@code alg};
     * a JWK without {@code alg} is given the algorithms of {@code forKeysWithoutAlg} that its key
     * type and size allow (see {@link #inferred}), or refused when that set is empty.
     */
    static VerificationKey of(JWK jwk, JwsAlgorithm explicit, Set<JwsAlgorithm> forKeysWithoutAlg) {
        String kid = jwk.getKeyID();
        if (kid != null && KeyIds.problem(kid) != null) {
            throw new IllegalArgumentException("The key id (kid) of a JWK " + KeyIds.problem(kid));
        }
        String name = kid == null ? "the key" : "key " + KeyIds.quote(kid);
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
                    name + " is for algorithm " + printable(jwk.getAlgorithm().getName())
                            + ", which is not a supported JWS algorithm"));
        }
        if (explicit != null && named != null && explicit != named) {
            throw new IllegalArgumentException(name + " is for " + named + ", not " + explicit);
        }
        Set<JwsAlgorithm> algorithms;
        if (explicit != null || named != null) {
            algorithms = EnumSet.of(explicit != null ? explicit : named);
        } else if (!forKeysWithoutAlg.isEmpty()) {
            algorithms = inferred(jwk, name, forKeysWithoutAlg);
        } else {
            throw new IllegalArgumentException(name + " names no algorithm (alg); give it explicitly");
        }
        JwsAlgorithm algorithm = algorithms.iterator().next();
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
                    return new VerificationKey(kid, algorithms, new MACVerifier(secret), null);
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
                    return new VerificationKey(kid, algorithms, new RSASSAVerifier(rsa), rsa);
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
                    return new VerificationKey(kid, algorithms, new ECDSAVerifier(ec), ec);
                }
                default:
                    throw new IllegalStateException(algorithm.family().toString());
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException(name + " cannot verify " + algorithm + ": " + e.getMessage());
        }
    }

    /**
     * The algorithms a JWK without {@code alg} verifies: those of {@code allowed} its key fits,
     * never one named by a token. An RSA key: every RSA algorithm allowed (RS256 by default); an
     * EC key: the one algorithm of its curve (RFC 7518 section 3.4: P-256 ES256, P-384 ES384,
     * P-521 ES512), if allowed. An OKP key (Ed25519, Ed448) needs EdDSA, which this library does
     * not support; an HMAC secret must name its algorithm.
     *
     * @throws IllegalArgumentException naming why no allowed algorithm fits the key
     */
    private static Set<JwsAlgorithm> inferred(JWK jwk, String name, Set<JwsAlgorithm> allowed) {
        String without = " publishes no algorithm (alg)";
        if (jwk instanceof RSAKey) {
            Set<JwsAlgorithm> rsa = EnumSet.noneOf(JwsAlgorithm.class);
            for (JwsAlgorithm a : allowed) {
                if (a.family() == JwsAlgorithm.Family.RSA) {
                    rsa.add(a);
                }
            }
            if (rsa.isEmpty()) {
                throw new IllegalArgumentException(name + " is an RSA key that" + without + ", and no RSA algorithm is"
                        + " allowed for such keys (allowed: " + allowed + ")");
            }
            return rsa;
        }
        if (jwk instanceof ECKey) {
            String curve = ((ECKey) jwk).getCurve().getName();
            for (JwsAlgorithm a : JwsAlgorithm.values()) {
                if (a.family() == JwsAlgorithm.Family.EC && a.curve().equals(curve)) {
                    if (!allowed.contains(a)) {
                        throw new IllegalArgumentException(name + " is an EC key on " + curve + " that" + without
                                + "; its curve means " + a + ", which is not allowed for such keys (allowed: " + allowed
                                + ")");
                    }
                    return EnumSet.of(a);
                }
            }
            throw new IllegalArgumentException(name + " is an EC key on curve " + printable(curve)
                    + ", for which there is no supported JWS algorithm");
        }
        if (jwk instanceof OctetKeyPair) {
            throw new IllegalArgumentException(name + " is an OKP key (" + printable(((OctetKeyPair) jwk).getCurve().getName())
                    + ") for EdDSA, which this library does not support");
        }
        if (jwk instanceof OctetSequenceKey) {
            throw new IllegalArgumentException(name + " is an HMAC secret that" + without
                    + "; a secret must name its algorithm");
        }
        throw new IllegalArgumentException(name + " is a " + jwk.getKeyType() + " key, which cannot verify JWS signatures");
    }

    /**
     * Checks an allow-list for keys without {@code alg}: not empty, no null, no HMAC algorithm (a
     * secret must name its algorithm).
     *
     * @throws IllegalArgumentException naming the setting and the bad value
     */
    static Set<JwsAlgorithm> checkAllowed(String setting, JwsAlgorithm... algorithms) {
        Objects.requireNonNull(algorithms, setting);
        if (algorithms.length == 0) {
            throw new IllegalArgumentException(setting + " needs at least one algorithm");
        }
        Set<JwsAlgorithm> set = EnumSet.noneOf(JwsAlgorithm.class);
        for (JwsAlgorithm a : algorithms) {
            Objects.requireNonNull(a, setting);
            if (a.family() == JwsAlgorithm.Family.HMAC) {
                throw new IllegalArgumentException(setting + " may hold RSA and EC algorithms only, got " + a
                        + " (an HMAC secret must name its algorithm)");
            }
            set.add(a);
        }
        return Collections.unmodifiableSet(set);
    }

    private static String printable(String s) {
        String cut = s.length() > 32 ? s.substring(0, 32) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** The key id, if it has one. */
    public Optional<String> kid() {
        return Optional.ofNullable(kid);
    }

    /**
     * The algorithm it verifies: the JWK's {@code alg}, or for a key published without one, the
     * first of {@link #algorithms()}.
     */
    public JwsAlgorithm algorithm() {
        return algorithm;
    }

    /**
     * Every algorithm it verifies: exactly one for a key whose JWK names its {@code alg} (or that
     * was given one); for a key published without {@code alg}, those the allow-list for such keys
     * gives its type and size (see {@link JwkSet#parse(String, Set)}). A token is verified with it
     * only when its header names one of them.
     */
    public Set<JwsAlgorithm> algorithms() {
        return algorithms;
    }

    /** Whether it verifies signatures made with {@code algorithm}. */
    public boolean allows(JwsAlgorithm algorithm) {
        return algorithms.contains(algorithm);
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
        return "VerificationKey[" + (kid == null ? "no kid" : KeyIds.quote(kid)) + ", "
                + (algorithms.size() == 1 ? algorithm.toString() : algorithms.toString()) + "]";
    }
}
