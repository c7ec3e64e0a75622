package dev.infrakit.audit;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where a {@link JsonLinesAuditSink} keeps copies of its signed checkpoints, away from the log
 * directory they vouch for.
 *
 * <p>A checkpoint is an ES256 JWS over both chains' last sequence number, MAC and first retained
 * sequence number. The sink always writes it into {@code security.log} as well, but a copy there
 * shares the fate of the logs: whoever can rewrite the log directory can cut the logs together
 * with their checkpoints. A store on another volume, another host or in a database the attacker
 * cannot reach keeps the evidence: {@link AuditVerifier#verifyFiles(Path, String, byte[],
 * java.security.interfaces.ECPublicKey, CheckpointStore...)} reads every checkpoint back with only
 * the public key, and reports a log that ends before the newest one as TRUNCATED.
 *
 * <p>Implementations: {@link #file(Path)} and {@link #postgres(javax.sql.DataSource, String)}.
 * Thread-safe; {@link #store} is called by the sink's writer thread only.
 */
public interface CheckpointStore {

    /**
     * Stores one checkpoint durably before returning.
     *
     * @param checkpoint a compact JWS made by the sink
     * @throws AuditException if it could not be stored
     */
    void store(String checkpoint);

    /**
     * Every checkpoint stored, oldest first (unverified: the verifier checks each signature).
     *
     * @throws AuditException if the store cannot be read
     */
    List<String> load();

    /** A short description for messages, e.g. {@code file:/var/lib/app/audit-checkpoints}. */
    String name();

    /**
     * Checkpoints appended, one per line, to {@code file} (created owner-only with its missing
     * parent directories), each synced before {@link #store} returns. Keep it outside the log
     * directory, ideally on another volume or host.
     */
    static CheckpointStore file(Path file) {
        return new FileCheckpointStore(Objects.requireNonNull(file, "file"));
    }

    /**
     * Checkpoints in PostgreSQL's {@code infrakit_audit_file_checkpoint} table (created by
     * {@link PostgresAuditSink#createSchema}), under {@code logName} (for example the log
     * directory's absolute path), so several logs can share the table.
     */
    static CheckpointStore postgres(javax.sql.DataSource dataSource, String logName) {
        return new PostgresCheckpointStore(Objects.requireNonNull(dataSource, "dataSource"),
                Fields.text("logName", logName, 1000, true));
    }
}
