package dev.infrakit.backup.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.RepositoryLock;
import dev.infrakit.core.io.DurableFiles;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A repository's run lock: an exclusive OS lock ({@link FileChannel#tryLock()}) on a lock file, held
 * for the whole run, plus a record of the holder ({pid, host, purpose, since} as JSON) written into
 * that same file so that a refused run can say who is running and since when.
 *
 * <p>The OS lock is the authority: the kernel drops it when the holding process dies, however it
 * dies, so a free OS lock with a record still in the file means the holder ended without releasing
 * (it crashed or was killed), and the lock is taken over with a warning. Where the file system has
 * no locks ({@code tryLock} fails with an I/O error), the record decides: a holder on this host
 * whose pid is no longer alive ({@link ProcessHandle}) is taken over; any other holder refuses.
 *
 * <p>Three traps shape the code. The record is written in place through the locked channel, never
 * by an atomic rename, because a rename would put a new, unlocked file under the lock file's name.
 * The lock file is never deleted, for the same reason. And an OS lock belongs to the whole JVM, and
 * on POSIX closing <em>any</em> channel on the file releases it: so every lock taken in this JVM is
 * registered by the lock file's real path, and no channel on a lock file is opened while this JVM
 * holds it; all of that happens under one monitor.
 */
public final class RunLock implements RepositoryLock {
    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Path, RunLock> HELD = new HashMap<>(); // guarded by itself
    private static final long PID = ProcessHandle.current().pid();
    private static volatile String host;

    /** Work done while briefly holding a free lock. */
    @FunctionalInterface
    public interface Work {
        /** Does the work. */
        void run() throws IOException;
    }

    /** The holder recorded in a lock file. */
    private static final class Holder {
        final long pid;
        final String host;
        final String purpose;
        final String since;

        Holder(long pid, String host, String purpose, String since) {
            this.pid = pid;
            this.host = host;
            this.purpose = purpose;
            this.since = since;
        }

        byte[] toJson() {
            try {
                return JSON.writeValueAsBytes(JSON.createObjectNode().put("pid", pid).put("host", host)
                        .put("purpose", purpose).put("since", since));
            } catch (IOException e) {
                throw new IllegalStateException("Cannot write a lock record", e);
            }
        }

        static Holder parse(byte[] content) {
            if (content.length == 0) {
                return null;
            }
            try {
                JsonNode root = JSON.readTree(content);
                if (root == null || !root.path("pid").canConvertToLong()) {
                    return null;
                }
                return new Holder(root.get("pid").asLong(), root.path("host").asText("?"),
                        root.path("purpose").asText("?"), root.path("since").asText("?"));
            } catch (IOException e) {
                return null; // torn by a crash while being written
            }
        }

        @Override
        public String toString() {
            return "pid " + pid + " on host " + host + " (purpose '" + purpose + "') since " + since;
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Holder holder;
    private boolean released; // guarded by HELD

    private RunLock(Path file, FileChannel channel, FileLock lock, Holder holder) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    /**
     * Takes the lock in {@code lockFile} (created if missing) for {@code purpose}.
     *
     * @param repository the repository's name, for messages
     * @throws BackupException if a live holder has it, naming the holder and since when, or if the
     *     lock file cannot be used
     */
    public static RunLock acquire(Path lockFile, String repository, String purpose, Clock clock) {
        Objects.requireNonNull(purpose, "purpose");
        Path key = key(lockFile);
        synchronized (HELD) {
            RunLock mine = HELD.get(key);
            if (mine != null) {
                throw new BackupException("Repository " + repository + " is locked by this process, " + mine.holder
                        + "; another run is in progress, refusing to start '" + purpose + "'");
            }
            FileChannel channel = null;
            FileLock lock = null;
            try {
                channel = openLockFile(key);
                boolean osLocks = true;
                try {
                    lock = channel.tryLock();
                } catch (IOException | OverlappingFileLockException e) {
                    osLocks = false;
                    LOG.warn("Cannot take an OS lock on {} ({}); deciding from the recorded holder alone", key,
                            LogText.of(e));
                }
                Holder previous = Holder.parse(readAll(channel));
                if (osLocks && lock == null) {
                    throw new BackupException("Repository " + repository + " is locked by "
                            + (previous == null ? "another process (its record is not readable yet)" : previous)
                            + "; another run is in progress, refusing to start '" + purpose + "'");
                }
                if (previous != null) {
                    String why = whyGone(previous, osLocks);
                    if (why == null) {
                        throw new BackupException("Repository " + repository + " is locked by " + previous
                                + "; another run is in progress, refusing to start '" + purpose + "'");
                    }
                    LOG.warn("Taking over the run lock of repository {} from {}: {}", repository, LogText.of(previous),
                            LogText.of(why));
                }
                Holder me = new Holder(PID, host(), purpose, clock.instant().toString());
                channel.truncate(0);
                ByteBuffer record = ByteBuffer.wrap(me.toJson());
                long position = 0;
                while (record.hasRemaining()) {
                    position += channel.write(record, position);
                }
                channel.force(true);
                RunLock taken = new RunLock(key, channel, lock, me);
                HELD.put(key, taken);
                return taken;
            } catch (IOException | RuntimeException e) {
                closeQuietly(channel, e);
                if (e instanceof BackupException) {
                    throw (BackupException) e;
                }
                throw new BackupException("Cannot take the run lock of repository " + repository + " (" + key + "): "
                        + e, e);
            }
        }
    }

    /**
     * Runs {@code work} holding the lock in {@code lockFile} for as long as it takes, if nobody holds
     * it (in this process or another); otherwise does nothing. Returns whether the work ran.
     */
    public static boolean whenFree(Path lockFile, Work work) throws IOException {
        Path key = key(lockFile);
        synchronized (HELD) {
            if (HELD.containsKey(key)) {
                return false;
            }
            try (FileChannel channel = openLockFile(key)) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (IOException | OverlappingFileLockException e) {
                    return false;
                }
                if (lock == null) {
                    return false;
                }
                try {
                    work.run();
                    return true;
                } finally {
                    lock.release();
                }
            }
        }
    }

    /**
     * Opens (creating it if missing, owner-only) the lock file for reading and writing, never through
     * a link ({@code O_NOFOLLOW}): it is truncated and written, so a link planted at its name by
     * someone who can write the repository directory would truncate or create a file elsewhere. It
     * must be a regular file with no other hard link (checked before and after the open), and is set
     * to {@code rw-------} whatever the umask.
     *
     * @throws BackupException naming the file if it is a link, not a regular file, or hard-linked
     */
    private static FileChannel openLockFile(Path key) throws IOException {
        requireLockFile(key);
        FileChannel channel;
        try {
            channel = FileChannel.open(key, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), DurableFiles.ownerOnly(key.getParent(), false));
        } catch (FileSystemException e) {
            requireLockFile(key); // a link swapped in between: say so
            throw e;
        }
        try {
            requireLockFile(key);
            if (Files.getFileStore(key).supportsFileAttributeView("posix") && !Files.getPosixFilePermissions(key,
                    LinkOption.NOFOLLOW_LINKS).equals(PosixFilePermissions.fromString("rw-------"))) {
                Files.getFileAttributeView(key, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setPermissions(PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, e);
            throw e;
        }
        return channel;
    }

    /** Refuses a lock file that is a link, not a regular file, or has other hard links; a missing one is fine. */
    private static void requireLockFile(Path key) throws IOException {
        BasicFileAttributes seen;
        try {
            seen = Files.readAttributes(key, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        String advice = " (someone who can write " + key.getParent() + " may have planted it: remove it and check "
                + "the repository)";
        if (seen.isSymbolicLink()) {
            throw new BackupException("The lock file " + key + " is a symbolic link; refusing to follow it" + advice);
        }
        if (!seen.isRegularFile()) {
            throw new BackupException("The lock file " + key + " is not a regular file; refusing to use it" + advice);
        }
        Object links;
        try {
            links = Files.getAttribute(key, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return; // no link counts on this file system
        }
        if (links instanceof Integer && (Integer) links > 1) {
            throw new BackupException("The lock file " + key + " has " + links + " hard links; refusing to write to "
                    + "it, it may be another file linked into the repository" + advice);
        }
    }

    /** Why a recorded holder no longer holds the lock, or {@code null} if it may still hold it. */
    private static String whyGone(Holder previous, boolean osLocks) {
        boolean here = previous.host.equals(host());
        boolean alive = here && ProcessHandle.of(previous.pid).map(ProcessHandle::isAlive).orElse(false);
        if (!osLocks) {
            return here && !alive ? "process " + previous.pid + " is no longer running" : null;
        }
        if (!here) {
            return "the OS lock is free, so that process ended without releasing it";
        }
        return alive ? "the OS lock is free, so that process ended without releasing it (pid " + previous.pid
                + " now belongs to another process)" : "process " + previous.pid + " is no longer running";
    }

    /** The lock file's path with its directory's symbolic links resolved: one key per lock file. */
    private static Path key(Path lockFile) {
        try {
            return lockFile.toAbsolutePath().getParent().toRealPath().resolve(lockFile.getFileName());
        } catch (IOException e) {
            throw new BackupException("Cannot use the lock file " + lockFile + ": " + e, e);
        }
    }

    private static byte[] readAll(FileChannel channel) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        long position = 0;
        int n;
        while ((n = channel.read(buffer, position)) > 0 && position < 64 * 1024) {
            out.write(buffer.array(), 0, n);
            position += n;
            buffer.clear();
        }
        return out.toByteArray();
    }

    private static void closeQuietly(FileChannel channel, Exception failure) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** This host's name, as recorded in lock files. */
    public static String host() {
        String h = host;
        if (h == null) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = Objects.requireNonNullElse(System.getenv("HOSTNAME"), "unknown-host");
            }
            host = h;
        }
        return h;
    }

    @Override
    public String holder() {
        return holder.toString();
    }

    /** When the holder took the lock. */
    public Instant since() {
        return Instant.parse(holder.since);
    }

    @Override
    public void close() {
        synchronized (HELD) {
            if (released) {
                return;
            }
            released = true;
            HELD.remove(file);
            try {
                // An empty record means "released cleanly": the next holder takes it without a warning.
                channel.truncate(0);
                channel.force(true);
            } catch (IOException e) {
                LOG.warn("Cannot clear the holder record in {} ({}); the next run will take the lock over", file,
                        LogText.of(e));
            }
            try {
                if (lock != null) {
                    lock.release();
                }
                channel.close();
            } catch (IOException e) {
                LOG.warn("Cannot close the lock file {} cleanly ({}); the OS lock ends with this process", file,
                        LogText.of(e));
            }
        }
    }

    @Override
    public String toString() {
        return "RunLock[" + file + ", " + holder + (released ? ", released" : "") + "]";
    }
}
