package dev.infrakit.backup;

/**
 * Something to back up: a PostgreSQL database ({@link PostgresBackupSource}) or a directory
 * ({@link DirectorySource}). A source writes one or more artifacts and checks every step: a failed
 * child process, a non-zero exit code, an I/O error is a {@link BackupException}, never a silently
 * short artifact.
 */
public interface BackupSource {

    /** A short name, recorded in the manifest (e.g. {@code postgres:app}). */
    String name();

    /**
     * Writes this source's artifacts.
     *
     * @throws BackupException naming the step and the cause (exit code and the tool's stderr)
     */
    SourceInfo backup(ArtifactWriter out);
}
