package dev.infrakit.backup;

import dev.infrakit.backup.internal.PgCatalog;
import dev.infrakit.backup.internal.PgDatabases;
import dev.infrakit.backup.internal.PgSettings;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Proves that a PostgreSQL backup restores: it restores the backup's {@code database.dump} into a
 * scratch database ({@code infrakit_drill_<random>}) with
 * {@code pg_restore --exit-on-error --no-owner --no-privileges}, measures how long that took (the
 * recovery time you can actually expect), compares the restored tables and their row counts with
 * the counts recorded in the manifest, runs the {@linkplain Builder#check SQL checks} you gave, and
 * always drops the scratch database again, also when something failed.
 *
 * <p>What the drill judges is the backup: a restore error, a mismatched table or row count, a failed
 * check, a timeout, or an artifact whose bytes no longer match the manifest's SHA-256 make a failed
 * {@link DrillResult} whose detail names every problem. What prevents the drill from running at all
 * (the server cannot be reached, the scratch database cannot be created, {@code pg_restore} is
 * missing, the backup does not exist) is a {@link BackupException}. The result is returned, not
 * recorded: store it with {@code repository.update(manifest.withDrill(result))}.
 *
 * <p>The connecting user needs {@code CREATEDB}. Immutable and thread-safe; drills may run
 * concurrently (each has its own scratch database).
 */
public final class RestoreDrill implements BackupDrill {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PgSettings settings;
    private final String maintenanceDatabase;
    private final Map<String, String> checks;
    private final Clock clock;

    private RestoreDrill(PgSettings settings, String maintenanceDatabase, Map<String, String> checks, Clock clock) {
        this.settings = settings;
        this.maintenanceDatabase = maintenanceDatabase;
        this.checks = checks;
        this.clock = clock;
    }

    /** A builder; {@link Builder#user} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@link #run(BackupRepository, String)} for {@code backup}, as a {@link BackupRunner} drill. */
    @Override
    public DrillResult run(BackupRepository repository, Manifest backup) {
        return run(repository, backup.id());
    }

    /**
     * Runs a drill of backup {@code id}.
     *
     * @return whether the backup restored as recorded, how long the restore took, and what was checked
     *     or what did not match
     * @throws BackupException if the drill cannot run (see the class description), or if the scratch
     *     database could not be dropped afterwards (the message names it, so that it can be dropped by
     *     hand)
     */
    public DrillResult run(BackupRepository repository, String id) {
        Objects.requireNonNull(repository, "repository");
        Manifest manifest = PgDatabases.requireDump(repository, id);
        Instant at = clock.instant();
        settings.tool("pg_restore");
        String scratch = "infrakit_drill_" + HexFormat.of().formatHex(randomBytes());
        try (Connection admin = settings.connect(maintenanceDatabase)) {
            try {
                PgDatabases.create(admin, scratch);
            } catch (SQLException e) {
                throw new BackupException("Restore drill of " + id + " cannot create the scratch database " + scratch
                        + " on " + settings + ": " + e.getMessage(), e);
            }
            DrillResult result;
            try {
                result = drill(repository, manifest, scratch, at);
            } catch (RuntimeException e) {
                try {
                    PgDatabases.drop(admin, scratch);
                } catch (SQLException dropFailed) {
                    e.addSuppressed(dropFailed);
                }
                throw e;
            }
            dropScratch(admin, scratch, result);
            return result;
        } catch (SQLException e) {
            throw new BackupException("Restore drill of " + id + " failed on " + settings + ": " + e.getMessage(), e);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private DrillResult drill(BackupRepository repository, Manifest manifest, String scratch, Instant at) {
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        PgDatabases.Restored restored = PgDatabases.restore(settings, repository, manifest, scratch,
                List.of("--exit-on-error", "--no-owner", "--no-privileges"));
        Duration restoreTime = Duration.ofNanos(System.nanoTime() - start);
        if (restored.checksumProblem() != null) {
            problems.add(restored.checksumProblem());
        }
        if (!restored.result().succeeded()) {
            problems.add("pg_restore " + restored.result().describeFailure(settings.timeout()));
            return new DrillResult(at, false, restoreTime, String.join("; ", problems));
        }
        long rows = 0;
        int tables;
        try (Connection c = settings.connect(scratch)) {
            Map<String, Long> actual = PgCatalog.rowCounts(c);
            Map<String, Long> expected = manifest.rowCounts();
            tables = actual.size();
            for (String table : new TreeSet<>(expected.keySet())) {
                Long got = actual.get(table);
                if (got == null) {
                    problems.add("table " + table + " is missing (expected " + expected.get(table) + " rows)");
                } else if (!got.equals(expected.get(table))) {
                    problems.add("table " + table + " has " + got + " rows, expected " + expected.get(table));
                }
            }
            for (Map.Entry<String, Long> e : actual.entrySet()) {
                rows += e.getValue();
                if (!expected.containsKey(e.getKey())) {
                    problems.add("table " + e.getKey() + " (" + e.getValue() + " rows) is not in the manifest");
                }
            }
            for (Map.Entry<String, String> check : checks.entrySet()) {
                String failure = runCheck(c, check.getValue());
                if (failure != null) {
                    problems.add("check '" + check.getKey() + "' " + failure);
                }
            }
        } catch (SQLException e) {
            problems.add("reading the restored database failed: " + e.getMessage());
            return new DrillResult(at, false, restoreTime, String.join("; ", problems));
        }
        if (!problems.isEmpty()) {
            return new DrillResult(at, false, restoreTime, String.join("; ", problems));
        }
        return new DrillResult(at, true, restoreTime, "restored " + tables + " tables with " + rows + " rows in "
                + restoreTime.toMillis() + " ms; every row count matches the manifest"
                + (checks.isEmpty() ? "" : "; " + checks.size() + " checks passed"));
    }

    /** Runs a check query; returns why it failed, or null. */
    private static String runCheck(Connection c, String sql) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) {
                return "returned no row";
            }
            boolean ok = rs.getBoolean(1);
            if (rs.wasNull()) {
                return "returned null";
            }
            return ok ? null : "returned false";
        } catch (SQLException e) {
            return "failed: " + e.getMessage();
        }
    }

    private void dropScratch(Connection admin, String scratch, DrillResult result) {
        try {
            PgDatabases.drop(admin, scratch);
        } catch (SQLException e) {
            throw new BackupException("Could not drop the drill's scratch database " + scratch + " on " + settings
                    + " (drop it by hand): " + e.getMessage() + "; the drill itself: " + result, e);
        }
    }

    @Override
    public String toString() {
        return "RestoreDrill[" + settings + ", " + checks.size() + " checks]";
    }

    /**
     * Configures a {@link RestoreDrill}. Each setter validates its value at once and refuses to be
     * called twice (except {@link #check}). Not thread-safe.
     */
    public static final class Builder extends PostgresClientBuilder<Builder> {
        private final Map<String, String> checks = new LinkedHashMap<>();
        private String maintenanceDatabase;
        private Clock clock;

        private Builder() {
            super(Duration.ofHours(1));
        }

        /** The database to connect to for creating and dropping the scratch database; default {@code postgres}. */
        public Builder maintenanceDatabase(String database) {
            maintenanceDatabase = PostgresClientBuilder.maintenanceDatabase(maintenanceDatabase, database);
            return this;
        }

        /**
         * Adds a check run in the restored database: a query whose first column of its first row
         * must be {@code true}, e.g. {@code SELECT max(created) > now() - interval '1 day' FROM orders}.
         *
         * @param name what it checks, for the drill's detail (unique)
         */
        public Builder check(String name, String sql) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("A check needs a name");
            }
            if (sql == null || sql.isBlank()) {
                throw new IllegalArgumentException("Check '" + name + "' needs a query");
            }
            if (checks.putIfAbsent(name, sql) != null) {
                throw new IllegalStateException("A check named '" + name + "' was already added");
            }
            return this;
        }

        /** The clock that stamps {@link DrillResult#at()}; default the system clock (UTC). */
        public Builder clock(Clock clock) {
            if (this.clock != null) {
                throw new IllegalStateException("clock was already set to " + this.clock);
            }
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The drill.
         *
         * @throws IllegalStateException if the user is missing
         */
        public RestoreDrill build() {
            return new RestoreDrill(settings.build(), maintenanceDatabase == null ? "postgres" : maintenanceDatabase,
                    Collections.unmodifiableMap(new LinkedHashMap<>(checks)), clock == null ? Clock.systemUTC() : clock);
        }
    }
}
