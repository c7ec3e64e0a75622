package dev.infrakit.auth;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Google Wycheproof's JSON Web Key vectors: key sets as a verifier receives them (ambiguous sets,
 * duplicate key ids, keys for encryption, ROCA keys, RSA keys too small or with exponent 1, HMAC
 * secrets too short or empty, algorithms that do not fit the curve), each then used through the
 * verifier's key lookup and JWS layer. Every vector agrees with its label.
 */
class WycheproofJwkTest {

    @Test
    void everyVectorAgreesWithItsLabel() throws IOException {
        JsonNode root = WycheproofJwsTest.vectors("json_web_key_test.json");
        List<String> disagreements = new ArrayList<>();
        int count = 0;
        for (JsonNode group : root.get("testGroups")) {
            JsonNode keys = group.has("public") ? group.get("public") : group.get("private");
            String json = keys.has("keys") ? keys.toString() : "{\"keys\":[" + keys + "]}";
            JwkSet set;
            String problem = null;
            try {
                set = JwkSet.parse(json);
            } catch (IllegalArgumentException e) {
                set = null;
                problem = e.getMessage();
            }
            for (JsonNode test : group.get("tests")) {
                count++;
                AuthResult failure;
                if (set == null) {
                    failure = AuthResult.failure(AuthResult.Failure.UNKNOWN_KEY, "key set refused: " + problem);
                } else {
                    Jws.Parsed jws = Jws.parse(test.get("jws").asText());
                    failure = jws.ok() ? TokenVerifier.signature(set, jws) : jws.failure;
                }
                boolean accepted = failure == null;
                boolean labelledValid = "valid".equals(test.get("result").asText());
                if (accepted != labelledValid) {
                    disagreements.add("tcId " + test.get("tcId").asInt() + " (" + group.get("comment").asText() + ", "
                            + test.get("comment").asText() + "): labelled " + test.get("result").asText() + ", got "
                            + (accepted ? "accepted" : failure) + (set == null ? "" : " skipped " + set.skipped()));
                }
            }
        }
        assertEquals(List.of(), disagreements);
        assertEquals(root.get("numberOfTests").asInt(), count);
    }

    @Test
    void aPublishedSetReadsBackAndLeavesSecretsOut() {
        SigningKey rs = SigningKey.generate(JwsAlgorithm.RS256, "rs-1");
        SigningKey es = SigningKey.generate(JwsAlgorithm.ES384, "es-1");
        String json = JwkSet.of(List.of(rs.verificationKey(), es.verificationKey())).toJson();
        JwkSet read = JwkSet.parse(json);
        assertEquals(2, read.keys().size());
        assertEquals(JwsAlgorithm.ES384, read.keys("es-1").get(0).algorithm());
        assertTrue(!json.contains("\"d\""), "no private part is published: " + json);
        SigningKey hs = SigningKey.generate(JwsAlgorithm.HS256, "hs-1");
        assertEquals("{\"keys\":[]}", JwkSet.of(List.of(hs.verificationKey())).toJson(), "an HMAC secret is never published");
    }
}
