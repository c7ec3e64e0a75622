package dev.infrakit.backup;

import dev.infrakit.core.health.HealthCheck;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where backups are kept: a local directory ({@link LocalBackupRepository}) now, an object store
 * (S3, GCS) later. The contract an implementation must keep:
 * <ul>
 *   <li><b>Atomic publish</b>: the artifacts of a backup are written to a staging area that
 *   {@link #list()} never shows; {@link Staging#publish} makes the artifacts and the manifest
 *   appear together, or not at all (on a file system: fsync, then rename; on an object store:
 *   write the manifest last, after every artifact was uploaded and its checksum confirmed).</li>
 *   <li><b>Listing</b>: {@link #list()} returns every published manifest (complete, verified and
 *   failed backups) ordered by the recorded start time, never by name; an entry without a valid
 *   manifest is not a backup.</li>
 *   <li><b>Read-back</b>: {@link #open} returns an artifact's bytes as stored, so that the caller
 *   can re-hash them; nothing is cached or transformed.</li>
 *   <li><b>Locking</b>: {@link #lock} refuses a second run while a live holder has the lock, and
 *   takes over a lock whose holder is gone.</li>
 * </ul>
 * Implementations are thread-safe. The contract test kit
 * {@code dev.infrakit.test.contract.BackupRepositoryContract} in infra-test checks this
 * behaviour through the SPI; an implementation's tests extend it. Optional capabilities are
 * {@code default} methods that report nothing unless overridden: {@link #healthCheck()} and
 * {@link #metrics()}.
 */
public interface BackupRepository extends AutoCloseable {

    /** A short name for logs and manifests (e.g. {@code local:/var/backups/app}). */
    String name();

    /**
     * Starts writing the backup {@code running}: its artifacts go to a staging area.
     *
     * @throws BackupException if the staging area cannot be created
     */
    Staging begin(Manifest running);

    /** Every published backup, oldest first by start time. */
    List<Manifest> list();

    /** A published backup by id. */
    Optional<Manifest> find(String id);

    /**
     * Reads an artifact of a published backup, as stored.
     *
     * @throws IOException if it cannot be read
     * @throws BackupException if there is no such backup or artifact
     */
    InputStream open(String id, String artifact) throws IOException;

    /**
     * Replaces a published backup's manifest (status, verification, drill, keep-forever mark),
     * atomically.
     *
     * @throws BackupException if there is no such backup, the manifest changes its artifacts or is
     *     RUNNING (a published backup never runs again), or the write fails
     */
    void update(Manifest manifest);

    /**
     * Deletes a published backup, manifest first, so that a crash never leaves a manifest without
     * its artifacts.
     *
     * @throws BackupException if it cannot be deleted
     */
    void delete(String id);

    /** Bytes available for new backups, or -1 when the repository cannot tell. */
    long usableSpace();

    /**
     * Takes the repository's run lock for {@code purpose} (recorded with this process's pid, host and
     * the time).
     *
     * @throws BackupException if a live holder has it (the message names the holder and since when)
     */
    RepositoryLock lock(String purpose);

    /**
     * A health check of where backups are kept (reachable, writable), for a {@code HealthRegistry};
     * empty (the default) when the repository has nothing to check. Calling it creates a new check;
     * registering it is the caller's choice.
     */
    default Optional<HealthCheck> healthCheck() {
        return Optional.empty();
    }

    /**
     * A Micrometer binder of the repository's own counters; empty (the default) when it keeps none.
     * Created only by this call, so a repository used without Micrometer never loads a Micrometer
     * class.
     */
    default Optional<MeterBinder> metrics() {
        return Optional.empty();
    }

    /**
     * Where archived WAL is kept beside the backups, for point-in-time recovery; empty (the default)
     * when the repository keeps none.
     */
    default Optional<WalArchive> walArchive() {
        return Optional.empty();
    }

    /** Releases resources; the default does nothing. Idempotent. */
    @Override
    default void close() {
    }

    /**
     * A backup being written. Close it when done: a staging neither published nor failed is removed
     * (its artifacts never count).
     */
    interface Staging extends ArtifactWriter, AutoCloseable {

        /** The artifacts whose streams were closed, with their sizes and SHA-256. */
        List<Artifact> artifacts();

        /**
         * Publishes the staged artifacts with {@code complete} as their manifest, atomically, and
         * returns it.
         *
         * @throws BackupException if the manifest's artifacts are not the staged ones, or the
         *     publish fails (nothing is published then)
         */
        Manifest publish(Manifest complete);

        /**
         * Records {@code failed} as a failed backup (listed, with its reason) and discards the staged
         * artifacts.
         */
        void fail(Manifest failed);

        /** Discards the staging area unless it was published or failed. */
        @Override
        void close();
    }
}
