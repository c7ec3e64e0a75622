package dev.infrakit.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A local user who can write a directory under the backup's root races the backup: a directory
 * swapped for a link to a directory outside the root, a file swapped for a FIFO, a file that keeps
 * growing. Nothing outside the root is archived and no run hangs.
 */
class DirectorySourceRaceIT {
    private static final String SECRET = "TOP-SECRET-root-only-content";

    @TempDir
    Path tmp;

    @Test
    @Timeout(180)
    void aDirectorySwappedForALinkOutsideTheRootIsNeverFollowed() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path sub = Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("top.txt"), "top");
        Files.writeString(sub.resolve("a.txt"), "real a");
        Files.writeString(sub.resolve("b.txt"), "real b");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        // Same names as the real files, so a walk that follows the swapped link reads them.
        Files.writeString(outside.resolve("a.txt"), SECRET);
        Files.writeString(outside.resolve("b.txt"), SECRET);
        Path parked = tmp.resolve("parked");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> swapperFailed = new AtomicReference<>();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(sub, parked);
                    Files.createSymbolicLink(sub, outside);
                    Files.delete(sub);
                    Files.move(parked, sub);
                }
            } catch (Throwable t) {
                swapperFailed.set(t);
            }
        }, "swapper");
        DirectorySource source = DirectorySource.builder(root).name("root").build();
        int completed = 0;
        int refused = 0;
        swapper.start();
        try {
            // 1,500 runs against the swapper; on a loaded machine it could win every one of them, so go on
            // (up to 15,000) until one completes: the race must not refuse everything.
            for (int i = 0; i < 1500 || completed == 0 && i < 15_000; i++) {
                byte[] archive;
                try {
                    archive = archive(source);
                } catch (BackupException e) {
                    assertTrue(e.getMessage().contains(sub.toString()), e::getMessage);
                    refused++;
                    continue;
                }
                String tar = gunzip(archive);
                assertFalse(tar.contains(SECRET), "the archive holds the secret from outside the root");
                for (TinyTarReader.Entry e : TinyTarReader.readGzip(archive)) {
                    if (e.name().startsWith("sub/") && e.type() == '0') {
                        assertEquals("real " + e.name().substring(4, 5), new String(e.content(), StandardCharsets.UTF_8));
                    }
                    if (e.name().equals("sub") && e.type() == '2') {
                        assertEquals(outside.toString(), e.linkName(), "a link is stored as a link");
                    }
                }
                completed++;
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        assertNull(swapperFailed.get());
        assertTrue(completed > 0, "some runs complete with the real files (" + refused + " refused)");
    }

    @Test
    @Timeout(180)
    void aFileSwappedForAFifoFailsTheRunInsteadOfHangingIt() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path file = root.resolve("f.txt");
        Files.writeString(file, "file content");
        Files.writeString(root.resolve("other.txt"), "other");
        Path fifo = tmp.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        Path parked = tmp.resolve("parked");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> swapperFailed = new AtomicReference<>();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(file, parked);
                    Files.move(fifo, file);
                    Files.move(file, fifo);
                    Files.move(parked, file);
                }
            } catch (Throwable t) {
                swapperFailed.set(t);
            }
        }, "swapper");
        DirectorySource source = DirectorySource.builder(root).name("root").fileTimeout(Duration.ofMillis(300)).build();
        int timedOut = 0;
        swapper.start();
        try {
            for (int i = 0; i < 1500; i++) {
                AtomicReference<BackupException> failure = new AtomicReference<>();
                byte[] archive = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                    try {
                        return archive(source);
                    } catch (BackupException e) {
                        failure.set(e);
                        return null;
                    }
                }, "a backup of a tree with a FIFO swapped in hangs");
                if (archive == null) {
                    String message = failure.get().getMessage();
                    assertTrue(message.contains(file.toString()), message);
                    if (message.contains("file timeout")) {
                        timedOut++;
                    }
                    continue;
                }
                for (TinyTarReader.Entry e : TinyTarReader.readGzip(archive)) {
                    if (e.name().equals("f.txt")) {
                        assertEquals("file content", new String(e.content(), StandardCharsets.UTF_8));
                    }
                }
            }
        } finally {
            stop.set(true);
            swapper.join();
            // Release any reader still blocked opening the FIFO (read-write never blocks on Linux).
            Path current = Files.exists(fifo) ? fifo : file;
            try (FileChannel release = FileChannel.open(current, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                release.size();
            }
        }
        assertNull(swapperFailed.get());
        System.out.println("FIFO race: " + timedOut + " runs stopped by the file timeout");
    }

    @Test
    @Timeout(60)
    void aFileThatKeepsGrowingIsStoredAtTheSizeItHadWhenReached() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path log = root.resolve("grow.log");
        Files.write(log, new byte[1 << 20]);
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            byte[] chunk = "more log lines\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
                // Grows to 64 MiB at most, so that the archives fit in memory.
                for (long size = 1 << 20; !stop.get() && size < 64 << 20; size += chunk.length) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, "writer");
        writer.start();
        try {
            DirectorySource source = DirectorySource.builder(root).name("root").fileTimeout(Duration.ofSeconds(20)).build();
            for (int i = 0; i < 3; i++) {
                byte[] archive = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> archive(source));
                TinyTarReader.Entry entry = TinyTarReader.readGzip(archive).get(0);
                assertEquals("grow.log", entry.name());
                assertEquals(entry.size(), entry.content().length);
                assertTrue(entry.size() >= 1 << 20 && entry.size() <= Files.size(log), () -> entry.size() + " bytes");
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    /** Runs {@code source} into memory and returns its one artifact. */
    private static byte[] archive(DirectorySource source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        source.backup(name -> out);
        return out.toByteArray();
    }

    private static String gunzip(byte[] archive) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(archive))) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
