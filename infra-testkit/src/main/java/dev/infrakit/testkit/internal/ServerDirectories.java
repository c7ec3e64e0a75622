package dev.infrakit.testkit.internal;

import dev.infrakit.testkit.EphemeralPostgresException;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where ephemeral servers live on disk, who owns each one, and the sweep of servers whose JVM died.
 *
 * <p>Every server gets its own directory under one root ({@code <tmp>/infrakit-ephemeral-pg}).
 * Next to the data directory it holds {@code owner.properties}: the owning JVM's PID and start
 * instant (so a reused PID is not mistaken for the owner) and the bin directory. A JVM killed with
 * SIGKILL runs no shutdown hook and leaves its postmaster running; the next JVM that starts a
 * server finds the directory, sees that the owner is gone, stops that postmaster and deletes the
 * directory. Directories are never shared between servers, so a sweep never touches a live one.
 */
public final class ServerDirectories {
    private static final String OWNER_FILE = "owner.properties";
    /** A directory still without an owner file after this long was abandoned mid-setup. */
    private static final Duration SETUP_GRACE = Duration.ofMinutes(10);

    private ServerDirectories() {
    }

    /**
     * The root under which all servers of this machine live: {@code java.io.tmpdir}, unless that
     * lies under a directory other users cannot enter (such as {@code /root}), then {@code /tmp}.
     */
    public static Path root(boolean forOtherUser) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        if (forOtherUser && !tmp.equals(Path.of("/tmp")) && !everyoneCanEnter(tmp)) {
            tmp = Path.of("/tmp");
        }
        return tmp.resolve("infrakit-ephemeral-pg");
    }

    private static boolean everyoneCanEnter(Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Creates a fresh directory for one server, owned by {@code osUser} when given.
     *
     * @throws EphemeralPostgresException if it cannot be created or handed over
     */
    public static Path create(Path root, String osUser) {
        try {
            Files.createDirectories(root);
            if (osUser != null) {
                // Other users must be able to enter the root to reach their own server's directory.
                Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Path dir = Files.createTempDirectory(root, ProcessHandle.current().pid() + "-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            if (osUser != null) {
                chown(dir, osUser);
            }
            return dir;
        } catch (IOException e) {
            throw new EphemeralPostgresException("Could not create a server directory under " + root + ": " + e, e);
        }
    }

    /** Hands {@code path} to {@code osUser} (and that user's primary group). */
    public static void chown(Path path, String osUser) throws IOException {
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(osUser);
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(user);
        try {
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(osUser);
            view.setGroup(group);
        } catch (IOException e) {
            // No group of the same name: the owner alone is enough, the modes are owner-only.
        }
    }

    /** Records that the current JVM owns the server in {@code dir}. */
    public static void writeOwner(Path dir, Path binDir, String osUser) {
        ProcessHandle self = ProcessHandle.current();
        Properties owner = new Properties();
        owner.setProperty("jvm.pid", Long.toString(self.pid()));
        owner.setProperty("jvm.start", self.info().startInstant().map(Instant::toString).orElse(""));
        owner.setProperty("bin.dir", binDir.toString());
        owner.setProperty("os.user", osUser == null ? "" : osUser);
        Path tmp = dir.resolve(OWNER_FILE + ".tmp");
        try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            owner.store(writer, "Infrakit ephemeral PostgreSQL: the JVM that owns this server");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.move(tmp, dir.resolve(OWNER_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The outcome of a sweep: directories removed and postmasters stopped. */
    public record SweepResult(List<Path> removedDirectories, List<Long> stoppedServerPids) {
    }

    /**
     * Stops the servers and removes the directories of JVMs that are gone. Safe to run while
     * other JVMs use their own servers under the same root.
     *
     * @param root the root returned by {@link #root(boolean)}
     */
    public static SweepResult sweep(Path root) {
        List<Path> removed = new ArrayList<>();
        List<Long> stopped = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return new SweepResult(removed, stopped);
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir) && isAbandoned(dir)) {
                    postmasterPid(dir.resolve("data")).ifPresent(pid -> {
                        if (stopPostmaster(dir, pid)) {
                            stopped.add(pid);
                        }
                    });
                    deleteTree(dir);
                    removed.add(dir);
                }
            }
        } catch (IOException e) {
            throw new EphemeralPostgresException("Could not sweep stale servers under " + root + ": " + e, e);
        }
        return new SweepResult(removed, stopped);
    }

    private static boolean isAbandoned(Path dir) throws IOException {
        Path ownerFile = dir.resolve(OWNER_FILE);
        if (!Files.exists(ownerFile)) {
            Instant modified = Files.getLastModifiedTime(dir).toInstant();
            String name = dir.getFileName().toString();
            long pid = parseLong(name.contains("-") ? name.substring(0, name.indexOf('-')) : "", -1);
            boolean ownerAlive = pid > 0 && ProcessHandle.of(pid).isPresent();
            return !ownerAlive && modified.isBefore(Instant.now().minus(SETUP_GRACE));
        }
        Properties owner = readOwner(ownerFile);
        long pid = parseLong(owner.getProperty("jvm.pid"), -1);
        String start = owner.getProperty("jvm.start", "");
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty()) {
            return true;
        }
        Optional<Instant> actualStart = process.get().info().startInstant();
        // Same PID but another start time: the PID was reused by an unrelated process.
        return !start.isEmpty() && actualStart.isPresent() && !actualStart.get().toString().equals(start);
    }

    private static Properties readOwner(Path ownerFile) throws IOException {
        Properties owner = new Properties();
        try (Reader reader = Files.newBufferedReader(ownerFile, StandardCharsets.UTF_8)) {
            owner.load(reader);
        }
        return owner;
    }

    /** The postmaster's PID from {@code postmaster.pid}, when that process is still alive. */
    public static Optional<Long> postmasterPid(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            long pid = lines.isEmpty() ? -1 : parseLong(lines.get(0).strip(), -1);
            return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    ? Optional.of(pid) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean stopPostmaster(Path dir, long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) {
            return false;
        }
        String command = handle.get().info().command().orElse("");
        if (!command.isEmpty() && !command.contains("postgres")) {
            // The PID now belongs to something else: never kill it.
            return false;
        }
        try {
            Properties owner = readOwner(dir.resolve(OWNER_FILE));
            String binDir = owner.getProperty("bin.dir", "");
            String osUser = owner.getProperty("os.user", "");
            if (!binDir.isEmpty() && Files.isExecutable(Path.of(binDir, "pg_ctl"))) {
                CommandRunner runner = osUser.isEmpty() ? CommandRunner.asCurrentUser() : CommandRunner.asUser(osUser);
                runner.run(List.of(Path.of(binDir, "pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                        "-m", "immediate", "-w", "-t", "30", "stop"), Duration.ofSeconds(60), Map.of());
            }
        } catch (IOException | RuntimeException e) {
            // Fall through to a signal: the postmaster must not outlive the sweep.
        }
        if (handle.get().isAlive()) {
            handle.get().destroyForcibly();
            handle.get().onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        }
        return true;
    }

    /** Deletes a directory tree; a file already gone is not an error. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw exc;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new EphemeralPostgresException("Could not delete " + dir + ": " + e, e);
        }
    }

    private static long parseLong(String text, long fallback) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException | NullPointerException e) {
            return fallback;
        }
    }
}
