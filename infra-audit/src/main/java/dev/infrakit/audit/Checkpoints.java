package dev.infrakit.audit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;

import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signed checkpoints: an ES256 JWS over the last sequence number and MAC of each chain at a moment.
 * The verifier, given the public key, knows each chain reached at least that record, so a tail cut
 * off at a line boundary — invisible to the chain alone — shows as TRUNCATED.
 */
final class Checkpoints {
    private Checkpoints() {
    }

    static String sign(ECPrivateKey key, long auditSeq, byte[] auditMac, long securitySeq, byte[] securityMac,
                       Instant time) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("auditSeq", auditSeq);
        payload.put("auditMac", Base64.getEncoder().encodeToString(auditMac));
        payload.put("securitySeq", securitySeq);
        payload.put("securityMac", Base64.getEncoder().encodeToString(securityMac));
        payload.put("time", time.toString());
        return signed(key, payload);
    }

    /** A checkpoint of one PostgreSQL writer's chain. */
    static String signWriter(ECPrivateKey key, String writer, long seq, byte[] mac, Instant time) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("writer", writer);
        payload.put("seq", seq);
        payload.put("mac", Base64.getEncoder().encodeToString(mac));
        payload.put("time", time.toString());
        return signed(key, payload);
    }

    private static String signed(ECPrivateKey key, Map<String, Object> payload) {
        JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).type(
                new com.nimbusds.jose.JOSEObjectType("infrakit-audit-checkpoint")).build(), new Payload(payload));
        try {
            jws.sign(new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new AuditException("Could not sign an audit checkpoint: " + e.getMessage(), e);
        }
        return jws.serialize();
    }

    /** A verified checkpoint's claims, or {@code null} if the signature does not verify. */
    static Map<String, Object> verify(ECPublicKey key, String compact) {
        try {
            JWSObject jws = JWSObject.parse(compact);
            if (!JWSAlgorithm.ES256.equals(jws.getHeader().getAlgorithm()) || !jws.verify(new ECDSAVerifier(key))) {
                return null;
            }
            return jws.getPayload().toJSONObject();
        } catch (ParseException | JOSEException | IllegalStateException e) {
            return null;
        }
    }
}
