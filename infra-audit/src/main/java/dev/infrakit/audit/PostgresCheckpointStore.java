package dev.infrakit.audit;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Checkpoints in {@code infrakit_audit_file_checkpoint}, keyed by the log's name. */
final class PostgresCheckpointStore implements CheckpointStore {
    private final DataSource dataSource;
    private final String logName;

    PostgresCheckpointStore(DataSource dataSource, String logName) {
        this.dataSource = dataSource;
        this.logName = logName;
    }

    @Override
    public void store(String checkpoint) {
        Map<String, Object> claims = Checkpoints.claimsUnverified(checkpoint);
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO infrakit_audit_file_checkpoint (directory, audit_seq, security_seq, time, jws) "
                        + "VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            s.setString(1, logName);
            s.setLong(2, ((Number) claims.get("auditSeq")).longValue());
            s.setLong(3, ((Number) claims.get("securitySeq")).longValue());
            s.setTimestamp(4, Timestamp.from(java.time.Instant.parse((String) claims.get("time"))));
            s.setString(5, checkpoint);
            s.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
        } catch (SQLException e) {
            throw new AuditException("Could not store an audit checkpoint in PostgreSQL: " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> load() {
        List<String> checkpoints = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT jws FROM infrakit_audit_file_checkpoint WHERE directory = ? ORDER BY audit_seq, security_seq")) {
            s.setString(1, logName);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    checkpoints.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new AuditException("Cannot read the checkpoint copies in PostgreSQL: " + e.getMessage(), e);
        }
        return checkpoints;
    }

    @Override
    public String name() {
        return "postgres:infrakit_audit_file_checkpoint/" + logName;
    }

    @Override
    public String toString() {
        return "CheckpointStore[" + name() + "]";
    }
}
