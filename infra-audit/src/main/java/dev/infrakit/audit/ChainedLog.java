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
    private long recoveredBytes;
    /** Lines of the current batch, written with one system call when the batch is synced. */
    private final Batch pending = new Batch();
    /** DURABLE mode's write-ahead journal, or null: then every force syncs the log itself. */
    private final Journal journal;
    /** Bytes of the current file that are synced or journaled. */
    private long durableSize;

    private final boolean chained;

    /** The batch buffer, exposing its array so it is written and journaled without copies. */
    private static final class Batch extends java.io.ByteArrayOutputStream {
        Batch() {
            super(64 * 1024);
        }

        byte[] array() {
            return buf;
        }
    }

    /**
     * @param journalSize bytes of the write-ahead {@link Journal} kept beside the log, or 0 for none
     */
    ChainedLog(Path directory, String base, long maxFileSize, int maxFiles, byte[] key, boolean chained,
            long journalSize) {
        this.journal = journalSize > 0 ? new Journal(directory.resolve(base + ".journal"), journalSize) : null;
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

    /** Bytes of acknowledged records that the journal put back into the log on open. */
    long recoveredBytes() {
        return recoveredBytes;
    }

    void open() throws IOException {
        Files.createDirectories(directory);
        Path file = current();
        if (journal != null) {
            recoveredBytes = journal.redo(file);
        }
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
            syncFile();
            syncDirectory(directory);
        }
        // Lines a killed process left in the page cache were journaled, not synced: sync them
        // before the journal is reset. A link line still pending is written with the first batch.
        durableSize = size - pending.size();
        if (durableSize > 0) {
            channel.force(false);
        }
        if (journal != null) {
            journal.reset(durableSize);
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
        syncFile();
        if (journal != null) {
            journal.reset(size); // its records are in the synced file now: the file can be renamed
        }
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
        syncFile();
        syncDirectory(directory);
        if (journal != null) {
            journal.reset(size);
        }
        durableSize = size;
    }

    /**
     * Makes the batch's lines durable: written to the log and, with a journal, copied into it and
     * the journal synced (the log is synced only when the journal is full); without one, the log is
     * synced.
     */
    void force() throws IOException {
        if (journal == null) {
            syncFile();
            return;
        }
        int length = pending.size();
        long start = size - length;
        writeToFile();
        if (dirty) {
            if (length == 0 || start != durableSize || !journal.append(start, pending.array(), length)) {
                channel.force(false);
                journal.reset(size);
            }
            durableSize = size;
            dirty = false;
        }
        pending.reset();
    }

    /** Writes the batch's lines and syncs the log itself. */
    private void syncFile() throws IOException {
        writePending();
        if (dirty) {
            channel.force(false);
            dirty = false;
        }
        durableSize = size;
    }

    /** Writes the batch's lines without syncing (ASYNC mode between syncs). */
    void writePending() throws IOException {
        writeToFile();
        pending.reset();
    }

    private void writeToFile() throws IOException {
        if (pending.size() > 0) {
            ByteBuffer buffer = ByteBuffer.wrap(pending.array(), 0, pending.size());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    /** Syncs a directory's entries (a created or renamed file); a no-op where that is not possible. */
    static void syncDirectory(Path directory) {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the data itself was synced.
        }
    }

    void close() throws IOException {
        if (channel != null && channel.isOpen()) {
            writePending();
            channel.force(false);
            if (journal != null) {
                journal.close(size);
            }
            channel.close();
        }
    }

    /** Lines waiting in the batch buffer, in bytes. */
    int pendingBytes() {
        return pending.size();
    }
}
