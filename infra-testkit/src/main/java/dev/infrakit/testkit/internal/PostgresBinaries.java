package dev.infrakit.testkit.internal;

import dev.infrakit.testkit.EphemeralPostgresException;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the PostgreSQL server binaries ({@code initdb}, {@code pg_ctl}, {@code postgres}). Search
 * order: an explicit directory, the environment variable {@code INFRAKIT_PG_BIN}, {@code pg_config --bindir}, the newest {@code /usr/lib/postgresql/N/bin}
 * (Debian, Ubuntu), and finally the {@code PATH}.
 *
 * @param binDir directory that holds {@code initdb} and {@code pg_ctl}
 * @param source how it was found, for messages
 */
public record PostgresBinaries(Path binDir, String source) {

    /** Name of the environment variable (and, lower-cased with dots, system property) naming the bin dir. */
    public static final String BIN_ENV = "INFRAKIT_PG_BIN";

    /** Path of a tool in the bin dir. */
    public Path tool(String name) {
        return binDir.resolve(name);
    }

    /**
     * Locates the binaries.
     *
     * @param explicit directory given by the caller, or {@code null}
     * @param environment the process environment
     * @throws EphemeralPostgresException naming every place searched and how to install PostgreSQL
     */
    public static PostgresBinaries locate(Path explicit, Map<String, String> environment) {
        return locate(explicit, environment, Path.of("/usr/lib/postgresql"));
    }

    /** As {@link #locate(Path, Map)}, with the distribution's versioned root given (for tests). */
    public static PostgresBinaries locate(Path explicit, Map<String, String> environment, Path distributionRoot) {
        List<String> searched = new ArrayList<>();
        if (explicit != null) {
            return require(explicit, "the explicit bin directory");
        }
        String configured = environment.get(BIN_ENV);
        if (configured != null && !configured.isBlank()) {
            return require(Path.of(configured), BIN_ENV + "=" + configured);
        }
        searched.add(BIN_ENV + " (not set)");

        Optional<Path> pgConfig = onPath("pg_config", environment);
        if (pgConfig.isPresent()) {
            CommandRunner.Result result = CommandRunner.asCurrentUser()
                    .run(List.of(pgConfig.get().toString(), "--bindir"), Duration.ofSeconds(30), Map.of());
            Path dir = Path.of(result.output().strip());
            if (result.exitCode() == 0 && hasServer(dir)) {
                return new PostgresBinaries(dir, "pg_config --bindir");
            }
            searched.add("pg_config --bindir (" + result.output().strip() + ", no initdb there)");
        } else {
            searched.add("pg_config (not on PATH)");
        }

        Path debian = distributionRoot;
        if (Files.isDirectory(debian)) {
            List<Path> versions = new ArrayList<>();
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(debian)) {
                for (Path dir : dirs) {
                    if (hasServer(dir.resolve("bin"))) {
                        versions.add(dir);
                    }
                }
            } catch (IOException e) {
                searched.add(debian + " (unreadable: " + e.getMessage() + ")");
            }
            versions.sort(Comparator.comparingInt(PostgresBinaries::majorVersion));
            if (!versions.isEmpty()) {
                return new PostgresBinaries(versions.get(versions.size() - 1).resolve("bin"), debian + "/*/bin");
            }
        }
        searched.add(debian + "/*/bin (none)");

        Optional<Path> initdb = onPath("initdb", environment);
        if (initdb.isPresent() && hasServer(initdb.get().getParent())) {
            return new PostgresBinaries(initdb.get().getParent(), "PATH");
        }
        searched.add("PATH (no initdb)");

        throw new EphemeralPostgresException("No PostgreSQL server binaries found (searched: "
                + String.join("; ", searched) + "). Install them, e.g. 'apt-get install postgresql' on "
                + "Debian/Ubuntu, 'dnf install postgresql-server' on Fedora or 'brew install postgresql@15' on "
                + "macOS, then set " + BIN_ENV + " to the directory holding initdb and pg_ctl if it is not found "
                + "by itself; or set INFRAKIT_TEST_JDBC_URL to use an existing server.");
    }

    private static PostgresBinaries require(Path dir, String source) {
        if (!hasServer(dir)) {
            throw new EphemeralPostgresException(source + " does not hold executable initdb and pg_ctl (looked in "
                    + dir.toAbsolutePath() + ").");
        }
        return new PostgresBinaries(dir, source);
    }

    private static boolean hasServer(Path dir) {
        return dir != null && Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl"));
    }

    private static int majorVersion(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString().replaceAll("\\..*", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Optional<Path> onPath(String program, Map<String, String> environment) {
        String path = environment.getOrDefault("PATH", "");
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                Path candidate = Path.of(entry, program);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
