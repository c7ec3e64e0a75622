package dev.infrakit.backup.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A directory held open and used relative to itself, so that someone who can write one of its
 * parents cannot redirect what is read, created, renamed or deleted by swapping a path component
 * for a symbolic link (or another directory) between a check and a use.
 *
 * <p>The scheme. On Linux the JDK's {@link SecureDirectoryStream} holds the directory's file
 * descriptor and offers {@code fstatat}, {@code openat}, {@code unlinkat} and {@code renameat}
 * relative to it, each without following a last-component link when asked. It has no
 * {@code mkdirat} and no {@code readlinkat}, and its relative {@code openat} of a directory does not
 * pass {@code O_DIRECTORY}, so a FIFO swapped in for a directory would block the open forever. So a
 * child directory is opened like this: {@code fstatat} the name through this descriptor without
 * following links (it must be a directory, not a link); open it by its full path with
 * {@link Files#newDirectoryStream(Path)} ({@code opendir}: {@code O_DIRECTORY|O_NONBLOCK}, never
 * blocks); then compare the opened descriptor's identity ({@code fstat}: device and inode) with the
 * one seen through this descriptor. A directory cannot be hard-linked, so equal identities mean the
 * opened directory is the entry that was in this directory, whichever way the path resolved; a
 * mismatch is refused as a replacement. New directories are created by path
 * ({@link #createDirectory}), so callers create them only where the path cannot be swapped (in a
 * directory whose parent the attacker cannot write) and move them with {@code renameat}.
 *
 * <p>Where the platform has no secure directory streams (not Linux), the same methods work on paths
 * with last-component {@code NOFOLLOW} checks, which guard against planted links but not against a
 * swap between a check and a use; {@link #isSecure()} says which.
 *
 * <p>Not thread-safe; close it when done.
 */
public final class OpenDirectory implements Closeable {
    private static final Set<PosixFilePermission> DIRECTORY_OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final SecureDirectoryStream<Path> secure; // null where the platform has none
    private final DirectoryStream<Path> stream;
    private final Object key;
    private final boolean posix;

    private OpenDirectory(Path path, DirectoryStream<Path> stream, Object key, boolean posix) {
        this.path = path;
        this.stream = stream;
        this.secure = stream instanceof SecureDirectoryStream ? (SecureDirectoryStream<Path>) stream : null;
        this.key = key;
        this.posix = posix;
    }

    /**
     * Opens {@code path}, which must be a directory and not itself a symbolic link (its parents may
     * be links: whoever configured the path chose them).
     *
     * @throws IOException naming the path if it is missing, a link or not a directory
     */
    public static OpenDirectory open(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        BasicFileAttributes seen;
        try {
            seen = Files.readAttributes(absolute, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(absolute.toString(), null, "no such directory");
        }
        requireDirectory(absolute, seen);
        return openChecked(absolute, seen);
    }

    private static OpenDirectory openChecked(Path path, BasicFileAttributes seen) throws IOException {
        DirectoryStream<Path> stream = Files.newDirectoryStream(path);
        try {
            Object key = ownKey(stream, path);
            if (seen.fileKey() != null && !seen.fileKey().equals(key)) {
                throw new FileSystemException(path.toString(), null,
                        "was replaced (by a link or another directory) while it was being opened; refusing to use it");
            }
            boolean posix = Files.getFileStore(path).supportsFileAttributeView("posix");
            return new OpenDirectory(path, stream, key, posix);
        } catch (IOException | RuntimeException e) {
            try {
                stream.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static Object ownKey(DirectoryStream<Path> stream, Path path) throws IOException {
        if (stream instanceof SecureDirectoryStream) {
            return ((SecureDirectoryStream<Path>) stream).getFileAttributeView(BasicFileAttributeView.class)
                    .readAttributes().fileKey();
        }
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private static void requireDirectory(Path path, BasicFileAttributes seen) throws IOException {
        if (seen.isSymbolicLink()) {
            throw new FileSystemException(path.toString(), null,
                    "is a symbolic link, not a directory; refusing to follow it");
        }
        if (!seen.isDirectory()) {
            throw new FileSystemException(path.toString(), null, "is not a directory");
        }
    }

    /** Whether operations are relative to the open directory (Linux), rather than to paths. */
    public boolean isSecure() {
        return secure != null;
    }

    /** The path it was opened by (for messages; operations do not resolve it again). */
    public Path path() {
        return path;
    }

    /** Its identity (device and inode on Linux). */
    public Object key() {
        return key;
    }

    /** Its own attributes, read from the open directory ({@code fstat}). */
    public BasicFileAttributes attributes() throws IOException {
        if (secure != null) {
            return posix ? secure.getFileAttributeView(PosixFileAttributeView.class).readAttributes()
                    : secure.getFileAttributeView(BasicFileAttributeView.class).readAttributes();
        }
        return byPath(path);
    }

    private BasicFileAttributes byPath(Path p) throws IOException {
        return posix ? Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                : Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The attributes of the entry {@code name}, never following a link; empty if there is none. They
     * are {@link PosixFileAttributes} where the file system has POSIX attributes.
     */
    public Optional<BasicFileAttributes> stat(String name) throws IOException {
        Path entry = name(name);
        try {
            if (secure != null) {
                return Optional.of(posix
                        ? secure.getFileAttributeView(entry, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                                .readAttributes()
                        : secure.getFileAttributeView(entry, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                                .readAttributes());
            }
            return Optional.of(byPath(path.resolve(entry)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (FileSystemException e) {
            throw withPath(e, name);
        }
    }

    /** The names of its entries, read afresh. */
    public List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = secure != null
                ? secure.newDirectoryStream(Path.of("."), LinkOption.NOFOLLOW_LINKS) : Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        }
        return names;
    }

    /**
     * Opens the child directory {@code name}: it must be a directory, not a link, and stay the same
     * directory while it is opened (see the class comment).
     *
     * @throws IOException naming the child's path if it is missing, a link, not a directory or was
     *     replaced
     */
    public OpenDirectory child(String name) throws IOException {
        Path child = path.resolve(name(name));
        BasicFileAttributes seen = stat(name).orElseThrow(() -> new NoSuchFileException(child.toString(), null,
                "no such directory"));
        requireDirectory(child, seen);
        return openChecked(child, seen);
    }

    /**
     * Creates the directory {@code name} by path, owner-only whatever the umask ({@code rwx------})
     * where the file system has POSIX permissions. Only for directories whose path cannot be swapped
     * by someone else; see the class comment.
     */
    public void createDirectory(String name) throws IOException {
        Path child = path.resolve(name(name));
        Files.createDirectory(child, ownerOnly(true));
        try (OpenDirectory created = child(name)) {
            created.restrictToOwner();
        }
    }

    /**
     * Creates the regular file {@code name} (it must not exist: never opens a link or an existing
     * file), owner-only ({@code rw-------}) whatever the umask, for writing.
     */
    public FileChannel createFile(String name) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        FileChannel channel;
        try {
            channel = secure != null ? (FileChannel) secure.newByteChannel(name(name), options, ownerOnly(false))
                    : FileChannel.open(path.resolve(name(name)), options, ownerOnly(false));
        } catch (FileSystemException e) {
            throw withPath(e, name);
        }
        try {
            restrictFileToOwner(name);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return channel;
    }

    /**
     * Opens the regular file {@code name} for reading, never through a link.
     *
     * @throws IOException naming the path if it is missing, a link or not a regular file
     */
    public FileChannel openFile(String name) throws IOException {
        Path file = path.resolve(name(name));
        BasicFileAttributes seen = stat(name).orElseThrow(() -> new NoSuchFileException(file.toString()));
        if (seen.isSymbolicLink()) {
            throw new FileSystemException(file.toString(), null, "is a symbolic link; refusing to follow it");
        }
        if (!seen.isRegularFile()) {
            throw new FileSystemException(file.toString(), null, "is not a regular file");
        }
        return openForReading(name);
    }

    /**
     * Opens the entry {@code name} for reading, never through a link, without checking its kind
     * first. Opening a FIFO blocks until a writer opens it: callers that cannot exclude one bound the
     * call (see {@code DirectorySource}).
     */
    public FileChannel openForReading(String name) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            return secure != null ? (FileChannel) secure.newByteChannel(name(name), options)
                    : FileChannel.open(path.resolve(name(name)), options);
        } catch (FileSystemException e) {
            throw withPath(e, name);
        }
    }

    /**
     * Opens the entry {@code name} for writing without creating or truncating it, never through a
     * link: only used to release a reader blocked opening a FIFO.
     */
    public FileChannel openForWriting(String name) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            return secure != null ? (FileChannel) secure.newByteChannel(name(name), options)
                    : FileChannel.open(path.resolve(name(name)), options);
        } catch (FileSystemException e) {
            throw withPath(e, name);
        }
    }

    /** The target text of the link {@code name}, checked to be the entry seen as {@code seen}. */
    public String readLink(String name, BasicFileAttributes seen) throws IOException {
        // No readlinkat in the JDK: read by path, then check the path still leads to the same link.
        Path link = path.resolve(name(name));
        String target = Files.readSymbolicLink(link).toString();
        Object now = Files.readAttributes(link, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        if (seen.fileKey() != null && !seen.fileKey().equals(now)) {
            throw new FileSystemException(link.toString(), null, "was replaced while it was being read");
        }
        return target;
    }

    /** Deletes the entry {@code name}, which must not be a directory; a link is deleted, never followed. */
    public void deleteFile(String name) throws IOException {
        try {
            if (secure != null) {
                secure.deleteFile(name(name));
            } else {
                Files.delete(path.resolve(name(name)));
            }
        } catch (FileSystemException e) {
            throw withPath(e, name);
        }
    }

    /** Deletes the empty directory {@code name}. */
    public void deleteDirectory(String name) throws IOException {
        try {
            if (secure != null) {
                secure.deleteDirectory(name(name));
            } else {
                Files.delete(path.resolve(name(name)));
            }
        } catch (FileSystemException e) {
            throw withPath(e, name);
        }
    }

    /**
     * Deletes {@code name} and, if it is a directory (not a link), everything below it; links are
     * deleted, never followed. Does nothing if there is no such entry.
     */
    public void deleteTree(String name) throws IOException {
        Optional<BasicFileAttributes> seen = stat(name);
        if (seen.isEmpty()) {
            return;
        }
        if (seen.get().isDirectory()) {
            try (OpenDirectory child = child(name)) {
                for (String entry : child.names()) {
                    child.deleteTree(entry);
                }
            }
            deleteDirectory(name);
        } else {
            deleteFile(name);
        }
    }

    /** Renames the entry {@code from} to {@code to} in {@code target} in one atomic step ({@code renameat}). */
    public void move(String from, OpenDirectory target, String to) throws IOException {
        if (secure != null && target.secure != null) {
            try {
                secure.move(name(from), target.secure, name(to));
            } catch (FileSystemException e) {
                throw new FileSystemException(path.resolve(from).toString(), target.path.resolve(to).toString(),
                        e.getReason());
            }
        } else {
            Files.move(path.resolve(name(from)), target.path.resolve(name(to)), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Makes its entries (created, renamed, deleted) durable ({@code fsync} of the directory). */
    public void sync() throws IOException {
        if (java.io.File.separatorChar != '/') {
            return; // Windows cannot open a directory to sync it
        }
        try (FileChannel channel = secure != null
                ? (FileChannel) secure.newByteChannel(Path.of("."), Set.of(StandardOpenOption.READ))
                : FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Sets itself to {@code rwx------} (through the open descriptor) unless it already is. */
    public void restrictToOwner() throws IOException {
        if (!posix) {
            return;
        }
        PosixFileAttributes now = (PosixFileAttributes) attributes();
        if (!now.permissions().equals(DIRECTORY_OWNER_ONLY)) {
            if (secure != null) {
                secure.getFileAttributeView(PosixFileAttributeView.class).setPermissions(DIRECTORY_OWNER_ONLY);
            } else {
                Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setPermissions(DIRECTORY_OWNER_ONLY);
            }
        }
    }

    /**
     * Sets the regular file {@code name} to {@code rw-------} unless it already is; a link or any
     * other kind of entry is left alone.
     */
    public void restrictFileToOwner(String name) throws IOException {
        if (!posix) {
            return;
        }
        Optional<BasicFileAttributes> seen = stat(name);
        if (seen.isEmpty() || !seen.get().isRegularFile()
                || ((PosixFileAttributes) seen.get()).permissions().equals(FILE_OWNER_ONLY)) {
            return;
        }
        PosixFileAttributeView view = secure != null
                ? secure.getFileAttributeView(name(name), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                : Files.getFileAttributeView(path.resolve(name(name)), PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS);
        try {
            view.setPermissions(FILE_OWNER_ONLY);
        } catch (FileSystemException e) {
            throw withPath(e, name);
        }
    }

    private FileAttribute<?>[] ownerOnly(boolean directory) {
        if (!posix) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(directory ? DIRECTORY_OWNER_ONLY
                : FILE_OWNER_ONLY)};
    }

    /**
     * The secure stream's exceptions name only the relative name: the same exception naming the
     * entry's full path, keeping the kinds callers test for.
     */
    private FileSystemException withPath(FileSystemException e, String name) {
        String full = path.resolve(name).toString();
        FileSystemException named;
        if (e instanceof NoSuchFileException) {
            named = new NoSuchFileException(full, e.getOtherFile(), e.getReason());
        } else if (e instanceof java.nio.file.FileAlreadyExistsException) {
            named = new java.nio.file.FileAlreadyExistsException(full, e.getOtherFile(), e.getReason());
        } else if (e instanceof java.nio.file.DirectoryNotEmptyException) {
            named = new java.nio.file.DirectoryNotEmptyException(full);
        } else {
            String reason = e.getReason();
            if (reason != null && reason.contains("Too many levels of symbolic links")) {
                reason = "is a symbolic link; refusing to follow it";
            }
            named = new FileSystemException(full, e.getOtherFile(), reason);
        }
        named.initCause(e);
        return named;
    }

    /** {@code name} as a one-component relative path; anything else is a programming error. */
    private Path name(String name) {
        Objects.requireNonNull(name, "name");
        Path p = path.getFileSystem().getPath(name);
        if (p.isAbsolute() || p.getNameCount() != 1 || name.equals("..") || name.equals(".") || name.isEmpty()) {
            throw new IllegalArgumentException("Not a plain file name: '" + name + "'");
        }
        return p;
    }

    @Override
    public void close() throws IOException {
        stream.close();
    }

    @Override
    public String toString() {
        return "OpenDirectory[" + path + (secure != null ? "" : ", by path") + "]";
    }
}
