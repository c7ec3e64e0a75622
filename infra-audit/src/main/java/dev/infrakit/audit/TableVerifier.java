package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;

import javax.crypto.Mac;
import javax.sql.DataSource;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;

import static dev.infrakit.audit.AuditVerifier.bad;
import static dev.infrakit.audit.AuditVerifier.parse;

/**
 * Verification of the {@code infrakit_audit} table written by {@link PostgresAuditSink}.
 *
 * <p>Per writer, in sequence order: sequence numbers from 1 without gaps, a body naming that
 * writer and sequence, a MAC equal to HMAC(key, previous MAC ‖ body), every column that copies a
 * field of the body equal to that field (so a row cannot be hidden from queries by changing its
 * actor, time or resource columns; an {@code event_id} may be NULL in rows written before that
 * column existed), and, with a checkpoint key, a MAC equal to that of every
 * signed checkpoint at its sequence and no signed checkpoint beyond the writer's last row. The
 * detail of a failure names the writer, the sequence and the column, never a value.
 */
final class TableVerifier {
    private static final String COLUMNS = "writer_id, seq, body, mac, time, category, type, severity, actor_id, "
            + "action, resource_type, resource_id, outcome, ";

    private TableVerifier() {
    }

    static AuditVerifier.Result verify(DataSource dataSource, byte[] key, ECPublicKey checkpointKey) {
        Objects.requireNonNull(dataSource, "dataSource");
        Mac hmac = Chain.hmac(key);
        try (Connection c = dataSource.getConnection()) {
            // One snapshot for the checkpoints and the rows.
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                return verify(c, hmac, checkpointKey);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw new AuditException("Cannot read the audit table: " + e.getMessage(), e);
        }
    }

    /** Verifies within the caller's transaction on {@code c} (auto-commit off, for the cursor); tests. */
    static AuditVerifier.Result verify(Connection c, byte[] key, ECPublicKey checkpointKey) throws SQLException {
        return verify(c, Chain.hmac(key), checkpointKey);
    }

    private static AuditVerifier.Result verify(Connection c, Mac hmac, ECPublicKey checkpointKey) throws SQLException {
        // Every signed checkpoint of every writer, by sequence: a chain re-MACed with the right key
        // after a change differs from the first checkpoint at or after the changed row.
        Map<String, TreeMap<Long, byte[]>> checkpoints = new TreeMap<>();
        if (checkpointKey != null) {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT writer_id, seq, jws FROM infrakit_audit_checkpoint "
                         + "ORDER BY writer_id, seq")) {
                while (rs.next()) {
                    String writer = rs.getString(1);
                    long seq = rs.getLong(2);
                    Map<String, Object> claims = Checkpoints.verify(checkpointKey, rs.getString(3));
                    byte[] mac = claims == null ? null : macClaim(claims.get("mac"));
                    if (claims == null || mac == null || !writer.equals(claims.get("writer"))
                            || !(claims.get("seq") instanceof Number n) || n.longValue() != seq) {
                        return bad(0, 0, seq, AuditVerifier.Problem.BAD_SIGNATURE, "the checkpoint of writer " + writer
                                + " at sequence " + seq + " does not verify");
                    }
                    checkpoints.computeIfAbsent(writer, w -> new TreeMap<>()).put(seq, mac);
                }
            }
        }
        Map<String, Long> lastByWriter = new HashMap<>();
        long checked = 0;
        String writer = null;
        long expected = 1;
        long last = 0;
        byte[] previous = Chain.GENESIS;
        TreeMap<Long, byte[]> signed = new TreeMap<>();
        String eventId = hasEventId(c) ? "event_id" : "NULL::uuid";
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + eventId
                + " FROM infrakit_audit ORDER BY writer_id, seq")) {
            s.setFetchSize(1000);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String w = rs.getString(1);
                    long seq = rs.getLong(2);
                    String body = rs.getString(3);
                    byte[] mac = rs.getBytes(4);
                    if (!w.equals(writer)) {
                        writer = w;
                        expected = 1;
                        previous = Chain.GENESIS;
                        signed = checkpoints.getOrDefault(w, new TreeMap<>());
                    }
                    String where = "writer " + w + " sequence " + seq;
                    if (seq != expected) {
                        return bad(checked, last, expected, seq > expected ? AuditVerifier.Problem.MISSING
                                : AuditVerifier.Problem.REORDERED, "writer " + w + ": expected sequence " + expected
                                + ", found " + seq);
                    }
                    JsonNode node = parse(body);
                    if (node == null || !w.equals(node.path("writer").asText(null)) || node.path("seq").asLong(-1) != seq
                            || !node.path("event").isObject()) {
                        return bad(checked, last, seq, AuditVerifier.Problem.MODIFIED, where + " does not match its stored body");
                    }
                    if (!MessageDigest.isEqual(Chain.mac(hmac, previous, body), mac)) {
                        return bad(checked, last, seq, AuditVerifier.Problem.MODIFIED, where + " does not match its MAC");
                    }
                    byte[] checkpointMac = signed.get(seq);
                    if (checkpointMac != null && !MessageDigest.isEqual(checkpointMac, mac)) {
                        return bad(checked, last, seq, AuditVerifier.Problem.MODIFIED, where + " differs from its signed checkpoint");
                    }
                    String column = differingColumn(rs, node.get("event"));
                    if (column != null) {
                        return bad(checked, last, seq, AuditVerifier.Problem.MODIFIED, where + ": column " + column
                                + " differs from the signed body");
                    }
                    lastByWriter.put(w, seq);
                    previous = mac;
                    last = seq;
                    expected = seq + 1;
                    checked++;
                }
            }
        }
        for (Map.Entry<String, TreeMap<Long, byte[]>> cp : checkpoints.entrySet()) {
            long reached = lastByWriter.getOrDefault(cp.getKey(), 0L);
            long newest = cp.getValue().lastKey();
            if (reached < newest) {
                return bad(checked, last, reached + 1, AuditVerifier.Problem.TRUNCATED, "writer " + cp.getKey()
                        + " ends at sequence " + reached + " but a signed checkpoint names sequence " + newest);
            }
        }
        return new AuditVerifier.Result(true, checked, last, OptionalLong.empty(), null, "", lastByWriter.size());
    }

    /** Whether the table has the {@code event_id} column (a table not yet upgraded by createSchema has not). */
    private static boolean hasEventId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM infrakit_audit WHERE false")) {
            java.sql.ResultSetMetaData meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                if ("event_id".equals(meta.getColumnName(i))) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The name of the first column of the current row that does not copy its field of {@code event}, or null. */
    private static String differingColumn(ResultSet rs, JsonNode event) throws SQLException {
        if (!sameTime(rs.getObject(5, OffsetDateTime.class), event.path("time").asText(null))) {
            return "time";
        }
        String[] names = {"category", "type", "severity", "actor_id", "action", "resource_type", "resource_id", "outcome"};
        JsonNode resource = event.path("resource");
        String[] fields = {
                text(event.get("category")), text(event.get("type")), text(event.get("severity")),
                text(event.path("actor").get("id")), text(event.get("action")),
                text(resource.get("type")), text(resource.get("id")), text(event.get("outcome"))};
        for (int i = 0; i < names.length; i++) {
            if (!Objects.equals(rs.getString(6 + i), fields[i])) {
                return names[i];
            }
        }
        // NULL in rows written before the column existed.
        String eventId = rs.getString(14);
        if (eventId != null && !eventId.equals(event.path("id").asText(null))) {
            return "event_id";
        }
        return null;
    }

    /** A body field as its column holds it ({@link PostgresAuditSink#columnText}). */
    private static String text(JsonNode node) {
        return node == null || !node.isTextual() ? null : PostgresAuditSink.columnText(node.asText());
    }

    /** Whether the column holds the body's time at the column's (microsecond) precision. */
    private static boolean sameTime(OffsetDateTime column, String bodyTime) {
        if (column == null || bodyTime == null) {
            return false;
        }
        try {
            return column.toInstant().equals(PostgresAuditSink.columnTime(Instant.parse(bodyTime)));
        } catch (DateTimeException | ArithmeticException e) {
            return false;
        }
    }

    private static byte[] macClaim(Object claim) {
        if (!(claim instanceof String text)) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
