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

    /**
     * A checkpoint of a file sink's two chains: each one's last sequence number and MAC, and the
     * first sequence number its retention keeps (so that deleting the oldest files is seen even by
     * a verifier facing a chain forged with the MAC key).
     */
    static String sign(ECPrivateKey key, ChainState audit, ChainState security, Instant time) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("auditSeq", audit.seq());
        payload.put("auditMac", Base64.getEncoder().encodeToString(audit.mac()));
        payload.put("auditRetained", audit.retained());
        payload.put("securitySeq", security.seq());
        payload.put("securityMac", Base64.getEncoder().encodeToString(security.mac()));
        payload.put("securityRetained", security.retained());
        payload.put("time", time.toString());
        return signed(key, payload);
    }

    /** Where one chain stands: its last sequence number and MAC, and its first retained sequence number. */
    record ChainState(long seq, byte[] mac, long retained) {
    }

    /**
     * The chain state a verified checkpoint names for the log {@code base} ({@code audit.log} or
     * {@code security.log}), or {@code null} if the claims lack it.
     */
    static ChainState stateOf(Map<String, Object> claims, String base) {
        String prefix = base.equals("audit.log") ? "audit" : "security";
        Object seq = claims.get(prefix + "Seq");
        Object mac = claims.get(prefix + "Mac");
        Object retained = claims.get(prefix + "Retained");
        if (!(seq instanceof Number) || !(mac instanceof String)) {
            return null;
        }
        try {
            return new ChainState(((Number) seq).longValue(), Base64.getDecoder().decode((String) mac),
                    retained instanceof Number ? ((Number) retained).longValue() : 0);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The claims of one of our own checkpoints, without checking the signature (for storage only). */
    static Map<String, Object> claimsUnverified(String compact) {
        try {
            return JWSObject.parse(compact).getPayload().toJSONObject();
        } catch (ParseException e) {
            throw new IllegalArgumentException("Not a compact JWS checkpoint", e);
        }
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
