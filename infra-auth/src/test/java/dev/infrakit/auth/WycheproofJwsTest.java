package dev.infrakit.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Google Wycheproof's JSON Web Signature vectors against the JWS layer under the token verifier
 * (strict parsing, header rules, the key's {@code alg}, {@code use} and {@code key_ops}, the
 * signature). Read from the test resources ({@code wycheproof/}, Apache 2.0, licence beside them),
 * so the test needs nothing outside the repository.
 */
class WycheproofJwsTest {
    /**
     * Labelled valid, refused here on purpose, each with the reason asserted:
     * <ul>
     *   <li>372, 373: their header or payload has a '?' inserted, and their MAC covers the text with
     *   it removed; a strict RFC 7515 verifier must reject them (not base64url).</li>
     *   <li>346, 350 (RFC 7520 figure 20): the key's JWK says {@code "alg": "PS256"} and the token is
     *   PS384. Enforcing the JWK's {@code alg} refuses it, by the same rule that makes this file's
     *   tcId 338 (a PS512 key, a PS256 token) invalid; the file contradicts itself here.</li>
     *   <li>347, 351 (RFC 7520 figure 27): the key's JWK says {@code "alg": "ES521"}, which is not a
     *   JWS algorithm (RFC 7518 calls ECDSA on P-521 "ES512"), so the key is refused.</li>
     * </ul>
     */
    private static final Map<Integer, AuthResult.Failure> REFUSED_VALID = Map.of(372, AuthResult.Failure.MALFORMED,
            373, AuthResult.Failure.MALFORMED, 346, AuthResult.Failure.ALGORITHM_NOT_ALLOWED, 350,
            AuthResult.Failure.ALGORITHM_NOT_ALLOWED, 347, AuthResult.Failure.MALFORMED, 351, AuthResult.Failure.MALFORMED);

    /**
     * Labelled invalid ("invalidBase64Padding"), accepted here: in this copy of the file their JWS is
     * byte for byte the canonical one (no padding left in it), and its MAC is over exactly those
     * bytes, the same MAC that 372 and 373 carry. Rejecting them would mean rejecting a valid JWS.
     */
    private static final java.util.Set<Integer> ACCEPTED_INVALID = java.util.Set.of(367, 370);

    /** The vectors {@code file} from the test resources ({@code wycheproof/}, with their licence). */
    static JsonNode vectors(String file) throws IOException {
        try (java.io.InputStream in = WycheproofJwsTest.class.getResourceAsStream("/wycheproof/" + file)) {
            if (in == null) {
                fail("The Wycheproof vectors " + file + " are missing from the test resources (wycheproof/)");
            }
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void everyVectorAgreesWithItsLabelExceptTheStrictBase64Ones() throws IOException {
        JsonNode root = vectors("json_web_signature_test.json");
        int valid = 0;
        int invalid = 0;
        List<String> disagreements = new ArrayList<>();
        for (JsonNode group : root.get("testGroups")) {
            JsonNode jwk = group.has("public") ? group.get("public") : group.get("private");
            VerificationKey key;
            String keyProblem = null;
            try {
                key = VerificationKey.fromJwk(jwk.toString());
            } catch (IllegalArgumentException e) {
                key = null;
                keyProblem = e.getMessage();
            }
            for (JsonNode test : group.get("tests")) {
                int tcId = test.get("tcId").asInt();
                String jws = test.get("jws").isTextual() ? test.get("jws").asText() : test.get("jws").toString();
                AuthResult failure = key == null ? AuthResult.failure(AuthResult.Failure.MALFORMED, "key refused: "
                        + keyProblem) : Jws.check(jws, key);
                boolean accepted = failure == null;
                boolean labelledValid = "valid".equals(test.get("result").asText());
                if (REFUSED_VALID.containsKey(tcId)) {
                    assertTrue(labelledValid, "tcId " + tcId + " is labelled valid");
                    assertEquals(REFUSED_VALID.get(tcId), failure == null ? null : failure.failure().orElseThrow(),
                            "tcId " + tcId + " is refused as " + REFUSED_VALID.get(tcId));
                    continue;
                }
                if (ACCEPTED_INVALID.contains(tcId)) {
                    assertTrue(!labelledValid && accepted, "tcId " + tcId + " is labelled invalid and accepted: "
                            + failure);
                    assertEquals(jws, "eyJraWQiOiJoczI1Ni1rZXkiLCJhbGciOiJIUzI1NiJ9.VGVzdA.c1LROH7eNQwUT8KMVEO52VC3WZ9e_"
                            + "AnDWbZ7aMmowV8", "tcId " + tcId + " is the canonical JWS");
                    continue;
                }
                if (accepted != labelledValid) {
                    disagreements.add("tcId " + tcId + " (" + group.get("comment").asText() + ", "
                            + test.get("comment").asText() + "): labelled " + test.get("result").asText() + ", got "
                            + (accepted ? "accepted" : failure));
                }
                if (labelledValid) {
                    valid++;
                } else {
                    invalid++;
                }
            }
        }
        assertEquals(List.of(), disagreements);
        assertEquals(root.get("numberOfTests").asInt(), valid + invalid + REFUSED_VALID.size() + ACCEPTED_INVALID.size());
        assertTrue(valid > 30 && invalid > 300, valid + " valid, " + invalid + " invalid");
    }
}
