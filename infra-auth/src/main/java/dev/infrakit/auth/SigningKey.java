package dev.infrakit.auth;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

import java.text.ParseException;
import java.util.Objects;

/**
 * A key that signs tokens with one {@link JwsAlgorithm}: an RSA or EC private key, or an HMAC
 * secret, with its key id. {@link #toJwk()} gives the private JWK to keep in a credential store;
 * {@link #verificationKey()} the part that verifies. {@code toString()} shows the id and algorithm
 * only.
 */
public final class SigningKey {
    private final JWK jwk;
    private final JwsAlgorithm algorithm;
    private final JWSSigner signer;
    private final VerificationKey verificationKey;

    private SigningKey(JWK jwk, JwsAlgorithm algorithm) {
        this.jwk = jwk;
        this.algorithm = algorithm;
        try {
            switch (algorithm.family()) {
                case HMAC:
                    this.signer = new MACSigner(((OctetSequenceKey) jwk).toByteArray());
                    break;
                case RSA:
                    this.signer = new RSASSASigner((RSAKey) jwk);
                    break;
                default:
                    this.signer = new ECDSASigner((ECKey) jwk);
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException("Key " + jwk.getKeyID() + " cannot sign " + algorithm + ": " + e.getMessage());
        }
        this.verificationKey = VerificationKey.of(jwk, algorithm);
    }

    /**
     * A new random key: a secret of the hash's length for HS*, RSA 2048 bits for RS* and PS*, the
     * algorithm's curve for ES*.
     *
     * @param kid the key id: 1 to 128 letters, digits or {@code . _ - @ : + =}
     */
    public static SigningKey generate(JwsAlgorithm algorithm, String kid) {
        Objects.requireNonNull(algorithm, "algorithm");
        if (kid == null || !VerificationKey.SAFE_KID.matcher(kid).matches()) {
            throw new IllegalArgumentException("A key id must be 1 to 128 letters, digits or . _ - @ : + =, got '" + kid + "'");
        }
        Algorithm alg = JWSAlgorithm.parse(algorithm.name());
        try {
            JWK jwk;
            switch (algorithm.family()) {
                case HMAC:
                    jwk = new OctetSequenceKeyGenerator(algorithm.size() * 8).keyID(kid).algorithm(alg)
                            .keyUse(KeyUse.SIGNATURE).generate();
                    break;
                case RSA:
                    jwk = new RSAKeyGenerator(2048).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
                    break;
                default:
                    jwk = new ECKeyGenerator(Curve.parse(algorithm.curve())).keyID(kid).algorithm(alg)
                            .keyUse(KeyUse.SIGNATURE).generate();
            }
            return new SigningKey(jwk, algorithm);
        } catch (JOSEException e) {
            throw new IllegalStateException("Cannot generate a " + algorithm + " key", e);
        }
    }

    /**
     * A key from its private JWK (as {@link #toJwk()} writes it: with {@code kid} and {@code alg}).
     *
     * @throws IllegalArgumentException if it is not a private key fit for its algorithm (the
     *     message never shows key material)
     */
    public static SigningKey fromJwk(String json) {
        JWK jwk;
        try {
            jwk = JWK.parse(Objects.requireNonNull(json, "json"));
        } catch (ParseException e) {
            throw new IllegalArgumentException("Not a valid JWK");
        }
        if (jwk.getKeyID() == null) {
            throw new IllegalArgumentException("A signing key's JWK needs a key id (kid)");
        }
        if (!VerificationKey.SAFE_KID.matcher(jwk.getKeyID()).matches()) {
            throw new IllegalArgumentException("A signing key's id must be 1 to 128 letters, digits or . _ - @ : + =");
        }
        if (!jwk.isPrivate() && !(jwk instanceof OctetSequenceKey)) {
            throw new IllegalArgumentException("Key " + jwk.getKeyID() + " is a public key; signing needs the private one");
        }
        VerificationKey check = VerificationKey.of(jwk, null);
        return new SigningKey(jwk, check.algorithm());
    }

    /** The key id. */
    public String kid() {
        return jwk.getKeyID();
    }

    /** The algorithm it signs with. */
    public JwsAlgorithm algorithm() {
        return algorithm;
    }

    /** The private JWK as JSON: secret; keep it in an encrypted credential store. */
    public String toJwk() {
        return jwk.toJSONString();
    }

    /** The key that verifies what this one signs (the public key; for HMAC, the same secret). */
    public VerificationKey verificationKey() {
        return verificationKey;
    }

    JWSSigner signer() {
        return signer;
    }

    @Override
    public String toString() {
        return "SigningKey[" + kid() + ", " + algorithm + "]";
    }
}
