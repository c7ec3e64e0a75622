package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A PostgreSQL server of its own for one restore drill: {@code initdb} into a fresh owner-only
 * temporary directory, started with {@code pg_ctl} on 127.0.0.1 and a free port, stopped and deleted
 * by {@link #close()}. Nothing the restored SQL does can reach the roles, databases or files of
 * another cluster.
 *
 * <p>Why a copy of the test kit's server code and not a dependency on it: a library must not need
 * its test fixtures at run time, and this needs far less (no sweep of other JVMs' servers, no
 * reuse). The bootstrap superuser has a random password (SCRAM over TCP; the Unix socket lives in
 * the private directory). When the JVM runs as root, PostgreSQL refuses to run, so the server runs
 * as the given operating-system user through {@code runuser}. Durability settings are off: the data
 * is thrown away.
 */
public final class ThrowawayServer implements AutoCloseable {
    /** The bootstrap superuser; only the drill's setup uses it, never the restore. */
    public static final String SUPERUSER = "infrakit_admin";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path pgCtl;
    private final String osUser;
    private final Path directory;
    private final Path data;
    private final char[] password;
    private final Duration timeout;
    private int port;

    private ThrowawayServer(Path pgCtl, String osUser, Path directory, char[] password, Duration timeout) {
        this.pgCtl = pgCtl;
        this.osUser = osUser;
        this.directory = directory;
        this.data = directory.resolve("data");
        this.password = password;
        this.timeout = timeout;
    }

    /** Whether this JVM runs as root (then the server needs another operating-system user). */
    public static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** A random password of 24 hex digits. */
    public static char[] randomPassword() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes).toCharArray();
    }

    /**
     * Creates and starts a server.
     *
     * @param binDir the configured bin directory, or null to search for the programs
     * @param osUser the operating-system user the server runs as when the JVM is root (ignored otherwise)
     * @throws BackupException if initdb or the server fail (with their output), or no user can run it
     */
    public static ThrowawayServer start(Path binDir, String osUser, Duration timeout) {
        Path initdb = PgBinaries.locate("initdb", binDir, System.getenv());
        Path pgCtl = PgBinaries.locate("pg_ctl", binDir, System.getenv());
        String runAs = runningAsRoot() ? osUser : null;
        Path dir;
        try {
            // As another user, the server must be able to enter every parent: /tmp, not a private tmpdir.
            dir = Files.createTempDirectory(runAs == null ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of("/tmp"),
                    "infrakit-drill-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new BackupException("Cannot create a directory for the drill's throwaway server: " + e.getMessage(), e);
        }
        ThrowawayServer server = new ThrowawayServer(pgCtl, runAs, dir, randomPassword(), timeout);
        try {
            server.initdb(initdb);
            server.startOnFreePort();
            return server;
        } catch (RuntimeException e) {
            try {
                server.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void initdb(Path initdb) {
        Path pwfile = directory.resolve("pwfile");
        try {
            if (osUser != null) {
                chown(directory, osUser);
            }
            Files.writeString(pwfile, new String(password) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            if (osUser != null) {
                chown(pwfile, osUser);
            }
        } catch (IOException e) {
            throw new BackupException("Cannot prepare the drill's throwaway server in " + directory + ": "
                    + e.getMessage(), e);
        }
        try {
            run(List.of(initdb.toString(), "-D", data.toString(), "-U", SUPERUSER, "--pwfile=" + pwfile,
                    "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"), "initdb");
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException e) {
                // The directory and everything in it is deleted by close().
            }
        }
    }

    private void startOnFreePort() {
        BackupException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            port = freePort();
            List<String> settings = List.of("port = " + port, "listen_addresses = '127.0.0.1'",
                    "unix_socket_directories = '" + directory + "'", "fsync = off", "synchronous_commit = off",
                    "full_page_writes = off");
            try {
                Files.write(data.resolve("postgresql.auto.conf"), settings, StandardCharsets.UTF_8,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new BackupException("Cannot configure the drill's throwaway server: " + e.getMessage(), e);
            }
            try {
                run(List.of(pgCtl.toString(), "-D", data.toString(), "-l", directory.resolve("server.log").toString(),
                        "-w", "-t", Long.toString(Math.max(10, Math.min(timeout.toSeconds(), 300))), "start"), "pg_ctl start");
                return;
            } catch (BackupException e) {
                // Another process may have taken the port between the probe and the server's bind.
                last = e;
                if (!serverLog().contains("could not bind")) {
                    throw new BackupException(e.getMessage() + "; server log: " + serverLog(), e);
                }
            }
        }
        throw last;
    }

    private void run(List<String> command, String what) {
        List<String> full = new ArrayList<>();
        if (osUser != null) {
            full.addAll(List.of(runuser().toString(), "-u", osUser, "--"));
        }
        full.addAll(command);
        ToolProcess.Result result = ToolProcess.run(full, Map.of(), Path.of("/"), null, null, timeout);
        if (!result.succeeded()) {
            throw new BackupException(what + " of the drill's throwaway server " + result.describeFailure(timeout));
        }
    }

    /** {@code runuser}, to run the server's programs as its OS user when the JVM runs as root. */
    public static Path runuser() {
        for (String candidate : List.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        throw new BackupException("The JVM runs as root and PostgreSQL refuses to run as root, but runuser "
                + "(util-linux) was not found to start the drill's throwaway server as another user");
    }

    /** Gives {@code path} (not what is below it) to the OS user {@code user}. */
    public static void chown(Path path, String user) throws IOException {
        UserPrincipal principal = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
        Files.getFileAttributeView(path, PosixFileAttributeView.class).setOwner(principal);
    }

    private String serverLog() {
        try {
            String log = Files.readString(directory.resolve("server.log"), StandardCharsets.UTF_8);
            return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    /** A free TCP port on the loopback address. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new BackupException("No free TCP port on the loopback interface for the drill's server: " + e, e);
        }
    }

    /** The port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /**
     * Settings that connect as the bootstrap superuser: for creating the drill's role and database
     * only.
     */
    public PgSettings superuserSettings(Path binDir) {
        return settings(SUPERUSER, password, binDir);
    }

    /** Settings that connect to this server as {@code user} with {@code userPassword}. */
    public PgSettings settings(String user, char[] userPassword, Path binDir) {
        PgSettings.Builder b = new PgSettings.Builder(timeout);
        b.host("127.0.0.1");
        b.port(port);
        b.user(user);
        b.password(userPassword);
        b.sslMode("disable");
        b.environment(Map.of());
        if (binDir != null) {
            b.binDir(binDir);
        }
        return b.build();
    }

    /** Stops the server (immediately: its data is thrown away) and deletes its directory. */
    @Override
    public void close() {
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                run(List.of(pgCtl.toString(), "-D", data.toString(), "-m", "immediate", "-w", "-t", "60", "stop"),
                        "pg_ctl stop");
            }
        } finally {
            deleteTree(directory);
        }
    }

    private static void deleteTree(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new BackupException("Cannot delete the drill's throwaway server directory " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "ThrowawayServer[127.0.0.1:" + port + " in " + directory + "]";
    }
}
