package dev.infrakit.backup;

import dev.infrakit.backup.internal.PgCatalog;
import dev.infrakit.core.Arguments;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A point-in-time recovery drill: a base backup and all the WAL archived after it restored with
 * {@link PointInTimeRestore} (every file checked against the base backup's {@code backup_manifest},
 * every WAL file against its stored SHA-256 or its encryption) into a new temporary data directory,
 * started as a server of its own on 127.0.0.1, replayed to the end of the archive and promoted; then
 * the smoke queries run in it, and the server is stopped and its files deleted.
 *
 * <p>The result records the measured recovery time (from the start of the restore until the server
 * accepted writes: the RTO of a disaster restore of this backup) and the recovery point achieved
 * (the commit time of the last transaction replayed: how much a disaster at the time of the drill
 * would have lost), the tables and rows of the checked database, and the checks. Given to
 * {@link BackupRunner.Builder#drill} on a runner of {@link PostgresBaseBackupSource} backups, it runs
 * after each base backup is verified, on the base backup schedule, and a failure is notified.
 *
 * <p>The restored server keeps the source's roles and {@code pg_hba.conf}: the drill connects as a
 * role of the source server, with its password, over TCP to 127.0.0.1. Nothing of the source
 * server is touched. Needs the disk space of the database, twice over for a moment (the data
 * directory and the WAL staged beside it).
 */
public final class PointInTimeDrill implements BackupDrill {
    private final String user;
    private final char[] password;
    private final String database;
    private final Map<String, String> checks;
    private final Path workDirectory;
    private final String osUser;
    private final Path binDir;
    private final Duration timeout;
    private final Duration walWait;
    private final Clock clock;

    private PointInTimeDrill(Builder b) {
        this.user = b.user;
        this.password = b.password;
        this.database = b.database != null ? b.database : "postgres";
        this.checks = Collections.unmodifiableMap(new LinkedHashMap<>(b.checks));
        this.workDirectory = b.workDirectory != null ? b.workDirectory : Path.of(System.getProperty("java.io.tmpdir"));
        this.osUser = b.osUser;
        this.binDir = b.binDir;
        this.timeout = b.timeout != null ? b.timeout : Duration.ofHours(4);
        this.walWait = b.walWait != null ? b.walWait : Duration.ofMinutes(2);
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    }

    /** A builder: {@link Builder#user} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Restores {@code backup} and the WAL after it, and checks the result (see the class comment).
     *
     * @return passed when the server was promoted and every check held; failed, naming why, when the
     *     restore stopped (a missing or corrupted WAL file, a file that does not match the
     *     backup_manifest, a server that did not start) or a check did not hold
     * @throws BackupException if the work directory cannot be made
     */
    @Override
    public DrillResult run(BackupRepository repository, Manifest backup) {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(backup, "backup");
        Instant at = clock.instant();
        Path work;
        try {
            Files.createDirectories(workDirectory);
            work = Files.createTempDirectory(workDirectory, "infrakit-pitr-drill-");
            // The server's OS user (when this JVM is root) must pass through to the data directory.
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new BackupException("Cannot make the point-in-time drill's directory in " + workDirectory + ": "
                    + e.getMessage(), e);
        }
        awaitArchived(repository, backup);
        long start = System.nanoTime();
        try {
            PointInTimeRestore.Builder restore = PointInTimeRestore.builder().repository(repository).backup(backup.id())
                    .dataDirectory(work.resolve("data")).timeout(timeout);
            if (osUser != null) {
                restore.osUser(osUser);
            }
            if (binDir != null) {
                restore.binDir(binDir);
            }
            try (PointInTimeRestore.RestoredServer server = restore.build().restore()) {
                server.awaitPromoted(database, user, password == null ? null : new String(password), timeout);
                Duration rto = Duration.ofNanos(System.nanoTime() - start);
                return check(server, at, rto);
            }
        } catch (BackupException e) {
            return new DrillResult(at, false, Duration.ofNanos(System.nanoTime() - start), "the point-in-time restore of "
                    + backup.id() + " failed: " + e.getMessage());
        } finally {
            delete(work);
        }
    }

    /**
     * Waits (at most {@code walWait}) until the archive holds the WAL the base backup ends in: right
     * after a base backup its last segment is still on its way to the archive. A restore without it
     * fails naming the segment, so after the wait the drill goes on anyway.
     */
    private void awaitArchived(BackupRepository repository, Manifest backup) {
        WalArchive archive = repository.walArchive().orElse(null);
        if (archive == null || backup.artifact(PostgresBaseBackupSource.MANIFEST_ARTIFACT).isEmpty()) {
            return; // the restore says what is wrong
        }
        String end;
        try {
            end = WalRetention.endSegment(repository, backup);
        } catch (BackupException e) {
            return; // the restore says what is wrong
        }
        long deadline = System.nanoTime() + walWait.toNanos();
        try {
            // Done once the archive holds that segment or a later one (a later one means it will not arrive).
            while (archive.list().stream().noneMatch(s -> s.name().length() >= 24 && s.name().substring(0, 24)
                    .compareTo(end) >= 0 && s.name().startsWith(end.substring(0, 8)))) {
                if (System.nanoTime() - deadline > 0) {
                    return;
                }
                Thread.sleep(200);
            }
        } catch (IOException e) {
            // the restore reads the archive again and reports it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private DrillResult check(PointInTimeRestore.RestoredServer server, Instant at, Duration rto) {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", new String(password));
        }
        props.setProperty("ApplicationName", "infrakit-pitr-drill");
        List<String> problems = new ArrayList<>();
        Instant recoveredTo;
        String replayed;
        long rows = 0;
        int tables;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/" + database,
                props)) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT pg_last_xact_replay_timestamp(), pg_last_wal_replay_lsn()::text")) {
                rs.next();
                java.sql.Timestamp last = rs.getTimestamp(1);
                recoveredTo = last == null ? null : last.toInstant();
                replayed = rs.getString(2);
            }
            Map<String, Long> counts = PgCatalog.rowCounts(c);
            tables = counts.size();
            for (long n : counts.values()) {
                rows += n;
            }
            for (Map.Entry<String, String> check : checks.entrySet()) {
                String failure = RestoreDrill.runCheck(c, check.getValue());
                if (failure != null) {
                    problems.add("check '" + check.getKey() + "' " + failure);
                }
            }
        } catch (SQLException e) {
            return new DrillResult(at, false, rto, "reading the restored server failed: " + e.getMessage());
        }
        String point = recoveredTo == null ? "no transaction was replayed (the archive holds no commit after the base "
                + "backup)" : "recovered to " + recoveredTo + " (" + Duration.between(recoveredTo, at).toMillis()
                        + " ms before the drill started)";
        String summary = "point-in-time restore to the end of the archived WAL (LSN " + replayed + ") in "
                + rto.toMillis() + " ms; " + point + "; " + database + " has " + tables + " tables with " + rows + " rows";
        if (!problems.isEmpty()) {
            return new DrillResult(at, false, rto, summary + "; " + String.join("; ", problems), recoveredTo);
        }
        return new DrillResult(at, true, rto, summary + "; every file matched the backup_manifest"
                + (checks.isEmpty() ? "" : "; " + checks.size() + " checks passed"), recoveredTo);
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new BackupException("The point-in-time drill could not delete its directory " + dir
                    + " (delete it by hand): " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PointInTimeDrill[as " + user + " on " + database + ", " + checks.size() + " checks, in " + workDirectory
                + "]";
    }

    /** Settings of a {@link PointInTimeDrill}; each given at most once (except {@link #check}). Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> checks = new LinkedHashMap<>();
        private String user;
        private char[] password;
        private String database;
        private Path workDirectory;
        private String osUser;
        private Path binDir;
        private Duration timeout;
        private Duration walWait;
        private Clock clock;

        private Builder() {
        }

        /** The role of the source server the drill connects as (required): it is in the restored server too. */
        public Builder user(String user) {
            Arguments.setOnce(this.user, "user");
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("user must not be blank");
            }
            this.user = user;
            return this;
        }

        /** That role's password (copied; never logged). */
        public Builder password(char[] password) {
            Arguments.setOnce(this.password, "password");
            this.password = Objects.requireNonNull(password, "password").clone();
            return this;
        }

        /** That role's password (never logged). */
        public Builder password(String password) {
            return password(Objects.requireNonNull(password, "password").toCharArray());
        }

        /** The database the checks run in and whose tables are counted (default {@code postgres}). */
        public Builder database(String database) {
            Arguments.setOnce(this.database, "database");
            if (database == null || database.isBlank()) {
                throw new IllegalArgumentException("database must not be blank");
            }
            this.database = database;
            return this;
        }

        /**
         * Adds a smoke query run in the restored database: its first column of its first row must be
         * {@code true}, e.g. {@code SELECT max(created) > now() - interval '1 hour' FROM orders}.
         *
         * @param name what it checks, for the drill's detail (unique)
         */
        public Builder check(String name, String sql) {
            RestoreDrill.addCheck(checks, name, sql);
            return this;
        }

        /**
         * Where each drill makes its temporary directory (default: {@code java.io.tmpdir}); it needs
         * the space of the database, and the server's OS user must be able to pass through it.
         */
        public Builder workDirectory(Path dir) {
            Arguments.setOnce(this.workDirectory, "workDirectory");
            this.workDirectory = Objects.requireNonNull(dir, "workDirectory").toAbsolutePath();
            return this;
        }

        /** The OS user the restored server runs as when the JVM runs as root (default {@code postgres}). */
        public Builder osUser(String osUser) {
            Arguments.setOnce(this.osUser, "osUser");
            if (osUser == null || !osUser.matches("[a-z_][a-z0-9_-]{0,31}") || osUser.equals("root")) {
                throw new IllegalArgumentException("osUser must be an unprivileged OS user name");
            }
            this.osUser = osUser;
            return this;
        }

        /** The directory of the PostgreSQL programs (default: searched for). */
        public Builder binDir(Path binDir) {
            Arguments.setOnce(this.binDir, "binDir");
            this.binDir = Objects.requireNonNull(binDir, "binDir");
            return this;
        }

        /** The longest the restore and the replay may take (default 4 h). */
        public Builder timeout(Duration timeout) {
            Arguments.setOnce(this.timeout, "timeout");
            this.timeout = Arguments.positive(timeout, "timeout");
            return this;
        }

        /**
         * How long a drill waits for the archive to hold the WAL segment the base backup ends in
         * (default 2 minutes): right after a base backup it is still on its way there.
         */
        public Builder walWait(Duration wait) {
            Arguments.setOnce(this.walWait, "walWait");
            this.walWait = Arguments.positive(wait, "walWait");
            return this;
        }

        /** The clock that stamps {@link DrillResult#at()} (default: the system clock). */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The drill.
         *
         * @throws IllegalStateException if the user is missing
         */
        public PointInTimeDrill build() {
            if (user == null) {
                throw new IllegalStateException("A point-in-time drill needs the user it connects to the restored server as");
            }
            return new PointInTimeDrill(this);
        }
    }
}
