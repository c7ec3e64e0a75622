package dev.infrakit.backup;

import dev.infrakit.backup.internal.UstarWriter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
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
 * <p>Immutable and thread-safe.
 */
public final class DirectorySource implements BackupSource {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorySource.class);

    private final Path root;
    private final String name;
    private final List<PathMatcher> includes;
    private final List<PathMatcher> excludes;

    private DirectorySource(Path root, String name, List<PathMatcher> includes, List<PathMatcher> excludes) {
        this.root = root;
        this.name = name;
        this.includes = includes;
        this.excludes = excludes;
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

    /** The artifact this source writes: {@code <name>.tar.gz}. */
    public String artifactName() {
        return name + ".tar.gz";
    }

    /**
     * Archives the directory into {@link #artifactName()}.
     *
     * @return no versions and no row counts
     * @throws BackupException if the root is not a directory, a file cannot be read or shrinks while
     *     read, a path does not fit the ustar format, or the artifact cannot be written
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
            try (UstarWriter tar = new UstarWriter(gzip)) {
                walk(root, tar);
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

    private void walk(Path dir, UstarWriter tar) throws IOException {
        List<Path> children;
        try (Stream<Path> list = Files.list(dir)) {
            children = list.sorted().toList();
        }
        for (Path child : children) {
            Path relative = root.relativize(child);
            if (matchesAny(excludes, relative)) {
                continue;
            }
            String entry = relative.toString().replace(child.getFileSystem().getSeparator(), "/");
            BasicFileAttributes attrs = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long mtime = attrs.lastModifiedTime().toInstant().getEpochSecond();
            boolean included = includes.isEmpty() || matchesAny(includes, relative);
            if (attrs.isDirectory()) {
                if (included) {
                    tar.directory(entry, mode(child, 0755), mtime);
                }
                walk(child, tar);
            } else if (attrs.isSymbolicLink()) {
                if (included) {
                    tar.symlink(entry, Files.readSymbolicLink(child).toString(), mtime);
                }
            } else if (attrs.isRegularFile()) {
                if (included) {
                    try (InputStream content = Files.newInputStream(child, LinkOption.NOFOLLOW_LINKS)) {
                        if (tar.file(entry, mode(child, 0644), mtime, attrs.size(), content)) {
                            LOG.warn("{} grew while it was archived; stored its first {} bytes", child, attrs.size());
                        }
                    }
                }
            } else if (included) {
                LOG.warn("Skipped {}: not a regular file, directory or symbolic link", child);
            }
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

    private static int mode(Path file, int fallback) throws IOException {
        if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return fallback;
        }
        Set<PosixFilePermission> perms = Files.readAttributes(file, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).permissions();
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }

    @Override
    public String toString() {
        return "DirectorySource[" + name + ": " + root + "]";
    }

    /**
     * Configures a {@link DirectorySource}. Each setter validates its value at once. Not thread-safe.
     */
    public static final class Builder {
        private final Path root;
        private final List<PathMatcher> includes = new ArrayList<>();
        private final List<PathMatcher> excludes = new ArrayList<>();
        private String name;

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        }

        /**
         * The source's name, also the artifact's base name: letters, digits, {@code . _ -}; default
         * the directory's own name (with other characters replaced by {@code _}).
         */
        public Builder name(String name) {
            if (this.name != null) {
                throw new IllegalStateException("name was already set to " + this.name);
            }
            Artifact.requireName(Objects.requireNonNull(name, "name") + ".tar.gz");
            this.name = name;
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
            return new DirectorySource(root, n, List.copyOf(includes), List.copyOf(excludes));
        }
    }
}
