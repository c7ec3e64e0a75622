package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds PostgreSQL client programs ({@code pg_dump}, {@code pg_restore}, {@code pg_dumpall}) and
 * reads their versions. Search order: the explicit bin directory (only there, when given), the
 * {@code PATH}, then the newest {@code /usr/lib/postgresql/N/bin} (Debian, Ubuntu).
 */
public final class PgBinaries {
    private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?");
    private static final Path DISTRIBUTION_ROOT = Path.of("/usr/lib/postgresql");

    private PgBinaries() {
    }

    /**
     * The program {@code name}.
     *
     * @throws BackupException naming every place searched
     */
    public static Path locate(String name, Path binDir, Map<String, String> environment) {
        return locate(name, binDir, environment, DISTRIBUTION_ROOT);
    }

    /** As {@link #locate(String, Path, Map)}, with the distribution root given (for tests). */
    public static Path locate(String name, Path binDir, Map<String, String> environment, Path distributionRoot) {
        if (binDir != null) {
            Path tool = binDir.resolve(name);
            if (!Files.isRegularFile(tool) || !Files.isExecutable(tool)) {
                throw new BackupException(name + " not found: " + tool.toAbsolutePath()
                        + " is not an executable file (check binDir)");
            }
            return tool;
        }
        List<String> searched = new ArrayList<>();
        String path = environment.getOrDefault("PATH", "");
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                Path candidate = Path.of(entry, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        searched.add("PATH");
        Optional<Path> newest = Optional.empty();
        int newestMajor = -1;
        if (Files.isDirectory(distributionRoot)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(distributionRoot)) {
                for (Path dir : dirs) {
                    Path candidate = dir.resolve("bin").resolve(name);
                    int major = leadingNumber(dir.getFileName().toString());
                    if (major > newestMajor && Files.isExecutable(candidate)) {
                        newest = Optional.of(candidate);
                        newestMajor = major;
                    }
                }
            } catch (IOException e) {
                searched.add(distributionRoot + "/*/bin (unreadable: " + e.getMessage() + ")");
            }
        }
        if (newest.isPresent()) {
            return newest.get();
        }
        searched.add(distributionRoot + "/*/bin");
        throw new BackupException(name + " not found (searched " + String.join(", ", searched)
                + "); install the PostgreSQL client programs or set binDir");
    }

    /**
     * The major version in a version string: {@code 15} for {@code pg_dump (PostgreSQL) 15.8} or
     * {@code 15.8 (Debian 15.8-1)}, {@code 906} for {@code 9.6.24} (before 10, the first two numbers
     * made the major version), as a number that orders correctly.
     *
     * @throws IllegalArgumentException if there is no version number in it
     */
    public static int majorVersion(String version) {
        String text = version;
        int closing = text.indexOf(')');
        if (text.startsWith("pg_") && closing > 0) {
            text = text.substring(closing + 1);
        }
        Matcher m = VERSION.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("No version number in '" + version + "'");
        }
        int first = Integer.parseInt(m.group(1));
        if (first >= 10) {
            return first * 100;
        }
        return first * 100 + (m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
    }

    /**
     * The {@code --version} line of the client program {@code tool}.
     *
     * @throws BackupException if it cannot be run or prints no version
     */
    public static String toolVersion(Path tool) {
        ToolProcess.Result result = ToolProcess.run(List.of(tool.toString(), "--version"), Map.of(), null, null,
                Duration.ofSeconds(30));
        if (!result.succeeded()) {
            throw new BackupException("Cannot read the version of " + tool + ": "
                    + result.describeFailure(Duration.ofSeconds(30)));
        }
        String version = result.stderr().strip();
        try {
            majorVersion(version);
        } catch (IllegalArgumentException e) {
            throw new BackupException(tool + " --version printed no version: '" + version + "'", e);
        }
        return version;
    }

    /** The server's {@code server_version}. */
    public static String serverVersion(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Refuses a client program older (major version) than the server at {@code server}: it cannot
     * back up a newer server reliably.
     *
     * @throws BackupException naming both versions and what to do
     */
    public static void requireAtLeastServer(Path tool, String toolVersion, String serverVersion, String server) {
        int toolMajor = majorVersion(toolVersion);
        int serverMajor = majorVersion(serverVersion);
        if (toolMajor < serverMajor) {
            throw new BackupException(tool + " is version " + display(toolMajor) + " but the server " + server + " runs "
                    + display(serverMajor) + "; " + tool.getFileName() + " must be at least as new as the server: "
                    + "install the matching client programs or set binDir");
        }
    }

    /** A major version from {@link #majorVersion} for people: {@code 15}, {@code 9.6}. */
    public static String display(int major) {
        return major >= 1000 ? Integer.toString(major / 100) : major / 100 + "." + major % 100;
    }

    private static int leadingNumber(String s) {
        Matcher m = VERSION.matcher(s);
        return m.lookingAt() ? Integer.parseInt(m.group(1)) * 1000
                + (m.group(2) == null ? 0 : Integer.parseInt(m.group(2))) : -1;
    }
}
