package dev.infrakit.backup;

import dev.infrakit.backup.internal.PgCatalog;
import dev.infrakit.backup.internal.PgDatabases;
import dev.infrakit.backup.internal.PgRoles;
import dev.infrakit.backup.internal.PgSettings;
import dev.infrakit.core.Arguments;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Restores a PostgreSQL backup into a named database: the real recovery, where a
 * {@link RestoreDrill} only rehearses it.
 *
 * <p>{@link #restoreInto} first reads the backup's {@code database.dump} once and checks its size
 * and SHA-256 against the manifest (a damaged backup is refused before anything is touched), then
 * streams it into {@code pg_restore --exit-on-error --single-transaction}, so that a failed restore
 * leaves the target as it was. Owners and privileges are restored as dumped: the roles must exist
 * on the target server (restore the backup's {@code globals.sql} with {@code psql} first when they
 * do not).
 *
 * <p><b>What a logical dump cannot do.</b> A {@code pg_dump} backup is the database as it was at
 * one moment, the start of the dump. Restoring it loses every change made after that moment, and
 * it cannot bring the database back to an arbitrary point in time (just before a bad
 * {@code DELETE}, say). Point-in-time recovery needs a physical base backup
 * ({@code pg_basebackup}) plus continuous archiving of the write-ahead log
 * ({@code archive_command} / {@code archive_library}): a restore then starts the base backup and
 * replays archived WAL up to a chosen {@code recovery_target_time}, so the data lost is bounded by
 * the last archived WAL segment rather than by the backup interval. Tools such as pgBackRest
 * manage exactly that (base backups, WAL archives, retention and PITR restores); use them when the
 * recovery point objective is shorter than the time between dumps. Logical dumps stay useful
 * beside them: they restore into another major version, and a single table can be extracted.
 *
 * <p><b>Whose rights the backup's SQL runs with.</b> Restoring a dump runs its functions (in CHECK
 * constraints, defaults, index expressions) as the restoring role; run by a superuser, a function
 * written by the database's owner can make that owner a superuser. So a superuser or
 * {@code CREATEROLE} role is refused before anything is touched unless
 * {@link Builder#allowPrivilegedRole(boolean)} says so. Restore as a role with {@code CREATEDB}
 * that is a member of the roles owning the dumped objects (so it can give them back their
 * objects), or, when the dump needs a superuser (extensions, foreign owners), rehearse it first
 * with a {@link RestoreDrill} on a throwaway server and then allow it knowingly.
 *
 * <p>Immutable and thread-safe.
 */
public final class PostgresRestore {
    private final PgSettings settings;
    private final String maintenanceDatabase;
    private final boolean allowPrivilegedRole;

    private PostgresRestore(PgSettings settings, String maintenanceDatabase, boolean allowPrivilegedRole) {
        this.settings = settings;
        this.maintenanceDatabase = maintenanceDatabase;
        this.allowPrivilegedRole = allowPrivilegedRole;
    }

    /** A builder; {@link Builder#user} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Restores backup {@code id} into {@code targetDatabase}, creating the database when it does not
     * exist.
     *
     * @param clean when false, a target holding any user table is refused; when true, the objects of
     *     the backup are dropped first ({@code pg_restore --clean --if-exists}) and replaced; objects
     *     that are not in the backup stay
     * @return how long {@code pg_restore} took
     * @throws BackupException if the role is a superuser or has CREATEROLE and that was not allowed,
     *     the backup does not exist or its dump does not match the manifest,
     *     the target is not empty and {@code clean} is false, the server cannot be reached, or
     *     {@code pg_restore} fails or times out (the message names the command, exit code and stderr;
     *     never the password)
     */
    public Duration restoreInto(BackupRepository repository, String id, String targetDatabase, boolean clean) {
        Objects.requireNonNull(repository, "repository");
        if (targetDatabase == null || targetDatabase.isBlank() || targetDatabase.startsWith("-")
                || targetDatabase.contains("=")) {
            throw new IllegalArgumentException("targetDatabase must be a database name, got '" + targetDatabase + "'");
        }
        Manifest manifest = PgDatabases.requireDump(repository, id);
        settings.tool("pg_restore");
        String damaged = PgDatabases.verify(repository, manifest);
        if (damaged != null) {
            throw new BackupException("Refusing to restore backup " + id + ": " + damaged);
        }
        try (Connection admin = settings.connect(maintenanceDatabase)) {
            if (!allowPrivilegedRole) {
                String problem = PgRoles.of(admin).restoreProblem();
                if (problem != null) {
                    throw new BackupException("Refusing to restore backup " + id + " as role '" + settings.user() + "': "
                            + problem + ". A restore runs SQL from the backup (functions in CHECK constraints, defaults, "
                            + "indexes) with the role's rights across the whole cluster. Restore as a role with CREATEDB "
                            + "that is a member of the roles owning the backup's objects, or allowPrivilegedRole(true) "
                            + "once a drill on a throwaway server has shown what the backup runs");
                }
            }
            if (!PgDatabases.exists(admin, targetDatabase)) {
                PgDatabases.create(admin, targetDatabase);
            } else if (!clean) {
                try (Connection target = settings.connect(targetDatabase)) {
                    Map<String, String[]> tables = PgCatalog.userTables(target);
                    if (!tables.isEmpty()) {
                        throw new BackupException("Refusing to restore backup " + id + " into database '"
                                + targetDatabase + "': it is not empty (" + tables.size() + " tables, e.g. "
                                + tables.keySet().iterator().next() + "); restore into a new database, or pass "
                                + "clean=true to drop and replace the backup's objects");
                    }
                }
            }
        } catch (SQLException e) {
            throw new BackupException("Cannot prepare database '" + targetDatabase + "' on " + settings + " for "
                    + "restoring backup " + id + ": " + e.getMessage(), e);
        }
        List<String> options = new ArrayList<>(List.of("--exit-on-error", "--single-transaction"));
        if (clean) {
            options.addAll(List.of("--clean", "--if-exists"));
        }
        long start = System.nanoTime();
        PgDatabases.Restored restored = PgDatabases.restore(settings, repository, manifest, targetDatabase, options);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (!restored.result().succeeded()) {
            throw new BackupException("Restoring backup " + id + " into database '" + targetDatabase + "' failed "
                    + "(nothing was changed: it ran in one transaction): pg_restore "
                    + restored.result().describeFailure(settings.timeout()));
        }
        if (restored.checksumProblem() != null) {
            throw new BackupException("Backup " + id + " changed while it was restored into '" + targetDatabase
                    + "': " + restored.checksumProblem() + "; check the database and the repository");
        }
        return took;
    }

    @Override
    public String toString() {
        return "PostgresRestore[" + settings + "]";
    }

    /**
     * Configures a {@link PostgresRestore}. Each setter validates its value at once and refuses to be
     * called twice. Not thread-safe.
     */
    public static final class Builder extends PostgresClientBuilder<Builder> {
        private String maintenanceDatabase;
        private Boolean allowPrivilegedRole;

        private Builder() {
            super(Duration.ofHours(6));
        }

        /**
         * Whether to restore as a superuser or a role with {@code CREATEROLE}; default false: such a
         * role is refused (see the class description).
         */
        public Builder allowPrivilegedRole(boolean allow) {
            Arguments.setOnce(allowPrivilegedRole, "allowPrivilegedRole");
            allowPrivilegedRole = allow;
            return this;
        }

        /** The database to connect to for checking and creating the target; default {@code postgres}. */
        public Builder maintenanceDatabase(String database) {
            maintenanceDatabase = PostgresClientBuilder.maintenanceDatabase(maintenanceDatabase, database);
            return this;
        }

        /**
         * The restore.
         *
         * @throws IllegalStateException if the user is missing
         */
        public PostgresRestore build() {
            return new PostgresRestore(settings.build(), maintenanceDatabase == null ? "postgres" : maintenanceDatabase,
                    allowPrivilegedRole != null && allowPrivilegedRole);
        }
    }
}
