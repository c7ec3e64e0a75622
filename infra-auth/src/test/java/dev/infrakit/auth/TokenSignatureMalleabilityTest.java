package dev.infrakit.auth;

import com.nimbusds.jose.util.Base64URL;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ECDSA malleability: (r, s) and (r, n - s) both verify. The issuer writes only the low one, so a
 * token it issues has one string; a high-s twin made by someone else still verifies (third-party
 * issuers do not normalise) and is the same token (same jti).
 */
class TokenSignatureMalleabilityTest {
    private static final int TOKENS = 100;

    @ParameterizedTest
    @EnumSource(value = JwsAlgorithm.class, names = {"ES256", "ES384", "ES512"})
    void everyIssuedEcdsaSignatureIsLowSAndItsHighSTwinStillVerifiesAsTheSameToken(JwsAlgorithm algorithm) {
        SigningKey key = SigningKey.generate(algorithm, "k-" + algorithm);
        TokenIssuer issuer = TokenIssuer.builder(key).issuer("https://issuer.test").audience("api").build();
        TokenVerifier verifier = TokenVerifier.builder(key.verificationKey()).issuer("https://issuer.test")
                .audience("api").build();
        BigInteger n = com.nimbusds.jose.jwk.Curve.parse(algorithm.curve()).toECParameterSpec().getOrder();
        for (int i = 0; i < TOKENS; i++) {
            String token = issuer.issue("user-" + i, Set.of("user"));
            int dot = token.lastIndexOf('.');
            byte[] rs = new Base64URL(token.substring(dot + 1)).decode();
            int half = rs.length / 2;
            BigInteger s = new BigInteger(1, Arrays.copyOfRange(rs, half, rs.length));
            assertTrue(s.compareTo(n.shiftRight(1)) <= 0, algorithm + " token " + i + " has a high s");

            byte[] high = rs.clone();
            byte[] twinS = n.subtract(s).toByteArray();
            Arrays.fill(high, half, high.length, (byte) 0);
            int copy = Math.min(twinS.length, half);
            System.arraycopy(twinS, twinS.length - copy, high, high.length - copy, copy);
            String twin = token.substring(0, dot + 1) + Base64URL.encode(high);
            assertNotEquals(token, twin);

            AuthResult original = verifier.verify(token);
            AuthResult highS = verifier.verify(twin);
            assertTrue(original.ok(), original.toString());
            assertTrue(highS.ok(), "a high-s signature (as third-party issuers write) verifies: " + highS);
            assertEquals(original.principal().credentialId().orElseThrow(), highS.principal().credentialId().orElseThrow(), "the twin is the same token (jti)");
        }
    }
}
