package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;

import javax.crypto.Mac;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.OptionalLong;

import static dev.infrakit.audit.AuditVerifier.bad;
import static dev.infrakit.audit.AuditVerifier.parse;

/** Verification of the {@code infrakit_audit} table written by {@link PostgresAuditSink}. */
final class TableVerifier {
    private TableVerifier() {
    }

    static AuditVerifier.Result verify(javax.sql.DataSource dataSource, byte[] key,
                                       java.security.interfaces.ECPublicKey checkpointKey) {
        java.util.Map<String, Long> checkpointSeq = new java.util.HashMap<>();
        java.util.Map<String, byte[]> checkpointMac = new java.util.HashMap<>();
        if (checkpointKey != null) {
            try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT writer_id, seq, jws FROM infrakit_audit_checkpoint")) {
                while (rs.next()) {
                    java.util.Map<String, Object> claims = Checkpoints.verify(checkpointKey, rs.getString(3));
                    if (claims == null || !rs.getString(1).equals(claims.get("writer"))
                            || ((Number) claims.get("seq")).longValue() != rs.getLong(2)) {
                        return bad(0, 0, rs.getLong(2), AuditVerifier.Problem.BAD_SIGNATURE, "the checkpoint of writer " + rs.getString(1)
                                + " at sequence " + rs.getLong(2) + " does not verify");
                    }
                    if (rs.getLong(2) > checkpointSeq.getOrDefault(rs.getString(1), 0L)) {
                        checkpointSeq.put(rs.getString(1), rs.getLong(2));
                        checkpointMac.put(rs.getString(1), Base64.getDecoder().decode((String) claims.get("mac")));
                    }
                }
            } catch (java.sql.SQLException e) {
                throw new AuditException("Cannot read the audit checkpoints: " + e.getMessage(), e);
            }
        }
        Mac hmac = Chain.hmac(key);
        java.util.Map<String, Long> lastByWriter = new java.util.HashMap<>();
        long checked = 0;
        String writer = null;
        long expected = 1;
        long last = 0;
        byte[] previous = Chain.GENESIS;
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.setFetchSize(1000);
            c.setAutoCommit(false);
            try (java.sql.ResultSet rs = s.executeQuery(
                    "SELECT writer_id, seq, body, mac FROM infrakit_audit ORDER BY writer_id, seq")) {
                while (rs.next()) {
                    String w = rs.getString(1);
                    long seq = rs.getLong(2);
                    String body = rs.getString(3);
                    byte[] mac = rs.getBytes(4);
                    if (!w.equals(writer)) {
                        writer = w;
                        expected = 1;
                        previous = Chain.GENESIS;
                    }
                    String where = "writer " + w + " sequence " + seq;
                    if (seq != expected) {
                        return bad(checked, last, expected, seq > expected ? AuditVerifier.Problem.MISSING : AuditVerifier.Problem.REORDERED,
                                "writer " + w + ": expected sequence " + expected + ", found " + seq);
                    }
                    JsonNode node = parse(body);
                    if (node == null || !w.equals(node.path("writer").asText(null)) || node.path("seq").asLong(-1) != seq) {
                        return bad(checked, last, seq, AuditVerifier.Problem.MODIFIED, where + " does not match its stored body");
                    }
                    if (!MessageDigest.isEqual(Chain.mac(hmac, previous, body), mac)) {
                        return bad(checked, last, seq, AuditVerifier.Problem.MODIFIED, where + " does not match its MAC");
                    }
                    if (checkpointSeq.getOrDefault(w, -1L) == seq && !MessageDigest.isEqual(checkpointMac.get(w), mac)) {
                        return bad(checked, last, seq, AuditVerifier.Problem.MODIFIED, where + " differs from its signed checkpoint");
                    }
                    lastByWriter.put(w, seq);
                    previous = mac;
                    last = seq;
                    expected = seq + 1;
                    checked++;
                }
            }
            c.rollback();
        } catch (java.sql.SQLException e) {
            throw new AuditException("Cannot read the audit table: " + e.getMessage(), e);
        }
        for (java.util.Map.Entry<String, Long> cp : checkpointSeq.entrySet()) {
            long reached = lastByWriter.getOrDefault(cp.getKey(), 0L);
            if (reached < cp.getValue()) {
                return bad(checked, last, reached + 1, AuditVerifier.Problem.TRUNCATED, "writer " + cp.getKey() + " ends at sequence "
                        + reached + " but a signed checkpoint names sequence " + cp.getValue());
            }
        }
        return new AuditVerifier.Result(true, checked, last, OptionalLong.empty(), null, "", lastByWriter.size());
    }
}
