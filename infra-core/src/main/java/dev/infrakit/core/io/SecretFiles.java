package dev.infrakit.core.io;

import dev.infrakit.core.http.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Reading a file that holds a secret (a master key, backup keys) under the rules OpenSSH applies
 * to private keys, where the file system has POSIX permissions (elsewhere none of them apply): a
 * file that is a symbolic link (it is opened with {@code NOFOLLOW_LINKS}), is not a regular file,
 * is owned by another user than the one running the process, grants any permission to its group or
 * to others, is replaced while it is read, or is larger than expected, is <em>refused</em> with an
 * {@link IllegalArgumentException} naming the file and the one thing to fix; a directory holding it
 * that its group or others can write (without the sticky bit) is <em>warned</em> about (SLF4J,
 * WARN). Messages never contain any of the file's content.
 */
public final class SecretFiles {
    private static final Logger LOG = LoggerFactory.getLogger(SecretFiles.class);
    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SecretFiles() {
    }

    /**
     * The content of the secret file {@code file}, at most {@code maxBytes}, after the checks of the
     * class comment. The caller should clear the returned array once it is parsed.
     *
     * @param what what the file holds, for messages ("master key", "backup key")
     * @throws IllegalArgumentException if the file is refused (naming it and why, never its content)
     * @throws IOException if it cannot be read
     */
    public static byte[] read(Path file, int maxBytes, String what) throws IOException {
        Objects.requireNonNull(file, "file");
        return readChecked(file, maxBytes, what);
    }

    /** Checks {@code file}, then reads it through a handle opened without following a link. */
    private static byte[] readChecked(Path file, int maxBytes, String what) throws IOException {
        boolean posix = Files.getFileStore(file.toAbsolutePath().getParent()).supportsFileAttributeView("posix");
        PosixFileAttributes before = null;
        if (posix) {
            before = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            check(file, before, what);
            checkDirectory(file, what);
        }
        ByteBuffer buffer = ByteBuffer.allocate(maxBytes + 1);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // read to the end, or one byte past the most a key file holds
            }
        } catch (FileSystemException e) {
            if (Files.isSymbolicLink(file)) {
                throw refused(file, what, "became a symbolic link while it was opened");
            }
            throw e;
        }
        if (posix) {
            PosixFileAttributes after = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!Objects.equals(before.fileKey(), after.fileKey())) {
                throw refused(file, what, "was replaced while it was read");
            }
            check(file, after, what);
        }
        if (buffer.position() > maxBytes) {
            throw refused(file, what, "is larger than " + maxBytes + " bytes: not a " + what + " file");
        }
        byte[] bytes = Arrays.copyOf(buffer.array(), buffer.position());
        Arrays.fill(buffer.array(), (byte) 0);
        return bytes;
    }

    private static void check(Path file, PosixFileAttributes a, String what) throws IOException {
        if (a.isSymbolicLink()) {
            throw refused(file, what, "is a symbolic link; name the key file itself (or give the key in an environment "
                    + "variable)");
        }
        if (!a.isRegularFile()) {
            throw refused(file, what, "is not a regular file");
        }
        UserPrincipal me = currentUser(file);
        if (me != null && !me.equals(a.owner())) {
            throw refused(file, what, "is owned by " + ClientText.forLog(a.owner().getName(), 64) + ", not by "
                    + ClientText.forLog(me.getName(), 64) + " who runs this process; chown it");
        }
        Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
        extra.addAll(a.permissions());
        extra.retainAll(NOT_OWNER);
        if (!extra.isEmpty()) {
            throw refused(file, what, "is accessible by its group or others (mode " + mode(a.permissions())
                    + "); run chmod 600 on it");
        }
    }

    private static void checkDirectory(Path file, String what) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            PosixFileAttributes d = Files.readAttributes(dir, PosixFileAttributes.class);
            Set<PosixFilePermission> p = d.permissions();
            boolean sticky = Boolean.TRUE.equals(stickyBit(dir));
            if (!sticky && (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE))) {
                LOG.warn("The directory {} of the {} file is writable by its group or others (mode {}): they "
                        + "could replace the key; run chmod go-w on it", ClientText.forLog(dir.toString(), 500), what, mode(p));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot check the directory of the {} file {}: {}", what, ClientText.forLog(file.toString(), 500),
                    ClientText.forLog(e.toString(), 500));
        }
    }

    private static Boolean stickyBit(Path dir) {
        try {
            Object mode = Files.getAttribute(dir, "unix:mode");
            return mode instanceof Integer && (((Integer) mode) & 01000) != 0;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The user running this process: the owner of /proc/self on Linux, else the one named by user.name. */
    private static UserPrincipal currentUser(Path file) {
        try {
            Path self = Path.of("/proc/self");
            if (Files.exists(self)) {
                return Files.getOwner(self);
            }
            return file.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String mode(Set<PosixFilePermission> p) {
        int m = 0;
        for (PosixFilePermission bit : p) {
            m |= 0400 >> bit.ordinal();
        }
        return String.format("%04o", m);
    }

    private static IllegalArgumentException refused(Path file, String what, String why) {
        return new IllegalArgumentException("Refusing the " + what + " file " + ClientText.forLog(file.toString(), 500)
                + ": it " + why);
    }
}
