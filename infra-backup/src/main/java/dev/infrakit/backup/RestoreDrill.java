package dev.infrakit.backup;

import dev.infrakit.backup.internal.PgBinaries;
import dev.infrakit.backup.internal.PgCatalog;
import dev.infrakit.backup.internal.PgDatabases;
import dev.infrakit.backup.internal.PgRoles;
import dev.infrakit.backup.internal.PgSettings;
import dev.infrakit.backup.internal.ThrowawayServer;
import dev.infrakit.core.Arguments;

import java.nio.file.Path;
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
 * <p><b>Whose rights the backup's SQL runs with.</b> A dump is code: restoring it runs the dump's
 * functions (in CHECK constraints, column defaults, index expressions) as the restoring role, and
 * whoever could create objects in the source database wrote them. A scratch database isolates
 * nothing cluster-wide: run as a superuser, a function that runs {@code ALTER ROLE app SUPERUSER}
 * when its caller is a superuser makes its author a superuser. So the drill refuses, before it
 * creates anything, a role that is a superuser, has {@code CREATEROLE}, is a member of any other
 * role (whose rights {@code SET ROLE} would give) or owns a database (which it could rename or
 * reconfigure), unless {@link Builder#allowPrivilegedRole(boolean)} says so. The least privilege a
 * drill needs is a role of its own:
 * {@code CREATE ROLE infrakit_drill LOGIN NOSUPERUSER NOCREATEROLE CREATEDB PASSWORD '…'}.
 * Or, with {@link Builder#onThrowawayServer()}, each drill starts a PostgreSQL server of its own
 * ({@code initdb} + {@code pg_ctl}, from the same bin directory as {@code pg_restore}) and restores
 * there as a role without any of those rights, so that nothing the SQL does reaches a real cluster
 * or (since that role is no superuser either) the files of the user running the server.
 *
 * <p>Immutable and thread-safe; drills may run concurrently (each has its own scratch database, or
 * server).
 */
public final class RestoreDrill implements BackupDrill {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The role a drill on a throwaway server restores as: NOSUPERUSER NOCREATEROLE NOCREATEDB. */
    static final String THROWAWAY_ROLE = "infrakit_drill";

    /** The connection, or null on a throwaway server. */
    private final PgSettings settings;
    private final String maintenanceDatabase;
    private final Map<String, String> checks;
    private final Clock clock;
    private final boolean allowPrivilegedRole;
    private final Throwaway throwaway;

    /** A throwaway server's settings: the programs' directory, the OS user when root, the timeout. */
    private record Throwaway(Path binDir, String osUser, Duration timeout) {
    }

    private RestoreDrill(PgSettings settings, String maintenanceDatabase, Map<String, String> checks, Clock clock,
            boolean allowPrivilegedRole, Throwaway throwaway) {
        this.settings = settings;
        this.maintenanceDatabase = maintenanceDatabase;
        this.checks = checks;
        this.clock = clock;
        this.allowPrivilegedRole = allowPrivilegedRole;
        this.throwaway = throwaway;
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
     * @throws BackupException if the drill cannot run (see the class description), if the role is
     *     privileged and that was not allowed (the message says what makes it so and what to use
     *     instead), or if the scratch database could not be dropped afterwards (the message names
     *     it, so that it can be dropped by hand)
     */
    public DrillResult run(BackupRepository repository, String id) {
        Objects.requireNonNull(repository, "repository");
        Manifest manifest = PgDatabases.requireDump(repository, id);
        Instant at = clock.instant();
        String scratch = "infrakit_drill_" + HexFormat.of().formatHex(randomBytes());
        if (throwaway != null) {
            return runOnThrowawayServer(repository, manifest, scratch, at);
        }
        settings.tool("pg_restore");
        try (Connection admin = settings.connect(maintenanceDatabase)) {
            if (!allowPrivilegedRole) {
                String problem = PgRoles.of(admin).drillProblem();
                if (problem != null) {
                    throw new BackupException("Refusing to run the restore drill of " + id + " as role '"
                            + settings.user() + "': " + problem + ". A restore runs SQL from the backup (functions in "
                            + "CHECK constraints, defaults, indexes) with the role's rights, and a scratch database "
                            + "isolates nothing cluster-wide. Use a role with LOGIN NOSUPERUSER NOCREATEROLE CREATEDB "
                            + "that is a member of no role and owns no database, or a throwaway server "
                            + "(onThrowawayServer()), or allowPrivilegedRole(true) if you trust what every backup contains");
                }
            }
            try {
                PgDatabases.create(admin, scratch);
            } catch (SQLException e) {
                throw new BackupException("Restore drill of " + id + " cannot create the scratch database " + scratch
                        + " on " + settings + ": " + e.getMessage(), e);
            }
            DrillResult result;
            try {
                result = drill(settings, repository, manifest, scratch, at);
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

    /**
     * Starts a server, creates the unprivileged role and the scratch database it owns as the
     * server's bootstrap superuser, restores and checks as that role, and stops and deletes the
     * server, whatever happened.
     */
    private DrillResult runOnThrowawayServer(BackupRepository repository, Manifest manifest, String scratch, Instant at) {
        PgBinaries.locate("pg_restore", throwaway.binDir(), System.getenv());
        try (ThrowawayServer server = ThrowawayServer.start(throwaway.binDir(), throwaway.osUser(), throwaway.timeout())) {
            char[] rolePassword = ThrowawayServer.randomPassword();
            PgSettings admin = server.superuserSettings(throwaway.binDir());
            try (Connection c = admin.connect("postgres"); Statement st = c.createStatement()) {
                // The password is 24 hex digits: nothing in it needs quoting.
                st.execute("CREATE ROLE " + THROWAWAY_ROLE + " LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB "
                        + "PASSWORD '" + new String(rolePassword) + "'");
                st.execute("CREATE DATABASE " + PgCatalog.quote(scratch) + " OWNER " + THROWAWAY_ROLE
                        + " TEMPLATE template0");
            } catch (SQLException e) {
                throw new BackupException("Restore drill of " + manifest.id() + " cannot prepare its throwaway server "
                        + server + ": " + e.getMessage(), e);
            }
            return drill(server.settings(THROWAWAY_ROLE, rolePassword, throwaway.binDir()), repository, manifest,
                    scratch, at);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private DrillResult drill(PgSettings settings, BackupRepository repository, Manifest manifest, String scratch,
            Instant at) {
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

    /** Adds a named check query to {@code checks}, refusing a blank name or query and a name used twice. */
    static void addCheck(Map<String, String> checks, String name, String sql) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A check needs a name");
        }
        if (sql == null || sql.isBlank()) {
            throw new IllegalArgumentException("Check '" + name + "' needs a query");
        }
        if (checks.putIfAbsent(name, sql) != null) {
            throw new IllegalStateException("A check named '" + name + "' was already added");
        }
    }

    /** Runs a check query; returns why it failed, or null. */
    static String runCheck(Connection c, String sql) {
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
        return "RestoreDrill[" + (throwaway != null ? "on a throwaway server" : settings.toString())
                + (allowPrivilegedRole ? ", privileged role allowed" : "") + ", " + checks.size() + " checks]";
    }

    /**
     * Configures a {@link RestoreDrill}. Each setter validates its value at once and refuses to be
     * called twice (except {@link #check}). Not thread-safe.
     */
    public static final class Builder extends PostgresClientBuilder<Builder> {
        private final Map<String, String> checks = new LinkedHashMap<>();
        private String maintenanceDatabase;
        private Clock clock;
        private Boolean allowPrivilegedRole;
        private Boolean onThrowawayServer;
        private String throwawayServerOsUser;

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
            addCheck(checks, name, sql);
            return this;
        }

        /**
         * Whether to run as a role that is a superuser, has {@code CREATEROLE}, is a member of
         * another role or owns a database; default false: such a role is refused (see the class
         * description). Allow it only when you trust the SQL in every backup as much as that role.
         */
        public Builder allowPrivilegedRole(boolean allow) {
            Arguments.setOnce(allowPrivilegedRole, "allowPrivilegedRole");
            allowPrivilegedRole = allow;
            return this;
        }

        /**
         * Runs each drill on a PostgreSQL server of its own, started for the drill with
         * {@code initdb} and {@code pg_ctl} (found like {@code pg_restore}: {@link #binDir}, the
         * {@code PATH}, {@code /usr/lib/postgresql/N/bin}) in a new owner-only temporary directory,
         * listening on 127.0.0.1 only, and stopped and deleted afterwards. The restore runs there as
         * a role with {@code NOSUPERUSER NOCREATEROLE NOCREATEDB} that owns the scratch database.
         * Takes no host, port, user, password, TLS or maintenance database; the server's version is
         * that of the programs, which must be at least the dump's. Costs a few seconds per drill.
         */
        public Builder onThrowawayServer() {
            Arguments.setOnce(onThrowawayServer, "onThrowawayServer");
            onThrowawayServer = Boolean.TRUE;
            return this;
        }

        /**
         * The operating-system user the {@linkplain #onThrowawayServer() throwaway server} runs as
         * when this JVM runs as root (PostgreSQL refuses to run as root; it is started through
         * {@code runuser}); default {@code postgres}. Ignored when the JVM is not root.
         */
        public Builder throwawayServerOsUser(String osUser) {
            Arguments.setOnce(throwawayServerOsUser, "throwawayServerOsUser");
            if (osUser == null || osUser.isBlank() || osUser.startsWith("-") || osUser.equals("root")) {
                throw new IllegalArgumentException("throwawayServerOsUser must be an unprivileged user name, got '"
                        + osUser + "'");
            }
            throwawayServerOsUser = osUser;
            return this;
        }

        /** The clock that stamps {@link DrillResult#at()}; default the system clock (UTC). */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The drill.
         *
         * @throws IllegalStateException if the user is missing, or if {@link #onThrowawayServer()} is
         *     combined with connection settings, a maintenance database or {@link #allowPrivilegedRole}
         */
        public RestoreDrill build() {
            Map<String, String> checkList = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
            Clock c = clock == null ? Clock.systemUTC() : clock;
            if (onThrowawayServer != null) {
                if (settings.hasConnection() || maintenanceDatabase != null || allowPrivilegedRole != null) {
                    throw new IllegalStateException("onThrowawayServer() starts its own server and role: host, port, "
                            + "user, password, TLS settings, maintenanceDatabase and allowPrivilegedRole do not apply");
                }
                return new RestoreDrill(null, null, checkList, c, false, new Throwaway(settings.binDir(),
                        throwawayServerOsUser == null ? "postgres" : throwawayServerOsUser, settings.timeoutOrDefault()));
            }
            if (throwawayServerOsUser != null) {
                throw new IllegalStateException("throwawayServerOsUser is for onThrowawayServer()");
            }
            return new RestoreDrill(settings.build(), maintenanceDatabase == null ? "postgres" : maintenanceDatabase,
                    checkList, c, allowPrivilegedRole != null && allowPrivilegedRole, null);
        }
    }
}
