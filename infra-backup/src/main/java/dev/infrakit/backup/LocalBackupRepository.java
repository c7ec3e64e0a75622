package dev.infrakit.backup;

import dev.infrakit.backup.internal.LogText;
import dev.infrakit.backup.internal.OpenDirectory;
import dev.infrakit.backup.internal.RunLock;
import dev.infrakit.backup.internal.Sha256;
import dev.infrakit.backup.internal.VerifiedInputStream;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.io.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
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
import java.util.concurrent.ThreadLocalRandom;

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
 * <p><b>A repository directory that others can write.</b> Every path the repository reads,
 * creates, truncates, renames or deletes below {@code <dir>} is reached relative to an open
 * directory without following links ({@code openat}, {@code unlinkat}, {@code renameat} on Linux;
 * see {@code OpenDirectory}); each directory it opens must be a directory (not a link), the one it
 * examined, and owned by the owner of {@code <dir>}; {@code .lock} must be a regular file with one
 * link. New directories are made directly in {@code <dir>} and renamed into place. So someone who
 * can write {@code <dir>} (but not its parent) can delete or replace backups and make runs fail, but
 * cannot make the repository read, write or delete anything outside it: a link or foreign entry
 * where the repository expects its own is refused with a message naming it, or, inside
 * {@code .staging}, deleted without being followed.
 *
 * <p>Thread-safe. Several processes may use one directory; runs that write should hold
 * {@link #lock}.
 */
public final class LocalBackupRepository implements BackupRepository {
    private static final Logger LOG = LoggerFactory.getLogger(LocalBackupRepository.class);
    private static final String MANIFEST = "manifest.json";
    private static final String STAGING = ".staging";
    private static final String LOCK = ".lock";
    /** The archived WAL. */
    private static final String WAL = ".wal";
    /** The suffix of a WAL file's SHA-256 record. */
    private static final String SHA256 = ".sha256";
    /** A staging directory being created directly in the repository, before it is renamed into {@code .staging}. */
    private static final String NEW = ".new-";
    private static final int MAX_MANIFEST_BYTES = 16 << 20;
    /** Staging directories being written in this JVM: never "leftovers", whoever opens the directory. */
    private static final Set<Path> ACTIVE_STAGING = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Object key;
    private final Object owner; // the owner of dir, or null where the file system has no owners
    private final Clock clock;
    private final String name;
    private final Object writes = new Object(); // serialises update and delete in this instance

    private LocalBackupRepository(Path dir, Object key, Object owner, Clock clock) {
        this.dir = dir;
        this.key = key;
        this.owner = owner;
        this.clock = clock;
        this.name = "local:" + dir;
    }

    /**
     * Opens (creating it if needed) the repository in {@code dir}, with the system clock for lock
     * records. See {@link #open(Path, Clock)}.
     *
     * @throws BackupException if the directory cannot be created or read, or holds a link or foreign
     *     entry where the repository keeps its own (see the class comment)
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
     * @throws BackupException if the directory cannot be created or read, or if {@code .staging} or
     *     {@code .lock} is a symbolic link, not of its kind, or belongs to another user (the message
     *     names it)
     */
    public static LocalBackupRepository open(Path dir, Clock clock) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(clock, "clock");
        LocalBackupRepository repository;
        try {
            DurableFiles.createOwnerOnlyDirectories(dir);
            Path real = dir.toRealPath();
            try (OpenDirectory root = OpenDirectory.open(real)) {
                BasicFileAttributes attributes = root.attributes();
                repository = new LocalBackupRepository(real, root.key(),
                        attributes instanceof PosixFileAttributes ? ((PosixFileAttributes) attributes).owner() : null,
                        clock);
                repository.requireOwnStaging(root);
                repository.restrictTree(root);
            }
        } catch (IOException e) {
            throw new BackupException("Cannot open the backup repository " + dir + ": " + e.getMessage(), e);
        }
        try {
            if (!RunLock.whenFree(repository.dir.resolve(LOCK), repository::removeLeftovers)) {
                LOG.debug("{}: a run holds the lock; leftover staging directories are left for a later open",
                        repository.name);
            }
        } catch (IOException e) {
            throw new BackupException("Cannot clean up the backup repository " + repository.dir + ": "
                    + e.getMessage(), e);
        }
        return repository;
    }

    /** The repository directory, checked to be the one opened (not swapped since). */
    private OpenDirectory openRoot() throws IOException {
        OpenDirectory root = OpenDirectory.open(dir);
        if (key != null && !key.equals(root.key())) {
            root.close();
            throw new FileSystemException(dir.toString(), null, "was replaced since the repository was opened; "
                    + "refusing to use it");
        }
        return root;
    }

    /** The child directory {@code entry} of {@code parent}, which must belong to the repository's owner. */
    private OpenDirectory ownChild(OpenDirectory parent, String entry) throws IOException {
        OpenDirectory child = parent.child(entry);
        try {
            requireOwner(child);
        } catch (IOException | RuntimeException e) {
            child.close();
            throw e;
        }
        return child;
    }

    private void requireOwner(OpenDirectory directory) throws IOException {
        BasicFileAttributes attributes = directory.attributes();
        if (owner != null && attributes instanceof PosixFileAttributes
                && !owner.equals(((PosixFileAttributes) attributes).owner())) {
            throw new FileSystemException(directory.path().toString(), null, "belongs to "
                    + ((PosixFileAttributes) attributes).owner() + ", not to " + owner + " who owns the repository; "
                    + "refusing to use it");
        }
    }

    /** {@code .staging}, if present, must be the repository's own directory. */
    private void requireOwnStaging(OpenDirectory root) throws IOException {
        if (root.stat(STAGING).isPresent()) {
            try {
                ownChild(root, STAGING).close(); // opening it checks it
            } catch (FileSystemException e) {
                throw new FileSystemException(e.getFile(), e.getOtherFile(), e.getReason() + " (someone who can write "
                        + dir + " may have planted it: remove it and check the repository)");
            }
        }
    }

    /** {@code .staging}, created if {@code create} and missing; empty if missing and not {@code create}. */
    private Optional<OpenDirectory> stagingRoot(OpenDirectory root, boolean create) throws IOException {
        if (root.stat(STAGING).isEmpty()) {
            if (!create) {
                return Optional.empty();
            }
            try {
                root.createDirectory(STAGING);
            } catch (FileAlreadyExistsException e) {
                // Created meanwhile by another run: checked below like any other.
            }
        }
        requireOwnStaging(root);
        return Optional.of(ownChild(root, STAGING));
    }

    /**
     * Makes the repository, its backups and their files owner-only, whatever an older version (which
     * left 0644 files in 0755 directories) or the umask gave them: a dump holds the whole database.
     * Two levels deep (backups and the staging root, then their files and directories), through open
     * directories; links and entries of other owners are left alone, and what is already owner-only
     * is not changed (no write where none is needed). {@code .lock} is the run lock's to tighten.
     */
    private void restrictTree(OpenDirectory root) throws IOException {
        root.restrictToOwner();
        for (String entry : root.names()) {
            Optional<BasicFileAttributes> seen = root.stat(entry);
            if (seen.isEmpty() || !seen.get().isDirectory()) {
                continue;
            }
            try (OpenDirectory child = ownChild(root, entry)) {
                child.restrictToOwner();
                for (String inner : child.names()) {
                    Optional<BasicFileAttributes> file = child.stat(inner);
                    if (file.isPresent() && file.get().isRegularFile()) {
                        child.restrictFileToOwner(inner);
                    } else if (file.isPresent() && file.get().isDirectory()) {
                        try (OpenDirectory grandchild = ownChild(child, inner)) {
                            grandchild.restrictToOwner();
                        } catch (FileSystemException e) {
                            LOG.warn("{}: leaving {} as it is: {}", name, LogText.of(entry + "/" + inner), LogText.of(e.getMessage()));
                        }
                    }
                }
            } catch (NoSuchFileException e) {
                // Deleted meanwhile.
            } catch (FileSystemException e) {
                LOG.warn("{}: leaving {} as it is: {}", name, LogText.of(entry), LogText.of(e.getMessage()));
            }
        }
    }

    private void removeLeftovers() throws IOException {
        try (OpenDirectory root = openRoot()) {
            Optional<OpenDirectory> staging = stagingRoot(root, false);
            if (staging.isPresent()) {
                try (OpenDirectory stagingRoot = staging.get()) {
                    for (String leftover : stagingRoot.names()) {
                        if (!ACTIVE_STAGING.contains(dir.resolve(STAGING).resolve(leftover))) {
                            LOG.warn("{}: removing the leftover staging directory {} of a run that crashed or was "
                                    + "killed before publishing; it was never a backup (links are removed, never "
                                    + "followed)", name, LogText.of(leftover));
                            stagingRoot.deleteTree(leftover);
                        }
                    }
                }
            }
            if (root.stat(WAL).isPresent()) {
                try (OpenDirectory wal = ownChild(root, WAL)) {
                    // An archiver (of this process or another) may be writing one now, without the run
                    // lock: only a temporary file untouched for an hour was left by an interrupted one.
                    long stale = System.currentTimeMillis() - java.util.concurrent.TimeUnit.HOURS.toMillis(1);
                    for (String entry : wal.names()) {
                        if (entry.startsWith(".") && entry.endsWith(".tmp")) {
                            Optional<BasicFileAttributes> seen = wal.stat(entry);
                            if (seen.isPresent() && seen.get().lastModifiedTime().toMillis() < stale) {
                                LOG.info("{}: removing {}/{}, left by an interrupted WAL archiving", name, WAL,
                                        LogText.of(entry));
                                wal.deleteFile(entry);
                            }
                        }
                    }
                }
            }
            for (String entry : root.names()) {
                if (entry.startsWith(NEW) && !ACTIVE_STAGING.contains(dir.resolve(entry))) {
                    LOG.warn("{}: removing {}, left by a run that crashed while creating its staging directory",
                            name, LogText.of(entry));
                    root.deleteTree(entry);
                }
            }
            for (String entry : backupNames(root)) {
                try (OpenDirectory backup = ownChild(root, entry)) {
                    for (String file : backup.names()) {
                        if (DurableFiles.isTemporary(file, MANIFEST)) {
                            LOG.info("{}: removing {}/{}, left by an interrupted manifest update", name, LogText.of(entry),
                                    LogText.of(file));
                            backup.deleteFile(file);
                        }
                    }
                } catch (FileSystemException e) {
                    LOG.warn("{}: skipping {}: {}", name, LogText.of(entry), LogText.of(e.getMessage()));
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
     * <p>The WAL is kept in {@code <dir>/.wal/}, reached like everything else below {@code <dir>}
     * without following links; each file is written to a temporary name, synced, and renamed into
     * place, then the directory is synced. Each file's SHA-256 is kept beside it in
     * {@code <name>.sha256} (written first, and listing both the old and the new value while a
     * {@code .partial} is replaced, so a crash at any step leaves a file its record accepts), and
     * {@link WalArchive#open} checks it at the end of the file: a segment altered or truncated at
     * rest fails, naming itself, instead of ending a recovery early. ({@code list()} reports the
     * SHA-256 empty, to stay one directory read.) Files stored before these records existed are read
     * unchecked.
     */
    @Override
    public Optional<WalArchive> walArchive() {
        return Optional.of(new LocalWalArchive());
    }

    /** The WAL archive in {@code <dir>/.wal}. */
    private final class LocalWalArchive implements WalArchive {
        private final Object writes = new Object();

        private OpenDirectory walDirectory(OpenDirectory root, boolean create) throws IOException {
            if (root.stat(WAL).isEmpty()) {
                if (!create) {
                    return null;
                }
                try {
                    root.createDirectory(WAL);
                } catch (FileAlreadyExistsException e) {
                    // Created meanwhile.
                }
            }
            return ownChild(root, WAL);
        }

        @Override
        public WalSegment put(String name, Path file) throws IOException {
            WalArchive.requireName(name);
            synchronized (writes) {
                try (OpenDirectory root = openRoot(); OpenDirectory wal = walDirectory(root, true)) {
                    Optional<BasicFileAttributes> existing = wal.stat(name);
                    String temporary = "." + name + "." + String.format("%016x", ThreadLocalRandom.current().nextLong())
                            + ".tmp";
                    MessageDigest digest = Sha256.newDigest();
                    long size = 0;
                    try (InputStream in = Files.newInputStream(file); FileChannel out = wal.createFile(temporary)) {
                        byte[] buffer = new byte[64 << 10];
                        for (int n; (n = in.read(buffer)) > 0; ) {
                            digest.update(buffer, 0, n);
                            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                            while (chunk.hasRemaining()) {
                                out.write(chunk);
                            }
                            size += n;
                        }
                        out.force(true);
                    } catch (IOException | RuntimeException e) {
                        wal.deleteFile(temporary);
                        throw e;
                    }
                    WalSegment stored = new WalSegment(name, size, Sha256.hex(digest));
                    if (existing.isPresent()) {
                        Sha256.Digest present;
                        try (InputStream in = Channels.newInputStream(wal.openForReading(name))) {
                            present = Sha256.read(in);
                        }
                        if (present.hex().equals(stored.sha256())) {
                            wal.deleteFile(temporary);
                            if (wal.stat(name + SHA256).isEmpty()) {
                                writeRecord(wal, name, stored.sha256()); // archived before records were kept
                                wal.sync();
                            }
                            return stored; // stored before: the same content
                        }
                        if (!name.endsWith(".partial")) {
                            wal.deleteFile(temporary);
                            throw new BackupException("WAL file " + name + " is already archived in " + LocalBackupRepository
                                    .this.name + " with other content (sha256 " + present.hex() + ", now " + stored.sha256()
                                    + "): another server may be archiving into this repository");
                        }
                        writeRecord(wal, name, stored.sha256() + "\n" + present.hex()); // either, until the move
                    } else {
                        writeRecord(wal, name, stored.sha256());
                    }
                    wal.move(temporary, wal, name);
                    if (existing.isPresent()) {
                        writeRecord(wal, name, stored.sha256());
                    }
                    wal.sync();
                    return stored;
                }
            }
        }

        /** Writes {@code <name>.sha256} durably: to a temporary name, synced, renamed into place. */
        private void writeRecord(OpenDirectory wal, String name, String content) throws IOException {
            String temporary = "." + name + SHA256 + "." + String.format("%016x", ThreadLocalRandom.current().nextLong())
                    + ".tmp";
            try (FileChannel out = wal.createFile(temporary)) {
                ByteBuffer bytes = ByteBuffer.wrap((content + "\n").getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            } catch (IOException | RuntimeException e) {
                wal.deleteFile(temporary);
                throw e;
            }
            wal.move(temporary, wal, name + SHA256);
        }

        @Override
        public List<WalSegment> list() throws IOException {
            List<WalSegment> segments = new ArrayList<>();
            try (OpenDirectory root = openRoot(); OpenDirectory wal = walDirectory(root, false)) {
                if (wal == null) {
                    return segments;
                }
                for (String entry : new TreeSet<>(wal.names())) {
                    if (WalArchive.NAME.matcher(entry).matches()) {
                        Optional<BasicFileAttributes> seen = wal.stat(entry);
                        if (seen.isPresent() && seen.get().isRegularFile()) {
                            segments.add(new WalSegment(entry, seen.get().size(), ""));
                        }
                    }
                }
            }
            return segments;
        }

        @Override
        public InputStream open(String name) throws IOException {
            WalArchive.requireName(name);
            try (OpenDirectory root = openRoot(); OpenDirectory wal = walDirectory(root, false)) {
                if (wal == null || wal.stat(name).isEmpty()) {
                    throw new BackupException("WAL file " + name + " is not archived in " + LocalBackupRepository.this.name);
                }
                InputStream in = Channels.newInputStream(wal.openForReading(name));
                if (wal.stat(name + SHA256).isEmpty()) {
                    return in; // archived before records were kept
                }
                Set<String> expected;
                try (InputStream record = Channels.newInputStream(wal.openForReading(name + SHA256))) {
                    expected = Set.of(new String(record.readNBytes(200), StandardCharsets.US_ASCII).strip().split("\n"));
                } catch (IOException | RuntimeException e) {
                    in.close();
                    throw e;
                }
                return new VerifiedInputStream(in, expected, "WAL file " + name + " in " + LocalBackupRepository.this.name);
            }
        }

        @Override
        public void delete(String name) throws IOException {
            WalArchive.requireName(name);
            synchronized (writes) {
                try (OpenDirectory root = openRoot(); OpenDirectory wal = walDirectory(root, false)) {
                    if (wal != null) {
                        boolean changed = false;
                        for (String file : List.of(name, name + SHA256)) {
                            if (wal.stat(file).isPresent()) {
                                wal.deleteFile(file);
                                changed = true;
                            }
                        }
                        if (changed) {
                            wal.sync();
                        }
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "LocalWalArchive[" + dir.resolve(WAL) + "]";
        }
    }

    /**
     * A check named {@code backup-repository:local:<dir>}, not critical: DOWN when the directory
     * is gone or not writable (the next backup would fail), else UP with the usable space observed
     * in bytes.
     */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return Optional.of(HealthCheck.of("backup-repository:" + name, () -> {
            if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
                return HealthResult.down(dir + " is not a writable directory").build();
            }
            return HealthResult.up().observed(Files.getFileStore(dir).getUsableSpace(), "bytes").build();
        }).critical(false).build());
    }

    /**
     * {@inheritDoc}
     *
     * <p>The staging directory is {@code <dir>/.staging/<id>}, created as {@code <dir>/.new-<id>} and
     * renamed there, so that it is never created through a swapped {@code .staging}.
     *
     * @throws BackupException if a backup with that id is already published or being written, or the
     *     staging directory cannot be created (naming what was in the way)
     */
    @Override
    public Staging begin(Manifest running) {
        String id = running.id();
        Path staging = dir.resolve(STAGING).resolve(id);
        Path fresh = dir.resolve(NEW + id);
        if (!ACTIVE_STAGING.add(staging)) {
            throw new BackupException("Backup " + id + " is already being written to " + name);
        }
        ACTIVE_STAGING.add(fresh);
        OpenDirectory stagingRoot = null;
        boolean created = false;
        try (OpenDirectory root = openRoot()) {
            if (root.stat(id).isPresent()) {
                throw new BackupException("Backup " + id + " already exists in " + name);
            }
            stagingRoot = stagingRoot(root, true).orElseThrow();
            if (stagingRoot.stat(id).isPresent()) {
                throw new BackupException("Backup " + id + " is already being written to " + name + " (by another "
                        + "process, or left over by one that crashed: " + staging + ")");
            }
            root.createDirectory(NEW + id);
            created = true;
            Object made; // the identity of the directory made, to check that the one renamed is it
            try (OpenDirectory madeDirectory = ownChild(root, NEW + id)) {
                made = madeDirectory.key();
            }
            root.move(NEW + id, stagingRoot, id);
            created = false;
            OpenDirectory files = ownChild(stagingRoot, id);
            if (!made.equals(files.key())) {
                files.close();
                throw new FileSystemException(staging.toString(), null, "was replaced while it was created");
            }
            stagingRoot.sync();
            root.sync();
            return new LocalStaging(running, staging, stagingRoot, files);
        } catch (IOException | RuntimeException e) {
            ACTIVE_STAGING.remove(staging);
            closeQuietly(stagingRoot, e);
            if (created) {
                try (OpenDirectory root = openRoot()) {
                    root.deleteTree(NEW + id);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof BackupException) {
                throw (BackupException) e;
            }
            if (e instanceof FileAlreadyExistsException) {
                throw new BackupException("Backup " + id + " is already being written to " + name + " (by another "
                        + "process, or left over by one that crashed: " + fresh + ")", e);
            }
            if (e instanceof RuntimeException) {
                throw (RuntimeException) e;
            }
            throw new BackupException("Cannot create the staging directory " + staging + ": " + e.getMessage(), e);
        } finally {
            ACTIVE_STAGING.remove(fresh);
        }
    }

    private static void closeQuietly(OpenDirectory directory, Exception failure) {
        if (directory != null) {
            try {
                directory.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A directory without a valid {@code manifest.json}, or whose manifest has another id, is
     * skipped and logged (WARN); so is one that is a link or belongs to another user.
     *
     * @throws BackupException if the directory cannot be listed
     */
    @Override
    public List<Manifest> list() {
        List<Manifest> backups = new ArrayList<>();
        try (OpenDirectory root = openRoot()) {
            for (String entry : backupNames(root)) {
                read(root, entry).ifPresent(backups::add);
            }
        } catch (IOException e) {
            throw new BackupException("Cannot list the backups in " + name + ": " + e.getMessage(), e);
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
        try (OpenDirectory root = openRoot()) {
            Optional<BasicFileAttributes> seen = root.stat(id);
            return seen.isPresent() && seen.get().isDirectory() ? read(root, id) : Optional.empty();
        } catch (IOException e) {
            throw new BackupException("Cannot read backup " + id + " in " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Returns a plain stream of the stored file, opened without following links; nothing is cached
     * or checked on the way.
     *
     * @throws IllegalArgumentException if {@code id} or {@code artifact} is not a valid id or
     *     artifact name (a path such as {@code ../x} is refused)
     * @throws BackupException if the backup or artifact is missing, or the artifact is a link or not
     *     a regular file
     */
    @Override
    public InputStream open(String id, String artifact) throws IOException {
        Artifact.requireName(artifact);
        Manifest manifest = find(id).orElseThrow(() -> new BackupException("No backup " + id + " in " + name));
        manifest.artifact(artifact).orElseThrow(() -> new BackupException("Backup " + id + " in " + name
                + " has no artifact " + artifact));
        try (OpenDirectory root = openRoot(); OpenDirectory backup = ownChild(root, id)) {
            Optional<BasicFileAttributes> seen = backup.stat(artifact);
            if (seen.isPresent() && seen.get().isSymbolicLink()) {
                throw new BackupException("Artifact " + artifact + " of backup " + id + " in " + name
                        + " is a symbolic link; refusing to follow it");
            }
            return Channels.newInputStream(backup.openFile(artifact));
        } catch (FileSystemException e) {
            throw new BackupException("Cannot read artifact " + artifact + " of backup " + id + " in " + name + ": "
                    + e.getMessage(), e);
        }
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
            StagedArtifacts.requireUpdate(name, current, manifest);
            try (OpenDirectory root = openRoot(); OpenDirectory backup = ownChild(root, id)) {
                writeManifest(backup, manifest);
            } catch (IOException e) {
                throw new BackupException("Cannot update the manifest of backup " + id + " in " + name
                        + " (it keeps its previous manifest): " + e.getMessage(), e);
            }
        }
    }

    /**
     * Writes {@code manifest} to a new owner-only temporary file in {@code directory}, syncs it, and
     * renames it over {@code manifest.json} ({@code renameat}: a link there is replaced, never
     * followed), then syncs the directory.
     */
    private static void writeManifest(OpenDirectory directory, Manifest manifest) throws IOException {
        String temporary = MANIFEST + "." + String.format("%016x", ThreadLocalRandom.current().nextLong()) + ".tmp";
        try {
            try (FileChannel channel = directory.createFile(temporary)) {
                ByteBuffer content = ByteBuffer.wrap(manifest.toJson().getBytes(StandardCharsets.UTF_8));
                while (content.hasRemaining()) {
                    channel.write(content);
                }
                channel.force(true);
            }
            directory.move(temporary, directory, MANIFEST);
        } catch (IOException | RuntimeException e) {
            try {
                if (directory.stat(temporary).isPresent()) {
                    directory.deleteFile(temporary);
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        directory.sync();
    }

    /**
     * {@inheritDoc} Also deletes a backup directory that has no valid manifest. Links inside it are
     * deleted, never followed.
     *
     * @throws IllegalArgumentException if {@code id} is not a valid backup id
     */
    @Override
    public void delete(String id) {
        Manifest.requireId(id);
        synchronized (writes) {
            boolean unlisted = false;
            try (OpenDirectory root = openRoot()) {
                Optional<BasicFileAttributes> seen = root.stat(id);
                if (seen.isEmpty() || !seen.get().isDirectory()) {
                    throw new BackupException("No backup " + id + " in " + name + " to delete");
                }
                try (OpenDirectory backup = ownChild(root, id)) {
                    if (backup.stat(MANIFEST).isPresent()) {
                        backup.deleteFile(MANIFEST);
                    }
                    backup.sync();
                }
                unlisted = true;
                root.deleteTree(id);
                root.sync();
            } catch (IOException e) {
                throw new BackupException("Cannot delete backup " + id + " in " + name + (unlisted
                        ? " completely; its manifest is gone, so it is no longer listed" : "") + ": " + e.getMessage(), e);
            }
        }
    }

    /** {@inheritDoc} From the directory's file store; -1 if it cannot be read. */
    @Override
    public long usableSpace() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            LOG.warn("{}: cannot read the usable space: {}", name, LogText.of(e));
            return -1;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The lock is an OS file lock on {@code <dir>/.lock}, held until the returned lock is closed,
     * with the holder's pid, host, purpose and start time recorded in that file. A second run, in
     * another process or in this one, is refused. A lock whose holder ended without releasing it
     * (crashed, killed) is taken over and the takeover logged (WARN). A {@code .lock} that is a link,
     * not a regular file, or has other hard links is refused, never written.
     */
    @Override
    public RepositoryLock lock(String purpose) {
        return RunLock.acquire(dir.resolve(LOCK), name, purpose, clock);
    }

    @Override
    public String toString() {
        return "LocalBackupRepository[" + dir + "]";
    }

    /** The names of the backup directories (not links, not dot names). */
    private static List<String> backupNames(OpenDirectory root) throws IOException {
        List<String> backups = new ArrayList<>();
        for (String entry : root.names()) {
            if (!entry.startsWith(".")) {
                Optional<BasicFileAttributes> seen = root.stat(entry);
                if (seen.isPresent() && seen.get().isDirectory()) {
                    backups.add(entry);
                }
            }
        }
        return backups;
    }

    /** The manifest of a backup directory, or empty (logged) if it has no valid one. */
    private Optional<Manifest> read(OpenDirectory root, String entry) {
        String json;
        try (OpenDirectory backup = ownChild(root, entry)) {
            Optional<BasicFileAttributes> seen = backup.stat(MANIFEST);
            if (seen.isEmpty()) {
                LOG.warn("{}: skipping {}: it has no {} (not a backup, or one being deleted)", name, LogText.of(entry), MANIFEST);
                return Optional.empty();
            }
            if (seen.get().size() > MAX_MANIFEST_BYTES) {
                LOG.warn("{}: skipping {}: its {} has {} bytes, more than a manifest can have", name, LogText.of(entry), MANIFEST,
                        seen.get().size());
                return Optional.empty();
            }
            try (InputStream in = Channels.newInputStream(backup.openFile(MANIFEST))) {
                json = new String(in.readNBytes(MAX_MANIFEST_BYTES), StandardCharsets.UTF_8);
            }
        } catch (NoSuchFileException e) {
            return Optional.empty(); // deleted meanwhile
        } catch (IOException e) {
            LOG.warn("{}: skipping {}: {}", name, LogText.of(entry), LogText.of(e.getMessage()));
            return Optional.empty();
        }
        Manifest manifest;
        try {
            manifest = Manifest.fromJson(json);
        } catch (BackupException e) {
            LOG.warn("{}: skipping {}: {}", name, LogText.of(entry), LogText.of(e.getMessage()));
            return Optional.empty();
        }
        if (!manifest.id().equals(entry)) {
            LOG.warn("{}: skipping {}: its manifest is for backup {}", name, LogText.of(entry), LogText.of(manifest.id()));
            return Optional.empty();
        }
        return Optional.of(manifest);
    }

    /**
     * One backup being written, held through open directories: the staging root and its own
     * staging directory. Artifacts are written to {@code .<name>.partial} (names starting with a dot
     * are never artifact names) and renamed to their name when their stream is closed.
     */
    private final class LocalStaging implements Staging {
        private final Manifest running;
        private final Path staging;
        private final OpenDirectory stagingRoot;
        private final OpenDirectory files;
        private final Map<String, Artifact> staged = new LinkedHashMap<>(); // guarded by this
        private final Set<String> names = new HashSet<>(); // guarded by this
        private final Set<String> writing = new TreeSet<>(); // guarded by this
        private boolean finished; // guarded by this: published, failed or discarded

        LocalStaging(Manifest running, Path staging, OpenDirectory stagingRoot, OpenDirectory files) {
            this.running = running;
            this.staging = staging;
            this.stagingRoot = stagingRoot;
            this.files = files;
        }

        @Override
        public synchronized OutputStream open(String artifact) throws IOException {
            Artifact.requireName(artifact);
            requireOpen();
            StagedArtifacts.requireNewArtifact(artifact, MANIFEST, names, running);
            String temporary = "." + artifact + ".partial";
            FileChannel channel;
            try {
                channel = files.createFile(temporary);
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
            StagedArtifacts.requirePublishable(name, running, complete, writing, staged);
            moveIntoPlace(complete);
            return complete;
        }

        @Override
        public synchronized void fail(Manifest failed) {
            requireOpen();
            StagedArtifacts.requireFailed(running, failed);
            // A stream still open keeps writing to its (deleted) file and drops it when closed,
            // because the staging area is finished by then.
            try {
                for (String file : files.names()) {
                    files.deleteFile(file);
                }
            } catch (IOException e) {
                throw new BackupException("Cannot discard the artifacts of failed backup " + failed.id() + ": "
                        + e.getMessage(), e);
            }
            staged.clear();
            moveIntoPlace(failed);
        }

        /** Writes the manifest into the staging directory, then renames that into place. */
        private void moveIntoPlace(Manifest manifest) {
            String id = manifest.id();
            try (OpenDirectory root = openRoot()) {
                writeManifest(files, manifest);
                if (root.stat(id).isPresent()) {
                    throw new BackupException("Cannot publish backup " + id + ": " + dir.resolve(id) + " already exists");
                }
                stagingRoot.move(id, root, id);
                finished = true;
                ACTIVE_STAGING.remove(staging);
                try {
                    root.sync();
                    stagingRoot.sync();
                } catch (IOException e) {
                    throw new BackupException("Backup " + id + " was published to " + name + " but its directory "
                            + "could not be synced, so it may not survive a power cut: " + e.getMessage(), e);
                }
            } catch (IOException e) {
                throw new BackupException("Cannot publish backup " + id + " to " + name + " (nothing was published): "
                        + e.getMessage(), e);
            } finally {
                if (finished) {
                    closeHandles();
                }
            }
        }

        private void closeHandles() {
            for (OpenDirectory d : List.of(files, stagingRoot)) {
                try {
                    d.close();
                } catch (IOException e) {
                    LOG.debug("{}: cannot close {}: {}", name, LogText.of(d), LogText.of(e));
                }
            }
        }

        private void requireOpen() {
            if (finished) {
                throw new IllegalStateException("Backup " + running.id() + " was already published, failed or "
                        + "discarded");
            }
        }

        /** A stream has been closed: record its artifact, or discard its file. */
        private synchronized void closed(String artifact, String temporary, Artifact written) throws IOException {
            writing.remove(artifact);
            if (finished) {
                return; // its file went with the staging directory (discarded) or with the failed backup's files
            }
            if (written == null) {
                if (files.stat(temporary).isPresent()) {
                    files.deleteFile(temporary);
                }
                return;
            }
            files.move(temporary, files, artifact);
            staged.put(artifact, written);
        }

        @Override
        public synchronized void close() {
            if (finished) {
                return;
            }
            finished = true;
            try {
                stagingRoot.deleteTree(running.id());
            } catch (IOException e) {
                LOG.warn("{}: cannot remove the staging directory of backup {} ({}); the next open removes it", name,
                        running.id(), LogText.of(e));
            }
            ACTIVE_STAGING.remove(staging);
            closeHandles();
        }

        /**
         * Hashes and counts what is written; on close syncs the file and hands it to the staging
         * area. A stream whose write failed discards its file on close. Not thread-safe.
         */
        private final class StagedStream extends OutputStream {
            private final String artifact;
            private final String temporary;
            private final FileChannel channel;
            private final OutputStream out;
            private final MessageDigest digest = Sha256.newDigest();
            private long size;
            private boolean broken;
            private boolean closed;

            StagedStream(String artifact, String temporary, FileChannel channel) {
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
