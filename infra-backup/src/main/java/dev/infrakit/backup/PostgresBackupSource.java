package dev.infrakit.backup;

import dev.infrakit.backup.internal.PgBinaries;
import dev.infrakit.backup.internal.PgCatalog;
import dev.infrakit.backup.internal.PgSettings;
import dev.infrakit.backup.internal.ToolProcess;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;

import java.util.Optional;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A PostgreSQL database backed up with {@code pg_dump -Fc} into the artifact {@value #DUMP_ARTIFACT}
 * (and, with {@link Builder#globals(boolean)}, roles and tablespaces with
 * {@code pg_dumpall --globals-only} into {@value #GLOBALS_ARTIFACT}).
 *
 * <p>How a backup runs: a JDBC connection opens a {@code REPEATABLE READ} read-only transaction and
 * exports its snapshot ({@code pg_export_snapshot()}); the row count of every user table is taken
 * in that snapshot; then {@code pg_dump --snapshot=<id>} dumps exactly the same state, while the
 * transaction stays open. The recorded row counts are therefore those of the dump, even while
 * other sessions keep writing, and a restore drill can compare them exactly.
 *
 * <p>The password is given to {@code pg_dump} through the {@code PGPASSWORD} environment variable of
 * the child process only: it is never on a command line, in a log line, an exception message or
 * {@link #toString()}. A {@code pg_dump} older (major version) than the server is refused before
 * anything is dumped, because it cannot dump a newer server reliably.
 *
 * <p>Immutable and thread-safe; backups may run concurrently.
 */
public final class PostgresBackupSource implements BackupSource {
    /** The artifact holding the custom-format dump. */
    public static final String DUMP_ARTIFACT = "database.dump";
    /** The artifact holding the globals (roles, tablespaces), when enabled. */
    public static final String GLOBALS_ARTIFACT = "globals.sql";

    private final PgSettings settings;
    private final String database;
    private final boolean globals;

    private PostgresBackupSource(PgSettings settings, String database, boolean globals) {
        this.settings = settings;
        this.database = database;
        this.globals = globals;
    }

    /** A builder; {@link Builder#database} and {@link Builder#user} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code postgres:<database>}. */
    @Override
    public String name() {
        return "postgres:" + database;
    }

    /**
     * A check named {@code backup-source:postgres:<database>}, not critical: connects to the
     * database as the backup would and runs {@code SELECT 1} (connection timeout: the source's
     * timeout, at most 60 s; the check's own timeout 10 s). DOWN with the reason (the server, the
     * database and the user, never the password) when it cannot.
     */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return Optional.of(HealthCheck.of("backup-source:" + name(), () -> {
            try (Connection connection = settings.connect(database); Statement st = connection.createStatement()) {
                st.setQueryTimeout(10);
                try (ResultSet rs = st.executeQuery("SELECT 1")) {
                    rs.next();
                }
                return HealthResult.up().build();
            } catch (BackupException | SQLException e) {
                return HealthResult.down(e.getMessage()).build();
            }
        }).critical(false).timeout(Duration.ofSeconds(10)).build());
    }

    /**
     * Dumps the database (see the class description).
     *
     * @throws BackupException if {@code pg_dump} is missing or too old, the server cannot be reached,
     *     {@code pg_dump} fails, times out, or the artifact cannot be written; the message names the
     *     command (never the password), the exit code and the tool's stderr
     */
    @Override
    public SourceInfo backup(ArtifactWriter out) {
        Objects.requireNonNull(out, "out");
        Path pgDump = settings.tool("pg_dump");
        String toolVersion = PgBinaries.toolVersion(pgDump);
        try (Connection connection = settings.connect(database)) {
            String serverVersion = PgBinaries.serverVersion(connection);
            PgBinaries.requireAtLeastServer(pgDump, toolVersion, serverVersion, settings.host() + ":" + settings.port());
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            String snapshot;
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            Map<String, Long> rowCounts = PgCatalog.rowCounts(connection);

            List<String> command = new ArrayList<>(List.of(pgDump.toString(), "-Fc", "--snapshot=" + snapshot));
            command.addAll(settings.connectionArguments());
            command.addAll(List.of("-d", PgSettings.databaseArgument(database)));
            runInto(command, out, DUMP_ARTIFACT, "pg_dump");
            connection.commit();

            if (globals) {
                Path pgDumpAll = settings.tool("pg_dumpall");
                List<String> globalsCommand = new ArrayList<>(List.of(pgDumpAll.toString(), "--globals-only"));
                globalsCommand.addAll(settings.connectionArguments());
                globalsCommand.addAll(List.of("-l", PgSettings.databaseArgument(database)));
                runInto(globalsCommand, out, GLOBALS_ARTIFACT, "pg_dumpall --globals-only (needs a superuser)");
            }
            return new SourceInfo(toolVersion, serverVersion, rowCounts);
        } catch (SQLException e) {
            throw new BackupException("Backup of database '" + database + "' on " + settings.host() + ":"
                    + settings.port() + " failed: " + e.getMessage(), e);
        }
    }

    private void runInto(List<String> command, ArtifactWriter out, String artifact, String what) {
        ToolProcess.Result result;
        try (OutputStream stream = out.open(artifact)) {
            result = ToolProcess.run(command, settings.environment(), null, stream, settings.timeout());
        } catch (IOException e) {
            throw new BackupException("Cannot write artifact " + artifact + " of " + name() + ": " + e.getMessage(), e);
        }
        if (!result.succeeded()) {
            throw new BackupException(what + " of " + name() + " failed: " + result.describeFailure(settings.timeout()));
        }
    }

    @Override
    public String toString() {
        return "PostgresBackupSource[" + database + " on " + settings + (globals ? ", with globals" : "") + "]";
    }

    /**
     * Configures a {@link PostgresBackupSource}. Each setter validates its value at once and refuses
     * to be called twice. Not thread-safe.
     */
    public static final class Builder extends PostgresClientBuilder<Builder> {
        private String database;
        private Boolean globals;

        private Builder() {
            super(Duration.ofHours(1));
        }

        /** The database to back up (required). */
        public Builder database(String database) {
            Arguments.setOnce(this.database, "database");
            if (database == null || database.isBlank() || database.startsWith("-") || database.contains("=")) {
                throw new IllegalArgumentException("database must be a database name, got '" + database + "'");
            }
            this.database = database;
            return this;
        }

        /**
         * Whether to also dump roles and tablespaces with {@code pg_dumpall --globals-only} into
         * {@value #GLOBALS_ARTIFACT}; needs a superuser. Default false.
         */
        public Builder globals(boolean globals) {
            Arguments.setOnce(this.globals, "globals");
            this.globals = globals;
            return this;
        }

        /**
         * The source.
         *
         * @throws IllegalStateException if the database or the user is missing
         */
        public PostgresBackupSource build() {
            if (database == null) {
                throw new IllegalStateException("database is required");
            }
            return new PostgresBackupSource(settings.build(), database, globals != null && globals);
        }
    }
}
