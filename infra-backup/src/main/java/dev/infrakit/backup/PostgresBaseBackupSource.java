package dev.infrakit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.backup.internal.PgBinaries;
import dev.infrakit.backup.internal.PgSettings;
import dev.infrakit.backup.internal.TarScanner;
import dev.infrakit.backup.internal.ToolProcess;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;

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
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A whole PostgreSQL cluster backed up with {@code pg_basebackup}: a physical copy of every file,
 * the base for point-in-time recovery with archived WAL, and restorable on its own.
 *
 * <p>How a backup runs: {@code pg_basebackup -D - -Ft -X fetch --checkpoint=fast
 * --manifest-checksums=SHA256} writes one tar to its stdout, holding every file of the cluster,
 * the WAL needed to make it consistent ({@code pg_wal/}) and PostgreSQL's {@code backup_manifest}
 * (every file's size and SHA-256, the WAL range). The tar is compressed (gzip) on its way into the
 * artifact {@value #BASE_ARTIFACT}, hashed as any artifact is, and read as it goes by: the
 * {@code backup_manifest} is kept as the artifact {@value #MANIFEST_ARTIFACT} too, so every file's
 * checksum is in the backup without opening the tar, and a stream that is not a complete tar fails
 * the backup. No shell, no temporary copy on disk: the tar goes straight into the repository (and
 * through {@link EncryptedBackupRepository}'s encryption when the repository is one).
 *
 * <p>The password reaches {@code pg_basebackup} through {@code PGPASSWORD} in the child's
 * environment only. The user needs the {@code REPLICATION} attribute (or to be a superuser) and
 * {@code pg_hba.conf} a {@code replication} line for it; the server {@code max_wal_senders} ≥ 1 and
 * enough WAL kept ({@code wal_keep_size}) for the backup's duration, since {@code -X fetch} copies
 * the WAL at the end. A cluster with tablespaces besides the default ones is refused by
 * {@code pg_basebackup} (one tar to stdout), and the message says so. A {@code pg_basebackup} older
 * (major version) than the server is refused before anything is copied.
 *
 * <p>Immutable and thread-safe.
 */
public final class PostgresBaseBackupSource implements BackupSource {
    /** The artifact holding the cluster's files as a gzip-compressed tar. */
    public static final String BASE_ARTIFACT = "base.tar.gz";
    /** The artifact holding PostgreSQL's {@code backup_manifest} (every file's SHA-256, the WAL range). */
    public static final String MANIFEST_ARTIFACT = "backup_manifest";
    private static final int MAX_MANIFEST_BYTES = 256 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PgSettings settings;
    private final int compression;
    private final long maxRateKilobytes;

    private PostgresBaseBackupSource(PgSettings settings, int compression, long maxRateKilobytes) {
        this.settings = settings;
        this.compression = compression;
        this.maxRateKilobytes = maxRateKilobytes;
    }

    /** A builder; {@link Builder#user} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code postgres-cluster:<host>:<port>}. */
    @Override
    public String name() {
        return "postgres-cluster:" + settings.host() + ":" + settings.port();
    }

    /**
     * A check named {@code backup-source:postgres-cluster:<host>:<port>}, not critical: connects as
     * the backup would (to the {@code postgres} database) and checks that the user may replicate; DOWN
     * with the reason otherwise.
     */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return Optional.of(HealthCheck.of("backup-source:" + name(), () -> {
            try (Connection connection = settings.connect("postgres"); Statement st = connection.createStatement()) {
                st.setQueryTimeout(10);
                try (ResultSet rs = st.executeQuery("SELECT rolreplication OR rolsuper FROM pg_roles "
                        + "WHERE rolname = current_user")) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return HealthResult.down("user '" + settings.user() + "' has neither REPLICATION nor SUPERUSER: "
                                + "pg_basebackup would be refused").build();
                    }
                }
                return HealthResult.up().build();
            } catch (BackupException | SQLException e) {
                return HealthResult.down(e.getMessage()).build();
            }
        }).critical(false).timeout(Duration.ofSeconds(10)).build());
    }

    /**
     * Copies the cluster (see the class description).
     *
     * @throws BackupException if {@code pg_basebackup} is missing or too old, the server refuses,
     *     {@code pg_basebackup} fails or times out, its output is not a complete tar with a
     *     {@code backup_manifest}, or an artifact cannot be written; the message names the command
     *     (never the password), the exit code and the tool's stderr
     */
    @Override
    public SourceInfo backup(ArtifactWriter out) {
        Objects.requireNonNull(out, "out");
        Path tool = settings.tool("pg_basebackup");
        String toolVersion = PgBinaries.toolVersion(tool);
        String serverVersion;
        try (Connection connection = settings.connect("postgres")) {
            serverVersion = PgBinaries.serverVersion(connection);
        } catch (SQLException e) {
            throw new BackupException("Backup of " + name() + " failed: " + e.getMessage(), e);
        }
        PgBinaries.requireAtLeastServer(tool, toolVersion, serverVersion, settings.host() + ":" + settings.port());
        List<String> command = new ArrayList<>(List.of(tool.toString(), "-D", "-", "-Ft", "-X", "fetch",
                "--checkpoint=fast", "--manifest-checksums=SHA256", "--label=infrakit"));
        if (maxRateKilobytes > 0) {
            command.add("--max-rate=" + maxRateKilobytes + "k");
        }
        command.addAll(settings.connectionArguments());
        ToolProcess.Result result;
        TarScanner tar;
        try (OutputStream artifact = out.open(BASE_ARTIFACT)) {
            GZIPOutputStream gzip = new GZIPOutputStream(artifact, 64 << 10) {
                {
                    def.setLevel(compression);
                }
            };
            tar = new TarScanner(gzip, "backup_manifest", MAX_MANIFEST_BYTES);
            result = ToolProcess.run(command, settings.environment(), null, tar, settings.timeout());
            if (result.succeeded()) {
                tar.finish();
            }
            gzip.finish();
        } catch (IOException e) {
            throw new BackupException("Cannot write artifact " + BASE_ARTIFACT + " of " + name() + ": " + e.getMessage(),
                    e);
        }
        if (!result.succeeded()) {
            throw new BackupException("pg_basebackup of " + name() + " failed: "
                    + result.describeFailure(settings.timeout()));
        }
        byte[] manifest = tar.captured();
        if (manifest == null) {
            throw new BackupException("pg_basebackup of " + name() + " wrote no backup_manifest into its tar ("
                    + tar.members() + " members): the backup cannot be checked file by file");
        }
        checkManifest(manifest);
        try (OutputStream artifact = out.open(MANIFEST_ARTIFACT)) {
            artifact.write(manifest);
        } catch (IOException e) {
            throw new BackupException("Cannot write artifact " + MANIFEST_ARTIFACT + " of " + name() + ": "
                    + e.getMessage(), e);
        }
        return new SourceInfo(toolVersion, serverVersion, Map.of());
    }

    /** PostgreSQL's manifest, checked to be one with a SHA-256 for every file and a WAL range. */
    private void checkManifest(byte[] manifest) {
        JsonNode root;
        try {
            root = JSON.readTree(manifest);
        } catch (IOException e) {
            throw new BackupException("The backup_manifest of " + name() + " is not JSON: " + e.getMessage(), e);
        }
        if (root == null || root.path("PostgreSQL-Backup-Manifest-Version").asInt(-1) < 1
                || !root.path("Files").isArray() || root.path("Files").isEmpty() || !root.path("WAL-Ranges").isArray()) {
            throw new BackupException("The backup_manifest of " + name() + " is not a PostgreSQL backup manifest");
        }
        for (JsonNode file : root.path("Files")) {
            if (!"SHA256".equals(file.path("Checksum-Algorithm").asText())) {
                throw new BackupException("The backup_manifest of " + name() + " has no SHA-256 for "
                        + file.path("Path").asText("a file"));
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresBaseBackupSource[" + settings + ", gzip " + compression + (maxRateKilobytes > 0 ? ", at most "
                + maxRateKilobytes + " kB/s" : "") + "]";
    }

    /**
     * Configures a {@link PostgresBaseBackupSource}. Each setter validates its value at once and
     * refuses to be called twice. Not thread-safe.
     */
    public static final class Builder extends PostgresClientBuilder<Builder> {
        private Integer compression;
        private Long maxRate;

        private Builder() {
            super(Duration.ofHours(4));
        }

        /**
         * The gzip level of {@value #BASE_ARTIFACT}, 0 (stored) to 9; default 1 (fast: a base backup
         * is mostly pages that compress well at any level, and the backup's time is what counts).
         */
        public Builder compression(int level) {
            Arguments.setOnce(this.compression, "compression");
            if (level < Deflater.NO_COMPRESSION || level > Deflater.BEST_COMPRESSION) {
                throw new IllegalArgumentException("compression is a gzip level 0 to 9, got " + level);
            }
            this.compression = level;
            return this;
        }

        /**
         * The most the server sends per second, in bytes ({@code pg_basebackup --max-rate}, rounded
         * down to kilobytes: 32 kB to 1 GB), so a backup does not starve the server's disk; default
         * unlimited.
         */
        public Builder maxRate(long bytesPerSecond) {
            Arguments.setOnce(this.maxRate, "maxRate");
            if (bytesPerSecond < 32L << 10 || bytesPerSecond > 1L << 30) {
                throw new IllegalArgumentException("maxRate is 32 kB to 1 GB per second, got " + bytesPerSecond);
            }
            this.maxRate = bytesPerSecond;
            return this;
        }

        /**
         * The source.
         *
         * @throws IllegalStateException if the user is missing
         */
        public PostgresBaseBackupSource build() {
            return new PostgresBaseBackupSource(settings.build(), compression != null ? compression : 1,
                    maxRate != null ? maxRate / 1024 : 0);
        }
    }
}
