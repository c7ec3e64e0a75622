package dev.infrakit.backup;

/**
 * A restore drill: restores a backup somewhere it can be checked and reports what it found
 * ({@link RestoreDrill} for PostgreSQL dumps).
 */
@FunctionalInterface
public interface BackupDrill {

    /**
     * Restores {@code backup} from {@code repository} and checks it.
     *
     * @return the result; a drill that could not run at all throws {@link BackupException}
     */
    DrillResult run(BackupRepository repository, Manifest backup);
}
