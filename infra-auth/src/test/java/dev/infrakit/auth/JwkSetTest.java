package dev.infrakit.auth;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keys published without {@code alg} get their algorithms from an allow-list matched to their type
 * and size; keys left out are told apart (not for signatures, or unusable) and their reasons kept
 * by key id.
 */
class JwkSetTest {
    private static final String RSA = SigningKey.generate(JwsAlgorithm.RS256, "rsa").verificationKey().toPublicJwk();

    private static String withoutAlg(String jwk, String kid) {
        return jwk.replaceAll("\"alg\":\"[A-Z0-9]+\",?", "").replaceAll(",}", "}").replaceAll("\"kid\":\"[^\"]*\"",
                "\"kid\":\"" + kid + "\"");
    }

    private static String set(String... keys) {
        return "{\"keys\":[" + String.join(",", keys) + "]}";
    }

    @Test
    void anRsaKeyWithoutAlgVerifiesTheAllowedRsaAlgorithmsOnly() {
        String jwk = withoutAlg(RSA, "r1");
        assertTrue(!jwk.contains("\"alg\""), jwk);
        assertEquals(Set.of(JwsAlgorithm.RS256), JwkSet.parse(set(jwk)).keys("r1").get(0).algorithms());
        VerificationKey both = JwkSet.parse(set(jwk), EnumSet.of(JwsAlgorithm.PS256, JwsAlgorithm.RS256, JwsAlgorithm.ES256))
                .keys("r1").get(0);
        assertEquals(Set.of(JwsAlgorithm.RS256, JwsAlgorithm.PS256), both.algorithms());
        assertEquals(JwsAlgorithm.RS256, both.algorithm());
        assertTrue(both.allows(JwsAlgorithm.PS256) && !both.allows(JwsAlgorithm.RS384) && !both.allows(JwsAlgorithm.HS256));
        JwkSet onlyEc = JwkSet.parse(set(jwk), Set.of(JwsAlgorithm.ES256));
        assertEquals(List.of(), onlyEc.keys());
        assertTrue(onlyEc.whyUnusable("r1").orElseThrow().contains("no RSA algorithm is allowed"), onlyEc.unusable().toString());
    }

    @Test
    void anEcKeyWithoutAlgVerifiesTheAlgorithmOfItsCurve() throws Exception {
        for (Curve curve : new Curve[] {Curve.P_256, Curve.P_384, Curve.P_521}) {
            String jwk = new ECKeyGenerator(curve).keyID("e").generate().toPublicJWK().toJSONString();
            JwsAlgorithm expected = curve == Curve.P_256 ? JwsAlgorithm.ES256 : curve == Curve.P_384 ? JwsAlgorithm.ES384
                    : JwsAlgorithm.ES512;
            assertEquals(Set.of(expected), JwkSet.parse(set(jwk)).keys("e").get(0).algorithms(), curve.getName());
        }
    }

    @Test
    void encryptionKeysAreIgnoredNotUnusableAndStillExplainedByKeyId() {
        String byUse = withoutAlg(RSA, "enc-use").replace("\"use\":\"sig\"", "\"use\":\"enc\"");
        String byAlg = withoutAlg(RSA, "enc-alg").replace("\"use\":\"sig\",", "").replace("{", "{\"alg\":\"RSA-OAEP-256\",");
        String byOps = withoutAlg(RSA, "enc-ops").replace("\"use\":\"sig\",", "").replace("{", "{\"key_ops\":[\"encrypt\"],");
        JwkSet set = JwkSet.parse(set(withoutAlg(RSA, "sig"), byUse, byAlg, byOps));
        assertEquals(1, set.keys().size());
        assertEquals(3, set.skipped().size(), set.skipped().toString());
        assertEquals(List.of(), set.unusable(), "encryption keys are no sign of trouble");
        assertTrue(set.whyUnusable("enc-use").orElseThrow().contains("for enc (use)"));
        assertTrue(set.whyUnusable("enc-alg").orElseThrow().contains("encryption algorithm RSA-OAEP-256"));
        assertTrue(set.whyUnusable("enc-ops").orElseThrow().contains("key_ops"));
        assertEquals(Optional.empty(), set.whyUnusable("sig"));
        assertEquals(Optional.empty(), set.whyUnusable(null));
    }

    @Test
    void anHmacSecretOrOkpKeyWithoutAlgIsUnusableAndHmacCannotBeAllowed() {
        JwkSet set = JwkSet.parse(set("{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"" + "A".repeat(43) + "\"}",
                "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\",\"x\":\"" + "A".repeat(43) + "\"}"));
        assertEquals(2, set.unusable().size(), set.unusable().toString());
        assertTrue(set.whyUnusable("s").orElseThrow().contains("must name its algorithm"));
        assertTrue(set.whyUnusable("ed").orElseThrow().contains("EdDSA"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JwkSet.parse(set(RSA),
                Set.of(JwsAlgorithm.HS256)));
        assertTrue(e.getMessage().contains("HS256"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JwkSet.parse(set(RSA), Set.of()));
    }

    @Test
    void aUsableKeyWinsOverAnUnusableOneWithTheSameKeyId() {
        String enc = withoutAlg(RSA, "same").replace("\"use\":\"sig\"", "\"use\":\"enc\"");
        JwkSet set = JwkSet.parse(set(enc, withoutAlg(RSA, "same")));
        assertEquals(1, set.keys("same").size());
        assertEquals(Optional.empty(), set.whyUnusable("same"));
    }

    @Test
    void verificationKeyFromJwkStillNeedsAnAlgorithm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VerificationKey.fromJwk(withoutAlg(RSA, "r1")));
        assertTrue(e.getMessage().contains("names no algorithm"), e.getMessage());
        assertEquals(JwsAlgorithm.PS256, VerificationKey.fromJwk(withoutAlg(RSA, "r1"), JwsAlgorithm.PS256).algorithm());
    }
}
