package dev.infrakit.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on an embedded data directory ({@code <data-dir>/serve.lock}), held by the
 * service while it runs and by the offline commands that write its files. The audit files are one
 * MAC chain with one writer: a second process appending to them breaks the chain, so the second one
 * is refused instead. The operating system releases the lock when its holder exits, however it exits.
 */
final class DataDirectoryLock implements AutoCloseable {
    static final String FILE = "serve.lock";
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or throws IllegalStateException naming the directory when another holds it. */
    static DataDirectoryLock acquire(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held in this JVM
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("the data directory " + dataDir + " is in use by a running service "
                        + "(" + file + " is locked); stop it first");
            }
            return new DataDirectoryLock(channel, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
