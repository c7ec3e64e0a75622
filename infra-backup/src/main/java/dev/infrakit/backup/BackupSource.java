package dev.infrakit.backup;

import dev.infrakit.core.health.HealthCheck;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Optional;

/**
 * Something to back up: a PostgreSQL database ({@link PostgresBackupSource}) or a directory
 * ({@link DirectorySource}). A source writes one or more artifacts and checks every step: a failed
 * child process, a non-zero exit code, an I/O error is a {@link BackupException}, never a silently
 * short artifact.
 *
 * <p>Optional capabilities are {@code default} methods that report nothing unless a source has
 * something to say: {@link #healthCheck()} and {@link #metrics()}. Sources are created by a
 * {@link BackupSourceProvider} found by ServiceLoader, or by their own builders. The contract test
 * kit {@code dev.infrakit.test.contract.BackupSourceContract} in infra-test checks an
 * implementation; implementations are thread-safe.
 */
public interface BackupSource extends AutoCloseable {

    /** A short name, recorded in the manifest (e.g. {@code postgres:app}). */
    String name();

    /**
     * Writes this source's artifacts.
     *
     * @throws BackupException naming the step and the cause (exit code and the tool's stderr)
     */
    SourceInfo backup(ArtifactWriter out);

    /**
     * A health check of what the source reads (its database or directory), for a
     * {@code HealthRegistry}; empty (the default) when there is nothing to check before a backup.
     * Calling it creates a new check; registering it is the caller's choice.
     */
    default Optional<HealthCheck> healthCheck() {
        return Optional.empty();
    }

    /**
     * A Micrometer binder of the source's own counters; empty (the default) when it keeps none
     * beyond what {@link BackupRunner#metrics()} reports. Created only by this call, so a source
     * used without Micrometer never loads a Micrometer class.
     */
    default Optional<MeterBinder> metrics() {
        return Optional.empty();
    }

    /** Releases what the source holds; the default holds nothing and does nothing. Idempotent. */
    @Override
    default void close() {
    }
}
