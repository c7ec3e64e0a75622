package dev.infrakit.backup;

import dev.infrakit.core.internal.DurableFiles;
import dev.infrakit.backup.internal.RunLock;
import dev.infrakit.backup.internal.Sha256;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link BackupRepository} in a local directory (or a mounted file system):
 * <pre>
 * &lt;dir&gt;/&lt;id&gt;/manifest.json       one directory per published backup
 * &lt;dir&gt;/&lt;id&gt;/&lt;artifact&gt;          its artifacts (none for a failed backup)
 * &lt;dir&gt;/.staging/&lt;id&gt;/          a backup being written; never listed
 * &lt;dir&gt;/.lock                    the run lock: an OS file lock plus a JSON record of its holder
 * </pre>
 *
 * <p>Publishing is crash-safe: every artifact is written to a temporary file, hashed (SHA-256) and
 * counted as it is written, and {@code fsync}ed when its stream is closed; the manifest is written
 * and synced last; then the staging directory is renamed to {@code <dir>/<id>} in one atomic step
 * and {@code <dir>} is synced. A crash before the rename leaves only a staging directory, which the
 * next {@link #open} removes (when no run holds the lock); a crash after it leaves a complete backup.
 * Deleting removes the manifest first, so a half-deleted backup is never listed.
 *
 * <p>Thread-safe. Several processes may use one directory; runs that write should hold
 * {@link #lock}.
 */
public final class LocalBackupRepository implements BackupRepository {
    private static final Logger LOG = LoggerFactory.getLogger(LocalBackupRepository.class);
    private static final String MANIFEST = "manifest.json";
    private static final String STAGING = ".staging";
    private static final String LOCK = ".lock";
    /** Staging directories being written in this JVM: never "leftovers", whoever opens the directory. */
    private static final Set<Path> ACTIVE_STAGING = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Path stagingRoot;
    private final Clock clock;
    private final String name;
    private final Object writes = new Object(); // serialises update and delete in this instance

    private LocalBackupRepository(Path dir, Clock clock) {
        this.dir = dir;
        this.stagingRoot = dir.resolve(STAGING);
        this.clock = clock;
        this.name = "local:" + dir;
    }

    /**
     * Opens (creating it if needed) the repository in {@code dir}, with the system clock for lock
     * records. See {@link #open(Path, Clock)}.
     *
     * @throws BackupException if the directory cannot be created or read
     */
    public static LocalBackupRepository open(Path dir) {
        return open(dir, Clock.systemUTC());
    }

    /**
     * Opens (creating it if needed) the repository in {@code dir}. If no run holds the lock, staging
     * directories left by a crashed or killed run are removed (each is logged) and so are temporary
     * manifest files left by an interrupted {@link #update}.
     *
     * <p>Everything the repository holds is owner-only whatever the umask: directories it creates
     * (and missing parents) are {@code rwx------}, files (artifacts, manifests, the lock file)
     * {@code rw-------}; on open, the repository directory, its backups and their files are set to
     * that too, so what an older version left {@code 0644} in {@code 0755} directories is tightened.
     *
     * @param clock the time recorded in the lock file
     * @throws BackupException if the directory cannot be created or read
     */
    public static LocalBackupRepository open(Path dir, Clock clock) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(clock, "clock");
        Path real;
        try {
            DurableFiles.createOwnerOnlyDirectories(dir);
            real = dir.toRealPath();
            restrictTree(real);
        } catch (IOException e) {
            throw new BackupException("Cannot open the backup repository " + dir + ": " + e, e);
        }
        LocalBackupRepository repository = new LocalBackupRepository(real, clock);
        try {
            if (!RunLock.whenFree(real.resolve(LOCK), repository::removeLeftovers)) {
                LOG.debug("{}: a run holds the lock; leftover staging directories are left for a later open",
                        repository.name);
            }
        } catch (IOException e) {
            throw new BackupException("Cannot clean up the backup repository " + real + ": " + e, e);
        }
        return repository;
    }

    /**
     * Makes the repository, its backups and their files owner-only, whatever an older version (which
     * left 0644 files in 0755 directories) or the umask gave them: a dump holds the whole database.
     * Two levels deep (backups and the staging root, then their files); symbolic links are left alone,
     * and what is already owner-only is not changed (no write where none is needed).
     */
    private static void restrictTree(Path root) throws IOException {
        tighten(root, true);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    tighten(entry, true);
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(entry)) {
                        for (Path file : files) {
                            tighten(file, Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS));
                        }
                    }
                } else {
                    tighten(entry, false);
                }
            }
        }
    }

    private static void tighten(Path path, boolean isDirectory) throws IOException {
        if (Files.isSymbolicLink(path) || !Files.getFileStore(path).supportsFileAttributeView("posix")) {
            return;
        }
        Set<java.nio.file.attribute.PosixFilePermission> now = Files.getPosixFilePermissions(path,
                LinkOption.NOFOLLOW_LINKS);
        if (!now.equals(java.nio.file.attribute.PosixFilePermissions.fromString(isDirectory ? "rwx------" : "rw-------"))) {
            DurableFiles.restrictToOwner(path, isDirectory);
        }
    }

    private void removeLeftovers() throws IOException {
        if (Files.isDirectory(stagingRoot, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(stagingRoot)) {
                for (Path leftover : entries) {
                    if (!ACTIVE_STAGING.contains(leftover)) {
                        LOG.warn("{}: removing the leftover staging directory {} of a run that crashed or was "
                                + "killed before publishing; it was never a backup", name, leftover.getFileName());
                        DurableFiles.deleteTree(leftover);
                    }
                }
            }
        }
        for (Path backup : backupDirectories()) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(backup)) {
                for (Path file : files) {
                    if (DurableFiles.isTemporary(file.getFileName().toString(), MANIFEST)) {
                        LOG.info("{}: removing {}/{}, left by an interrupted manifest update", name,
                                backup.getFileName(), file.getFileName());
                        Files.deleteIfExists(file);
                    }
                }
            }
        }
    }

    /** The repository's directory (its real path). */
    public Path directory() {
        return dir;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The staging directory is {@code <dir>/.staging/<id>}.
     *
     * @throws BackupException if a backup with that id is already published or being written
     */
    @Override
    public Staging begin(Manifest running) {
        String id = running.id();
        if (Files.exists(dir.resolve(id), LinkOption.NOFOLLOW_LINKS)) {
            throw new BackupException("Backup " + id + " already exists in " + name);
        }
        Path staging = stagingRoot.resolve(id);
        if (!ACTIVE_STAGING.add(staging)) {
            throw new BackupException("Backup " + id + " is already being written to " + name);
        }
        try {
            DurableFiles.createOwnerOnlyDirectories(stagingRoot);
            Files.createDirectory(staging, DurableFiles.ownerOnly(stagingRoot, true));
            DurableFiles.restrictToOwner(staging, true);
            DurableFiles.syncDirectory(stagingRoot);
        } catch (FileAlreadyExistsException e) {
            ACTIVE_STAGING.remove(staging);
            throw new BackupException("Backup " + id + " is already being written to " + name + " (by another "
                    + "process, or left over by one that crashed: " + staging + ")", e);
        } catch (IOException e) {
            ACTIVE_STAGING.remove(staging);
            throw new BackupException("Cannot create the staging directory " + staging + ": " + e, e);
        }
        return new LocalStaging(running, staging);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A directory without a valid {@code manifest.json}, or whose manifest has another id, is
     * skipped and logged (WARN).
     *
     * @throws BackupException if the directory cannot be listed
     */
    @Override
    public List<Manifest> list() {
        List<Manifest> backups = new ArrayList<>();
        try {
            for (Path backup : backupDirectories()) {
                read(backup).ifPresent(backups::add);
            }
        } catch (IOException e) {
            throw new BackupException("Cannot list the backups in " + name + ": " + e, e);
        }
        backups.sort(Comparator.comparing(Manifest::started).thenComparing(Manifest::id));
        return backups;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code id} is not a valid backup id
     */
    @Override
    public Optional<Manifest> find(String id) {
        Manifest.requireId(id);
        Path backup = dir.resolve(id);
        return Files.isDirectory(backup, LinkOption.NOFOLLOW_LINKS) ? read(backup) : Optional.empty();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Returns a plain stream of the stored file; nothing is cached or checked on the way.
     *
     * @throws IllegalArgumentException if {@code id} or {@code artifact} is not a valid id or
     *     artifact name (a path such as {@code ../x} is refused)
     */
    @Override
    public InputStream open(String id, String artifact) throws IOException {
        Artifact.requireName(artifact);
        Manifest manifest = find(id).orElseThrow(() -> new BackupException("No backup " + id + " in " + name));
        manifest.artifact(artifact).orElseThrow(() -> new BackupException("Backup " + id + " in " + name
                + " has no artifact " + artifact));
        Path file = dir.resolve(id).resolve(artifact);
        if (Files.isSymbolicLink(file)) {
            throw new BackupException("Artifact " + artifact + " of backup " + id + " in " + name
                    + " is a symbolic link; refusing to follow it");
        }
        return new FileInputStream(file.toFile());
    }

    /**
     * {@inheritDoc} The artifacts cannot change: {@code manifest} must list the stored ones.
     *
     * @throws BackupException also if {@code manifest}'s artifacts differ from the stored manifest's
     */
    @Override
    public void update(Manifest manifest) {
        String id = manifest.id();
        synchronized (writes) {
            Manifest current = find(id).orElseThrow(() -> new BackupException("No backup " + id + " in " + name
                    + " to update"));
            if (manifest.status() == BackupStatus.RUNNING) {
                throw new BackupException("Cannot update backup " + id + " in " + name + ": a published backup cannot "
                        + "be RUNNING again");
            }
            if (!current.artifacts().equals(manifest.artifacts())) {
                throw new BackupException("Cannot update backup " + id + " in " + name + ": an update cannot change "
                        + "its artifacts (stored " + current.artifacts() + ", given " + manifest.artifacts() + ")");
            }
            try {
                DurableFiles.replace(dir.resolve(id).resolve(MANIFEST), manifest.toJson().getBytes(StandardCharsets.UTF_8),
                        DurableFiles.ownerOnly(dir, false));
            } catch (IOException e) {
                throw new BackupException("Cannot update the manifest of backup " + id + " in " + name
                        + " (it keeps its previous manifest): " + e, e);
            }
        }
    }

    /**
     * {@inheritDoc} Also deletes a backup directory that has no valid manifest.
     *
     * @throws IllegalArgumentException if {@code id} is not a valid backup id
     */
    @Override
    public void delete(String id) {
        Manifest.requireId(id);
        Path backup = dir.resolve(id);
        synchronized (writes) {
            if (!Files.isDirectory(backup, LinkOption.NOFOLLOW_LINKS)) {
                throw new BackupException("No backup " + id + " in " + name + " to delete");
            }
            boolean unlisted = false;
            try {
                Files.deleteIfExists(backup.resolve(MANIFEST));
                DurableFiles.syncDirectory(backup);
                unlisted = true;
                DurableFiles.deleteTree(backup);
            } catch (IOException e) {
                throw new BackupException("Cannot delete backup " + id + " in " + name + (unlisted
                        ? " completely; its manifest is gone, so it is no longer listed" : "") + ": " + e, e);
            }
        }
    }

    /** {@inheritDoc} From the directory's file store; -1 if it cannot be read. */
    @Override
    public long usableSpace() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            LOG.warn("{}: cannot read the usable space: {}", name, e.toString());
            return -1;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The lock is an OS file lock on {@code <dir>/.lock}, held until the returned lock is closed,
     * with the holder's pid, host, purpose and start time recorded in that file. A second run, in
     * another process or in this one, is refused. A lock whose holder ended without releasing it
     * (crashed, killed) is taken over and the takeover logged (WARN).
     */
    @Override
    public RepositoryLock lock(String purpose) {
        return RunLock.acquire(dir.resolve(LOCK), name, purpose, clock);
    }

    @Override
    public String toString() {
        return "LocalBackupRepository[" + dir + "]";
    }

    private List<Path> backupDirectories() throws IOException {
        List<Path> backups = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (!entry.getFileName().toString().startsWith(".")
                        && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    backups.add(entry);
                }
            }
        }
        return backups;
    }

    /** The manifest of a backup directory, or empty (logged) if it has no valid one. */
    private Optional<Manifest> read(Path backup) {
        String entry = backup.getFileName().toString();
        String json;
        try {
            json = Files.readString(backup.resolve(MANIFEST), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (Files.exists(backup)) {
                LOG.warn("{}: skipping {}: it has no {} (not a backup, or one being deleted)", name, entry, MANIFEST);
            }
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("{}: skipping {}: its {} cannot be read: {}", name, entry, MANIFEST, e.toString());
            return Optional.empty();
        }
        Manifest manifest;
        try {
            manifest = Manifest.fromJson(json);
        } catch (BackupException e) {
            LOG.warn("{}: skipping {}: {}", name, entry, e.getMessage());
            return Optional.empty();
        }
        if (!manifest.id().equals(entry)) {
            LOG.warn("{}: skipping {}: its manifest is for backup {}", name, entry, manifest.id());
            return Optional.empty();
        }
        return Optional.of(manifest);
    }

    /**
     * One backup being written. Artifacts are written to {@code .<name>.partial} (names starting
     * with a dot are never artifact names) and renamed to their name when their stream is closed.
     */
    private final class LocalStaging implements Staging {
        private final Manifest running;
        private final Path staging;
        private final Map<String, Artifact> staged = new LinkedHashMap<>(); // guarded by this
        private final Set<String> names = new HashSet<>(); // guarded by this
        private final Set<String> writing = new TreeSet<>(); // guarded by this
        private boolean finished; // guarded by this: published, failed or discarded

        LocalStaging(Manifest running, Path staging) {
            this.running = running;
            this.staging = staging;
        }

        @Override
        public synchronized OutputStream open(String artifact) throws IOException {
            Artifact.requireName(artifact);
            requireOpen();
            if (artifact.equals(MANIFEST)) {
                throw new IllegalArgumentException("'" + MANIFEST + "' is reserved for the manifest; choose another "
                        + "artifact name");
            }
            if (!names.add(artifact)) {
                throw new IllegalArgumentException("Artifact " + artifact + " was already written in backup "
                        + running.id());
            }
            Path temporary = staging.resolve("." + artifact + ".partial");
            FileChannel channel;
            try {
                channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE), DurableFiles.ownerOnly(staging, false));
                DurableFiles.restrictToOwner(temporary, false);
            } catch (IOException e) {
                names.remove(artifact);
                throw e;
            }
            writing.add(artifact);
            return new StagedStream(artifact, temporary, channel);
        }

        @Override
        public synchronized List<Artifact> artifacts() {
            return List.copyOf(staged.values());
        }

        @Override
        public synchronized Manifest publish(Manifest complete) {
            requireOpen();
            requireSameBackup(complete);
            if (complete.status() != BackupStatus.COMPLETE && complete.status() != BackupStatus.VERIFIED) {
                throw new BackupException("Cannot publish backup " + complete.id() + " as " + complete.status()
                        + ": publish a COMPLETE manifest, or use fail()");
            }
            if (!writing.isEmpty()) {
                throw new BackupException("Cannot publish backup " + complete.id() + ": artifacts " + writing
                        + " are still being written (close their streams first)");
            }
            List<String> differences = differences(complete.artifacts());
            if (!differences.isEmpty()) {
                throw new BackupException("Cannot publish backup " + complete.id() + " to " + name
                        + ": its manifest does not match the staged artifacts: " + String.join("; ", differences));
            }
            moveIntoPlace(complete);
            return complete;
        }

        @Override
        public synchronized void fail(Manifest failed) {
            requireOpen();
            requireSameBackup(failed);
            if (failed.status() != BackupStatus.FAILED) {
                throw new BackupException("Cannot record backup " + failed.id() + " as failed: its manifest is "
                        + failed.status());
            }
            // A stream still open keeps writing to its (deleted) file and discards it when closed,
            // because the staging area is finished by then.
            try {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
                    for (Path file : files) {
                        Files.delete(file);
                    }
                }
            } catch (IOException e) {
                throw new BackupException("Cannot discard the artifacts of failed backup " + failed.id() + ": " + e, e);
            }
            staged.clear();
            moveIntoPlace(failed);
        }

        /** Writes the manifest into the staging directory, then renames it into place. */
        private void moveIntoPlace(Manifest manifest) {
            String id = manifest.id();
            Path target = dir.resolve(id);
            try {
                DurableFiles.replace(staging.resolve(MANIFEST), manifest.toJson().getBytes(StandardCharsets.UTF_8),
                        DurableFiles.ownerOnly(staging, false));
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new BackupException("Cannot publish backup " + id + ": " + target + " already exists");
                }
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new BackupException("Cannot publish backup " + id + " to " + name + " (nothing was published): "
                        + e, e);
            }
            finished = true;
            ACTIVE_STAGING.remove(staging);
            try {
                DurableFiles.syncDirectory(dir);
                DurableFiles.syncDirectory(stagingRoot);
            } catch (IOException e) {
                throw new BackupException("Backup " + id + " was published to " + name + " but its directory could not "
                        + "be synced, so it may not survive a power cut: " + e, e);
            }
        }

        private List<String> differences(List<Artifact> declared) {
            List<String> differences = new ArrayList<>();
            Map<String, Artifact> expected = new LinkedHashMap<>();
            for (Artifact a : declared) {
                if (expected.put(a.name(), a) != null) {
                    differences.add(a.name() + " is listed twice");
                }
            }
            for (Artifact a : expected.values()) {
                Artifact s = staged.get(a.name());
                if (s == null) {
                    differences.add(a.name() + " was not staged");
                } else if (s.size() != a.size()) {
                    differences.add(a.name() + " has " + s.size() + " bytes staged, " + a.size() + " in the manifest");
                } else if (!s.sha256().equals(a.sha256())) {
                    differences.add(a.name() + " has sha256 " + s.sha256() + " staged, " + a.sha256()
                            + " in the manifest");
                }
            }
            for (String s : staged.keySet()) {
                if (!expected.containsKey(s)) {
                    differences.add(s + " was staged but is not in the manifest");
                }
            }
            return differences;
        }

        private void requireOpen() {
            if (finished) {
                throw new IllegalStateException("Backup " + running.id() + " was already published, failed or "
                        + "discarded");
            }
        }

        private void requireSameBackup(Manifest manifest) {
            if (!manifest.id().equals(running.id())) {
                throw new BackupException("This staging area is for backup " + running.id() + ", not "
                        + manifest.id());
            }
        }

        /** A stream has been closed: record its artifact, or discard its file. */
        private synchronized void closed(String artifact, Path temporary, Artifact written) throws IOException {
            writing.remove(artifact);
            if (finished || written == null) {
                Files.deleteIfExists(temporary);
                return;
            }
            Files.move(temporary, staging.resolve(artifact), StandardCopyOption.ATOMIC_MOVE);
            staged.put(artifact, written);
        }

        @Override
        public synchronized void close() {
            if (finished) {
                return;
            }
            finished = true;
            try {
                DurableFiles.deleteTree(staging);
            } catch (IOException e) {
                LOG.warn("{}: cannot remove the staging directory of backup {} ({}); the next open removes it", name,
                        running.id(), e.toString());
            }
            ACTIVE_STAGING.remove(staging);
        }

        /**
         * Hashes and counts what is written; on close syncs the file and hands it to the staging
         * area. A stream whose write failed discards its file on close. Not thread-safe.
         */
        private final class StagedStream extends OutputStream {
            private final String artifact;
            private final Path temporary;
            private final FileChannel channel;
            private final OutputStream out;
            private final MessageDigest digest = Sha256.newDigest();
            private long size;
            private boolean broken;
            private boolean closed;

            StagedStream(String artifact, Path temporary, FileChannel channel) {
                this.artifact = artifact;
                this.temporary = temporary;
                this.channel = channel;
                this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (closed) {
                    throw new IOException("The stream of artifact " + artifact + " is closed");
                }
                try {
                    out.write(b, off, len);
                } catch (IOException | RuntimeException e) {
                    broken = true;
                    throw e;
                }
                digest.update(b, off, len);
                size += len;
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                if (closed) {
                    return;
                }
                closed = true;
                Artifact written = null;
                try {
                    try {
                        if (!broken) {
                            out.flush();
                            channel.force(true);
                            written = new Artifact(artifact, size, Sha256.hex(digest));
                        }
                    } finally {
                        channel.close();
                    }
                } catch (IOException | RuntimeException e) {
                    closed(artifact, temporary, null);
                    throw e;
                }
                closed(artifact, temporary, written);
            }
        }
    }
}
