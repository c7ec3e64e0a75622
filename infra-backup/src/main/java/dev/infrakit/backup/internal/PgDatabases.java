package dev.infrakit.backup.internal;

import dev.infrakit.backup.Artifact;
import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.Manifest;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Creating, dropping and restoring into databases, shared by the drill and the restore. */
public final class PgDatabases {
    /** The artifact a PostgreSQL backup restores from. */
    public static final String DUMP = "database.dump";

    private PgDatabases() {
    }

    /** Whether {@code database} exists. */
    public static boolean exists(Connection admin, String database) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("SELECT 1 FROM pg_catalog.pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Creates an empty {@code database} from template0. */
    public static void create(Connection admin, String database) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + PgCatalog.quote(database) + " TEMPLATE template0");
        }
    }

    /** Closes every session on {@code database}, then drops it if it exists. */
    public static void drop(Connection admin, String database) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = "
                    + PgCatalog.literal(database) + " AND pid <> pg_catalog.pg_backend_pid()");
            st.execute("DROP DATABASE IF EXISTS " + PgCatalog.quote(database));
        }
    }

    /**
     * The published manifest of {@code id}, which must hold a {@value #DUMP}.
     *
     * @throws BackupException if there is no such backup, or it is not a PostgreSQL backup
     */
    public static Manifest requireDump(BackupRepository repository, String id) {
        Manifest manifest = repository.find(Manifest.requireId(id)).orElseThrow(() -> new BackupException(
                "No backup " + id + " in " + repository.name()));
        if (manifest.artifact(DUMP).isEmpty()) {
            throw new BackupException("Backup " + id + " in " + repository.name() + " has no " + DUMP
                    + " (artifacts: " + manifest.artifacts() + "); it is not a PostgreSQL backup");
        }
        return manifest;
    }

    /**
     * Runs {@code pg_restore <options> -d database} with the dump streamed from the repository into
     * its stdin, checking the bytes against the manifest on the way.
     *
     * @return the run, and in {@code checksumProblem} what did not match the manifest (or null)
     */
    public static Restored restore(PgSettings settings, BackupRepository repository, Manifest manifest,
            String database, List<String> options) {
        List<String> command = new ArrayList<>(List.of(settings.tool("pg_restore").toString()));
        command.addAll(options);
        command.addAll(settings.connectionArguments());
        command.addAll(List.of("-d", PgSettings.databaseArgument(database)));
        Artifact expected = manifest.artifact(DUMP).orElseThrow();
        try (InputStream raw = repository.open(manifest.id(), DUMP);
             HashingInputStream in = new HashingInputStream(raw)) {
            ToolProcess.Result result = ToolProcess.run(command, settings.environment(), in, null, settings.timeout());
            in.drain();
            String problem = checksumProblem(expected, in);
            return new Restored(result, problem);
        } catch (IOException e) {
            throw new BackupException("Cannot read " + DUMP + " of backup " + manifest.id() + " from "
                    + repository.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the dump once and compares its size and SHA-256 with the manifest.
     *
     * @return what did not match, or null
     */
    public static String verify(BackupRepository repository, Manifest manifest) {
        try (InputStream raw = repository.open(manifest.id(), DUMP);
             HashingInputStream in = new HashingInputStream(raw)) {
            in.drain();
            return checksumProblem(manifest.artifact(DUMP).orElseThrow(), in);
        } catch (IOException e) {
            throw new BackupException("Cannot read " + DUMP + " of backup " + manifest.id() + " from "
                    + repository.name() + ": " + e.getMessage(), e);
        }
    }

    private static String checksumProblem(Artifact expected, HashingInputStream in) {
        long size = in.size();
        String sha = in.sha256();
        if (size != expected.size() || !sha.equals(expected.sha256())) {
            return DUMP + " does not match the manifest: " + size + " bytes with sha256 " + sha + ", expected "
                    + expected.size() + " bytes with sha256 " + expected.sha256();
        }
        return null;
    }

    /**
     * A pg_restore run.
     *
     * @param result the process's outcome
     * @param checksumProblem what did not match the manifest, or null
     */
    public record Restored(ToolProcess.Result result, String checksumProblem) {
    }
}
