package dev.infrakit.credentials.internal;

import dev.infrakit.core.io.DurableFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Mutual exclusion between every writer of one store, in this process and in others: an exclusive
 * {@link FileLock} on a lock file, taken under an in-process lock.
 *
 * <p>Why both: a {@code FileLock} is held by the whole JVM, so two threads (or two store instances on
 * the same path) asking for it get an {@code OverlappingFileLockException} instead of waiting; and
 * on POSIX, closing <em>any</em> channel on the file releases the process's lock on it. So every
 * instance in this JVM that uses the same lock file, found by its real path (symbolic links
 * resolved), shares one {@link ReentrantLock}, and the lock file's channel is opened and closed only
 * while that lock is held. Instances are counted so that the shared lock is dropped when the last
 * one is {@linkplain #release() released}.
 *
 * <p>The lock file is never deleted: a process that locked a deleted file would exclude nobody.
 * Its content is the holder's note of the write it is making ({@link #note}), read by the next
 * holder ({@link #readNote}) to finish what a crashed holder left half done.
 */
final class FileMutex {
    private static final Map<Path, Shared> SHARED = new HashMap<>(); // guarded by itself

    private static final class Shared {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    /** Work done under the lock. */
    @FunctionalInterface
    interface Locked<T> {
        T run() throws IOException;
    }

    private final Path file;
    private final Shared shared;
    private boolean released; // written holding shared.lock and SHARED; read holding either
    private FileChannel held; // the locked channel while a thread of this process holds the lock; guarded by shared.lock

    private FileMutex(Path file, Shared shared) {
        this.file = file;
        this.shared = shared;
    }

    /**
     * The mutex of {@code lockFile}, creating the file if needed.
     *
     * @param attributes for a new lock file
     */
    static FileMutex open(Path lockFile, FileAttribute<?>[] attributes) throws IOException {
        try {
            Files.createFile(lockFile, attributes);
            DurableFiles.syncDirectory(lockFile.getParent());
        } catch (FileAlreadyExistsException e) {
            // Another instance or process made it: the same lock.
        }
        Path real = lockFile.toRealPath();
        synchronized (SHARED) {
            Shared shared = SHARED.computeIfAbsent(real, k -> new Shared());
            shared.users++;
            return new FileMutex(real, shared);
        }
    }

    /** The lock file (its real path). */
    Path file() {
        return file;
    }

    /**
     * Runs {@code work} holding both locks; waits for them as long as it takes.
     *
     * @throws IOException if the lock file cannot be locked, or from {@code work}
     */
    <T> T call(Locked<T> work) throws IOException {
        shared.lock.lock();
        if (released) {
            shared.lock.unlock();
            throw new IllegalStateException("This credential store was closed (its lock file is " + file + ")");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.lock();
            held = channel;
            try {
                return work.run();
            } finally {
                held = null;
                lock.release();
            }
        } finally {
            shared.lock.unlock();
        }
    }

    /**
     * Replaces the lock file's content with {@code content} and syncs it (holding the lock): a note
     * that survives a crash of this process or of the machine. Empty {@code content} clears the note
     * without syncing (a stale note is harmless to its reader).
     */
    void note(byte[] content) throws IOException {
        FileChannel channel = requireHeld();
        channel.truncate(0);
        if (content.length > 0) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(content);
            long position = 0;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            channel.force(false);
        }
    }

    /** The lock file's content (holding the lock); at most 64 MiB is read (a note names every credential of a rewrap). */
    byte[] readNote() throws IOException {
        FileChannel channel = requireHeld();
        long size = Math.min(channel.size(), 64L << 20);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) size);
        long position = 0;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                break;
            }
            position += read;
        }
        return java.util.Arrays.copyOf(buffer.array(), buffer.position());
    }

    private FileChannel requireHeld() {
        if (!shared.lock.isHeldByCurrentThread() || held == null) {
            throw new IllegalStateException("The lock of " + file + " is not held by this thread");
        }
        return held;
    }

    /**
     * This instance no longer uses the lock; idempotent. Waits for work in progress, and later
     * {@link #call}s fail, so no thread of this instance touches the lock file once the shared lock
     * may have been dropped.
     */
    void release() {
        shared.lock.lock();
        try {
            synchronized (SHARED) {
                if (!released) {
                    released = true;
                    if (--shared.users == 0) {
                        SHARED.remove(file);
                    }
                }
            }
        } finally {
            shared.lock.unlock();
        }
    }
}
