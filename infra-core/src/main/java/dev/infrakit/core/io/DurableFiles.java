package dev.infrakit.core.io;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The file-system steps that survive a crash or a power cut, shared by Infrakit's file-backed
 * stores (the credential file store, the audit files and checkpoints, the local backup repository)
 * and usable by anyone writing files that must not be torn or readable by others.
 *
 * <p>{@link #replace} writes the new content to a temporary file in the same directory, syncs it
 * ({@code fsync}), renames it over the target in one atomic step and syncs the directory so that
 * the rename itself is durable. A crash at any point leaves the old content or the new, never a
 * mix; at worst a temporary file {@code <name>.<16 hex digits>.tmp} is left, which
 * {@link #isTemporary} recognises so that readers skip it and the next opener can delete it.
 */
public final class DurableFiles {
    private static final Pattern TEMPORARY = Pattern.compile("\\.[0-9a-f]{16}\\.tmp$");
    /** Windows cannot open a directory to sync it; there a rename is as durable as NTFS makes it. */
    private static final boolean CAN_SYNC_DIRECTORIES = File.separatorChar == '/';

    private DurableFiles() {
    }

    /** Whether {@code fileName} is a temporary file {@link #replace} made for {@code targetName}. */
    public static boolean isTemporary(String fileName, String targetName) {
        return fileName.length() == targetName.length() + 21 && fileName.startsWith(targetName + ".")
                && TEMPORARY.matcher(fileName).find();
    }

    /**
     * Owner-only permissions ({@code rw-------}, or {@code rwx------} for a directory) for new
     * files, where {@code directory}'s file system has POSIX permissions; none elsewhere.
     */
    public static FileAttribute<?>[] ownerOnly(Path directory, boolean isDirectory) throws IOException {
        if (!Files.getFileStore(directory).supportsFileAttributeView("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString(isDirectory ? "rwx------" : "rw-------"))};
    }

    /**
     * Makes {@code path} owner-only ({@code rw-------}, or {@code rwx------} for a directory) where
     * its file system has POSIX permissions and it is a directory or regular file, not a symbolic
     * link. Unlike a creation attribute, which the process's umask can still narrow or a file created
     * by an older version may lack, this sets the bits exactly.
     */
    public static void restrictToOwner(Path path, boolean isDirectory) throws IOException {
        // Never through a symbolic link: that would change the permissions of whatever it points to.
        boolean kind = isDirectory ? Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                : Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
        if (kind && Files.getFileStore(path).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(isDirectory ? "rwx------" : "rw-------"));
        }
    }

    /**
     * Creates {@code directory} and its missing parents; each directory this creates is owner-only
     * ({@link #restrictToOwner}), whatever the umask. Existing directories are left as they are.
     */
    public static void createOwnerOnlyDirectories(Path directory) throws IOException {
        Path absolute = directory.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createOwnerOnlyDirectories(parent);
        }
        try {
            // Owner-only from the start (the umask can only narrow it), not world-open until restricted.
            Files.createDirectory(absolute, parent == null ? new FileAttribute<?>[0] : ownerOnly(parent, true));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
            return; // created meanwhile by someone else: theirs to set
        }
        restrictToOwner(absolute, true);
    }

    /**
     * Replaces {@code target}'s content with {@code content} atomically and durably.
     *
     * @param attributes for the new file (e.g. {@link #ownerOnly}); none for the defaults
     * @throws IOException if a step fails; {@code target} then keeps its old content (or stays absent)
     */
    public static void replace(Path target, byte[] content, FileAttribute<?>... attributes) throws IOException {
        Path directory = target.getParent();
        Path temporary = directory.resolve(target.getFileName() + "."
                + String.format("%016x", ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), attributes)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(directory);
    }

    /** Deletes {@code file} durably; returns whether it existed. */
    public static boolean delete(Path file) throws IOException {
        boolean existed = Files.deleteIfExists(file);
        if (existed) {
            syncDirectory(file.getParent());
        }
        return existed;
    }

    /** Makes a directory's entries (files created, renamed or deleted in it) durable. */
    public static void syncDirectory(Path directory) throws IOException {
        if (CAN_SYNC_DIRECTORIES) {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }
}
