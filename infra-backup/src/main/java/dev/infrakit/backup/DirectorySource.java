package dev.infrakit.backup;

import dev.infrakit.backup.internal.LogText;
import dev.infrakit.backup.internal.OpenDirectory;
import dev.infrakit.backup.internal.UstarWriter;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;

/**
 * A directory backed up as one gzip-compressed POSIX ustar archive, the artifact
 * {@code <name>.tar.gz}, readable by {@code tar -xzf}.
 *
 * <p>What goes in: every regular file, directory and symbolic link under the root, in name order,
 * with paths relative to the root, permissions and modification times (not owners). Patterns are
 * {@link java.nio.file.FileSystem#getPathMatcher glob} patterns matched against those relative paths
 * ({@code /}-separated): with {@link Builder#include} patterns, only files (and directories) that
 * match one of them are archived; an {@link Builder#exclude} pattern that matches a directory
 * leaves out everything below it. Note that {@code **}{@code /*.log} does not match a top-level
 * {@code a.log}; write {@code {*.log,**}{@code /*.log}} for both.
 *
 * <p><b>Symbolic links</b> are stored as links (their target text), never followed: following
 * could leave the root, loop, or archive a file twice. Sockets, FIFOs and devices are skipped with
 * a warning. A file that grows while it is read is stored with the size it had when it was
 * reached (and a warning); one that shrinks fails the backup. A path longer than ustar allows (a
 * last part over 100 bytes, or a directory part over 155) or a link target over 100 bytes fails
 * the backup with a message naming it.
 *
 * <p><b>A tree that others can write.</b> On Linux the walk holds each directory open and examines,
 * opens and descends into its entries relative to it without following links, so nothing outside
 * the root is ever read even if someone who can write a directory under the root swaps it for a
 * link while the backup runs: a directory or file replaced between being listed and being opened
 * fails the backup with a message naming it. Each file must be opened and read within
 * {@link Builder#fileTimeout} (default 10 minutes), so a FIFO swapped in for a file or a file on a
 * hung file system fails the backup, naming the file, instead of hanging it. A hard link is a file
 * like any other and is archived (Linux's {@code fs.protected_hardlinks}, on by default, stops
 * users linking files they cannot read). Elsewhere (no secure directory streams) links are still
 * never followed when planted, but a swap between a check and a use is not detected.
 *
 * <p><b>Sparse files</b> are read in full: their holes are stored as zeros (ustar has no sparse
 * entries), so the archive (before compression) and a restored copy take their full apparent size.
 *
 * <p>Immutable and thread-safe.
 */
public final class DirectorySource implements BackupSource {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorySource.class);

    private final Path root;
    private final String name;
    private final List<PathMatcher> includes;
    private final List<PathMatcher> excludes;
    private final Duration fileTimeout;

    private DirectorySource(Path root, String name, List<PathMatcher> includes, List<PathMatcher> excludes,
            Duration fileTimeout) {
        this.root = root;
        this.name = name;
        this.includes = includes;
        this.excludes = excludes;
        this.fileTimeout = fileTimeout;
    }

    /** A builder for the directory {@code root}. */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** {@code directory:<name>}. */
    @Override
    public String name() {
        return "directory:" + name;
    }

    /**
     * A check named {@code backup-source:directory:<name>}, not critical: DOWN when the root is
     * no longer a readable directory (a backup would fail), else UP.
     */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return Optional.of(HealthCheck.of("backup-source:" + name(), () -> {
            if (!Files.isDirectory(root) || !Files.isReadable(root)) {
                return HealthResult.down(root + " is not a readable directory").build();
            }
            return HealthResult.up().build();
        }).critical(false).build());
    }

    /** The longest one file may take to be opened and read; see {@link Builder#fileTimeout}. */
    public Duration fileTimeout() {
        return fileTimeout;
    }

    /** The artifact this source writes: {@code <name>.tar.gz}. */
    public String artifactName() {
        return name + ".tar.gz";
    }

    /**
     * Archives the directory into {@link #artifactName()}.
     *
     * @return no versions and no row counts
     * @throws BackupException if the root is not a directory, a file cannot be read, shrinks while
     *     read or is not read within the file timeout, an entry is replaced (by a link or another
     *     directory) while it is archived, a path does not fit the ustar format, or the artifact cannot
     *     be written; the message names the path
     */
    @Override
    public SourceInfo backup(ArtifactWriter out) {
        Objects.requireNonNull(out, "out");
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new BackupException("Cannot back up " + root + ": not a directory");
        }
        // The artifact is closed once, by its own try: the gzip stream finishes into it but does not close it.
        try (OutputStream artifact = out.open(artifactName());
             GZIPOutputStream gzip = new GZIPOutputStream(new FilterOutputStream(artifact) {
                 @Override
                 public void write(byte[] b, int off, int len) throws IOException {
                     out.write(b, off, len);
                 }

                 @Override
                 public void close() throws IOException {
                     flush();
                 }
             }, 64 * 1024)) {
            try (UstarWriter tar = new UstarWriter(gzip); Reader reader = new Reader()) {
                OpenDirectory top = OpenDirectory.open(root);
                try {
                    walk(top, "", tar, reader);
                } finally {
                    reader.release(top);
                }
            }
            gzip.finish();
        } catch (IOException e) {
            throw new BackupException("Backup of directory " + root + " into " + artifactName() + " failed: "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new BackupException("Backup of directory " + root + " failed: " + e.getMessage(), e);
        }
        return new SourceInfo(null, null, Map.of());
    }

    /**
     * The walk never resolves a path below the root again: each directory is held open and its
     * entries are examined ({@code fstatat}), opened ({@code openat}) and descended into relative to
     * it, never following a link (see {@link OpenDirectory}). So a directory swapped for a link while
     * the walk runs is refused (the backup fails naming it) instead of being followed out of the root.
     * Every open and read of a file's content runs on a reader thread and is waited for at most until
     * the file's deadline ({@code fileTimeout} from its open), because an open of a FIFO swapped in
     * for a file, or a read of a file on a hung file system, can block for ever.
     */
    private void walk(OpenDirectory dir, String prefix, UstarWriter tar, Reader reader) throws IOException {
        List<String> children = dir.names();
        children.sort(Comparator.comparing(n -> dir.path().getFileSystem().getPath(n)));
        for (String childName : children) {
            String entry = prefix.isEmpty() ? childName : prefix + "/" + childName;
            Path relative = dir.path().getFileSystem().getPath(entry);
            if (matchesAny(excludes, relative)) {
                continue;
            }
            Path child = dir.path().resolve(childName);
            BasicFileAttributes attrs = dir.stat(childName).orElseThrow(() -> new NoSuchFileException(child.toString(),
                    null, "was deleted or renamed while the directory was archived"));
            long mtime = attrs.lastModifiedTime().toInstant().getEpochSecond();
            boolean included = includes.isEmpty() || matchesAny(includes, relative);
            if (attrs.isDirectory()) {
                if (included) {
                    tar.directory(entry, mode(attrs, 0755), mtime);
                }
                OpenDirectory sub = dir.child(childName);
                try {
                    walk(sub, entry, tar, reader);
                } finally {
                    reader.release(sub);
                }
            } else if (attrs.isSymbolicLink()) {
                if (included) {
                    tar.symlink(entry, dir.readLink(childName, attrs), mtime);
                }
            } else if (attrs.isRegularFile()) {
                if (included) {
                    try (InputStream content = reader.open(dir, childName)) {
                        if (tar.file(entry, mode(attrs, 0644), mtime, attrs.size(), content)) {
                            LOG.warn("{} grew while it was archived; stored its first {} bytes", LogText.of(child), attrs.size());
                        }
                    }
                }
            } else if (included) {
                LOG.warn("Skipped {}: not a regular file, directory or symbolic link", LogText.of(child));
            }
        }
    }

    /**
     * Opens and reads files on one daemon thread, waiting for each step at most until the file's
     * deadline. A step that overruns is cancelled (interrupting a read closes its channel, which
     * wakes the blocked read); an open blocked on a FIFO cannot be interrupted, so the FIFO is opened
     * for writing once to release it. A directory whose open is still blocked cannot be closed (the
     * JDK's secure stream holds a lock for the open), so its close is queued behind the open.
     * Not thread-safe: one per backup.
     */
    private final class Reader implements AutoCloseable {
        private final Set<OpenDirectory> stuck = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "infrakit-directory-reader");
            t.setDaemon(true);
            return t;
        });

        InputStream open(OpenDirectory dir, String name) throws IOException {
            Path file = dir.path().resolve(name);
            long deadline = System.nanoTime() + fileTimeout.toNanos();
            // If the open overruns, whichever of this thread and the reader sees the channel last closes it.
            AtomicBoolean abandoned = new AtomicBoolean();
            AtomicReference<FileChannel> opened = new AtomicReference<>();
            Future<FileChannel> step = thread.submit(() -> {
                FileChannel c = dir.openForReading(name);
                opened.set(c);
                if (abandoned.get()) {
                    c.close();
                }
                return c;
            });
            FileChannel channel;
            try {
                channel = await(step, deadline, file);
            } catch (FileTimeoutException e) {
                abandoned.set(true);
                stuck.add(dir);
                releaseFifo(dir, name);
                FileChannel late = opened.get();
                if (late != null) {
                    late.close();
                }
                throw e;
            }
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    int n = read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    Objects.checkFromIndexSize(off, len, b.length);
                    if (len == 0) {
                        return 0;
                    }
                    // A cancelled (interrupted) read closes the channel, which also wakes a read blocked in the kernel.
                    return await(thread.submit(() -> channel.read(ByteBuffer.wrap(b, off, len))), deadline, file);
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        }

        private <T> T await(Future<T> step, long deadline, Path file) throws IOException {
            try {
                return step.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                step.cancel(true);
                throw new FileTimeoutException(file + " could not be opened and read within the file timeout of "
                        + fileTimeout + " (a FIFO swapped in for a file, a file on a hung file system, or a file too "
                        + "large to read in that time: raise fileTimeout)");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException) {
                    throw (IOException) cause;
                }
                if (cause instanceof RuntimeException) {
                    throw (RuntimeException) cause;
                }
                throw new IOException(file + ": " + cause, cause);
            } catch (InterruptedException e) {
                step.cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted while reading " + file);
            }
        }

        /** If {@code name} is a FIFO, opens it for writing once so that a reader blocked opening it returns. */
        private void releaseFifo(OpenDirectory dir, String name) {
            try {
                Optional<BasicFileAttributes> now = dir.stat(name);
                if (now.isPresent() && now.get().isOther()) {
                    dir.openForWriting(name).close();
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("Cannot release a reader blocked on {}: {}", LogText.of(dir.path().resolve(name)), LogText.of(e));
            }
        }

        /** Closes {@code dir} now, or after a blocked open in it returns. */
        void release(OpenDirectory dir) throws IOException {
            if (!stuck.contains(dir)) {
                dir.close();
                return;
            }
            thread.submit(() -> {
                dir.close();
                return null;
            });
        }

        @Override
        public void close() {
            thread.shutdown(); // queued closes run after a blocked open returns; nothing else is queued
        }
    }

    /** A file's open and reads did not finish within the file timeout. */
    private static final class FileTimeoutException extends IOException {
        private static final long serialVersionUID = 1L;

        FileTimeoutException(String message) {
            super(message);
        }
    }

    private static boolean matchesAny(List<PathMatcher> matchers, Path relative) {
        for (PathMatcher m : matchers) {
            if (m.matches(relative)) {
                return true;
            }
        }
        return false;
    }

    private static int mode(BasicFileAttributes attrs, int fallback) {
        if (!(attrs instanceof PosixFileAttributes)) {
            return fallback;
        }
        int mode = 0;
        for (PosixFilePermission p : ((PosixFileAttributes) attrs).permissions()) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }

    @Override
    public String toString() {
        return "DirectorySource[" + name + ": " + root + "]";
    }

    /**
     * Configures a {@link DirectorySource}. Each setter validates its value at once; a setting other
     * than the include and exclude patterns (which add) may be given once. Not thread-safe.
     */
    public static final class Builder {
        private final Path root;
        private final List<PathMatcher> includes = new ArrayList<>();
        private final List<PathMatcher> excludes = new ArrayList<>();
        private String name;
        private Duration fileTimeout;

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        }

        /**
         * The source's name, also the artifact's base name: letters, digits, {@code . _ -}; default
         * the directory's own name (with other characters replaced by {@code _}).
         *
         * @throws IllegalArgumentException naming the value if it is not such a name
         * @throws IllegalStateException if it was already set
         */
        public Builder name(String name) {
            Arguments.setOnce(this.name, "name");
            Artifact.requireName(Objects.requireNonNull(name, "name") + ".tar.gz");
            this.name = name;
            return this;
        }

        /**
         * The longest one file may take to be opened and read (default 10 minutes); a file that takes
         * longer fails the backup with a message naming it. Bounds a FIFO swapped in for a file or a
         * file on a hung file system; raise it for files too large to read in that time.
         *
         * @throws IllegalArgumentException if it is not positive
         * @throws IllegalStateException if it was already set
         */
        public Builder fileTimeout(Duration timeout) {
            Arguments.setOnce(this.fileTimeout, "fileTimeout");
            this.fileTimeout = Arguments.positive(timeout, "fileTimeout");
            return this;
        }

        /** Archives only paths matching this glob (or another include); may be given several times. */
        public Builder include(String glob) {
            includes.add(matcher(glob));
            return this;
        }

        /** Leaves out paths matching this glob, and everything below a matching directory. */
        public Builder exclude(String glob) {
            excludes.add(matcher(glob));
            return this;
        }

        private PathMatcher matcher(String glob) {
            if (glob == null || glob.isBlank() || glob.startsWith("/")) {
                throw new IllegalArgumentException("A pattern must be a glob relative to the root, got '" + glob + "'");
            }
            try {
                return FileSystems.getDefault().getPathMatcher("glob:" + glob);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid glob pattern '" + glob + "': " + e.getMessage(), e);
            }
        }

        /** The source. */
        public DirectorySource build() {
            String n = name;
            if (n == null) {
                Path file = root.getFileName();
                n = file == null ? "root" : file.toString().replaceAll("[^A-Za-z0-9._-]", "_");
                if (!Character.isLetterOrDigit(n.charAt(0))) {
                    n = "d" + n;
                }
                if (n.length() > 100) {
                    n = n.substring(0, 100);
                }
            }
            return new DirectorySource(root, n, List.copyOf(includes), List.copyOf(excludes),
                    fileTimeout == null ? Duration.ofMinutes(10) : fileTimeout);
        }
    }
}
