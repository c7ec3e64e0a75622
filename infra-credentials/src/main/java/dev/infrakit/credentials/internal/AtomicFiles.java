package dev.infrakit.credentials.internal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Crash-safe replacement of small files: the new content goes to a temporary file in the same
 * directory, which is synced ({@code fsync}) and then renamed over the target in one atomic step;
 * the directory is synced last so that the rename itself survives a power cut. A crash at any point
 * leaves the old content or the new, never a mix; at worst a temporary file is left behind, which
 * {@link #isTemporary} recognises so that readers skip it and the next opener deletes it.
 *
 * <p>Files are created readable by their owner only where the file system has POSIX permissions.
 */
final class AtomicFiles {
    /** {@code <target name>.<16 hex digits>.tmp}: the temporary files {@link #replace} makes. */
    private static final Pattern TEMPORARY = Pattern.compile("\\.[0-9a-f]{16}\\.tmp$");
    /** Windows cannot open a directory to sync it; there the rename is as durable as NTFS makes it. */
    private static final boolean CAN_SYNC_DIRECTORIES = File.separatorChar == '/';

    private AtomicFiles() {
    }

    /** Whether {@code fileName} is a temporary file of {@code targetName}. */
    static boolean isTemporary(String fileName, String targetName) {
        return fileName.length() == targetName.length() + 21 && fileName.startsWith(targetName + ".")
                && TEMPORARY.matcher(fileName).find();
    }

    /** Owner-only permissions for new files and directories, where the file system supports them. */
    static FileAttribute<?>[] ownerOnly(Path directory, boolean isDirectory) throws IOException {
        if (!Files.getFileStore(directory).supportsFileAttributeView("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString(isDirectory ? "rwx------" : "rw-------"))};
    }

    /**
     * Replaces {@code target}'s content with {@code content} atomically and durably.
     *
     * @param attributes for the new file ({@link #ownerOnly})
     * @throws IOException if any step fails; the target then still has its old content
     */
    static void replace(Path target, byte[] content, FileAttribute<?>[] attributes) throws IOException {
        Path directory = target.getParent();
        Path temporary = directory.resolve(target.getFileName() + "." + String.format("%016x",
                ThreadLocalRandom.current().nextLong()) + ".tmp");
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
    static boolean delete(Path file) throws IOException {
        boolean existed = Files.deleteIfExists(file);
        if (existed) {
            syncDirectory(file.getParent());
        }
        return existed;
    }

    /** Makes the directory's entries (created, renamed and deleted files) durable. */
    static void syncDirectory(Path directory) throws IOException {
        if (CAN_SYNC_DIRECTORIES) {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }
}
