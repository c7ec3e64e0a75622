package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.crypto.Mac;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;

/**
 * One set of rotating, MAC-chained JSON-lines files: {@code base}, {@code base.1}, … up to
 * {@code maxFiles} files. Not thread-safe: the sink's writer thread owns it.
 *
 * <p>On open it finds the last complete line of the newest file to continue the chain; a torn
 * last line (a crash in the middle of a write) is cut off and counted, since no record it held was
 * ever acknowledged as durable.
 */
final class ChainedLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;
    private final String base;
    private final long maxFileSize;
    private final int maxFiles;
    private final Mac hmac;
    private FileChannel channel;
    private long size;
    private long lastSeq;
    private byte[] lastMac;
    private boolean dirty;
    private long repairedTornLines;
    /** Lines of the current batch, written with one system call when the batch is synced. */
    private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream(64 * 1024);

    private final boolean chained;

    ChainedLog(Path directory, String base, long maxFileSize, int maxFiles, byte[] key, boolean chained) {
        this.chained = chained;
        this.directory = directory;
        this.base = base;
        this.maxFileSize = maxFileSize;
        this.maxFiles = maxFiles;
        this.hmac = Chain.hmac(key);
    }

    Path current() {
        return directory.resolve(base);
    }

    long lastSeq() {
        return lastSeq;
    }

    byte[] lastMac() {
        return lastMac.clone();
    }

    /** Appends a signed checkpoint record. */
    void appendCheckpoint(String jws) throws IOException {
        if (size > 0 && size + jws.length() + 80 > maxFileSize) {
            rotate();
        }
        appendBody("{\"seq\":" + (lastSeq + 1) + ",\"checkpoint\":\"" + jws + "\"}");
    }

    long repairedTornLines() {
        return repairedTornLines;
    }

    void open() throws IOException {
        Files.createDirectories(directory);
        Path file = current();
        lastSeq = 0;
        lastMac = Chain.GENESIS;
        if (Files.exists(file)) {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            size = repairTail(channel);
            String last = lastLine(channel, size);
            if (last != null) {
                restore(last);
            } else {
                restoreFromPrevious();
                writeLink();
            }
            channel.position(size);
        } else {
            restoreFromPrevious();
            channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            size = 0;
            writeLink();
            force();
            syncDirectory();
        }
    }

    private void restoreFromPrevious() throws IOException {
        Path previous = directory.resolve(base + ".1");
        if (Files.exists(previous)) {
            try (FileChannel old = FileChannel.open(previous, StandardOpenOption.READ)) {
                String last = lastLine(old, old.size());
                if (last != null) {
                    restore(last);
                }
            }
        }
    }

    private void restore(String line) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (IOException e) {
            throw new IOException("The last record of " + current() + " is not valid JSON; run the verifier", e);
        }
        byte[] mac = chained ? Chain.macOf(line) : Chain.GENESIS;
        if (mac == null || !node.has("seq")) {
            throw new IOException("The last record of " + current() + " has no sequence number or MAC; run the verifier");
        }
        lastSeq = node.get("seq").asLong();
        lastMac = mac;
    }

    /** Cuts a torn last line off; returns the size up to the last newline. */
    private long repairTail(FileChannel ch) throws IOException {
        long end = ch.size();
        long keep = end;
        ByteBuffer one = ByteBuffer.allocate(1);
        while (keep > 0) {
            one.clear();
            ch.read(one, keep - 1);
            if (one.get(0) == '\n') {
                break;
            }
            keep--;
        }
        if (keep < end) {
            ch.truncate(keep);
            ch.force(true);
            repairedTornLines++;
        }
        return keep;
    }

    /** The last complete line of a file that ends with a newline, or {@code null} if it is empty. */
    private static String lastLine(FileChannel ch, long size) throws IOException {
        if (size == 0) {
            return null;
        }
        long start = size - 1;
        ByteBuffer one = ByteBuffer.allocate(1);
        while (start > 0) {
            one.clear();
            ch.read(one, start - 1);
            if (one.get(0) == '\n') {
                break;
            }
            start--;
        }
        ByteBuffer line = ByteBuffer.allocate((int) (size - 1 - start));
        ch.read(line, start);
        return new String(line.array(), StandardCharsets.UTF_8);
    }

    private void writeLink() throws IOException {
        if (!chained) {
            return;
        }
        String body = "{\"seq\":" + (lastSeq + 1) + ",\"link\":\"" + Base64.getEncoder().encodeToString(lastMac) + "\"}";
        appendBody(body);
    }

    /** Appends one event record (its redacted JSON), rotating first if the file is full. */
    void append(String eventJson) throws IOException {
        // 80 bytes covers the sequence number and the MAC member added to the event's JSON.
        if (size > 0 && size + eventJson.length() + 80 > maxFileSize) {
            rotate();
        }
        appendBody("{\"seq\":" + (lastSeq + 1) + ",\"event\":" + eventJson + "}");
    }

    private void appendBody(String body) throws IOException {
        byte[] mac = chained ? Chain.mac(hmac, lastMac, body) : lastMac;
        byte[] bytes = ((chained ? Chain.line(body, mac) : body) + "\n").getBytes(StandardCharsets.UTF_8);
        pending.write(bytes, 0, bytes.length);
        size += bytes.length;
        lastSeq++;
        lastMac = mac;
        dirty = true;
    }

    private void rotate() throws IOException {
        force();
        channel.close();
        Files.deleteIfExists(directory.resolve(base + "." + (maxFiles - 1)));
        for (int i = maxFiles - 2; i >= 1; i--) {
            Path from = directory.resolve(base + "." + i);
            if (Files.exists(from)) {
                Files.move(from, directory.resolve(base + "." + (i + 1)), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        if (maxFiles > 1) {
            Files.move(current(), directory.resolve(base + ".1"), StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.delete(current());
        }
        channel = FileChannel.open(current(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        size = 0;
        writeLink();
        force();
        syncDirectory();
    }

    /** Writes the batch's lines and syncs them to the device. */
    void force() throws IOException {
        writePending();
        if (dirty) {
            channel.force(false);
            dirty = false;
        }
    }

    /** Writes the batch's lines without syncing (ASYNC mode between syncs). */
    void writePending() throws IOException {
        if (pending.size() > 0) {
            ByteBuffer buffer = ByteBuffer.wrap(pending.toByteArray());
            pending.reset();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the data itself was synced.
        }
    }

    void close() throws IOException {
        if (channel != null && channel.isOpen()) {
            force();
            channel.close();
        }
    }

    /** Lines waiting in the batch buffer, in bytes. */
    int pendingBytes() {
        return pending.size();
    }
}
