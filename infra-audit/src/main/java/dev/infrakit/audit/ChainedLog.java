package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.core.io.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One set of rotating, MAC-chained JSON-lines files: {@code base}, {@code base.1}, … up to
 * {@code maxFiles} files. Not thread-safe: the sink's writer thread owns it.
 *
 * <p>On open it finds the last complete line of the newest file to continue the chain; a torn
 * last line (a crash in the middle of a write) is cut off and counted, since no record it held was
 * ever acknowledged as durable.
 *
 * <p>Every file starts with a link record: {@code {"seq":n,"link":"<MAC of record n-1>",
 * "retained":r}}, where {@code r} is the first sequence number retention still keeps. The claim
 * only moves forward when this log itself deletes its oldest files, so a file deleted by anyone
 * else shows in the verifier as records missing from {@code r} on.
 *
 * <p>Rotation is crash-atomic: (1) the next current file, complete with its link record, is
 * written and synced as {@code base.rotating}; (2) the files beyond {@code maxFiles} are deleted,
 * oldest first, and the others renamed one number up, oldest first, so that at every moment the
 * files in number order hold the chain in order; (3) {@code base.rotating} is renamed to
 * {@code base}. A crash at any step leaves files the verifier reads as one chain, and opening the
 * log finishes the rotation (or drops a {@code base.rotating} torn in step 1, when nothing else had
 * changed). The current file is only ever created this way, so it is never empty. Files are
 * owner-only whatever the umask.
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
    /** The first sequence number retention keeps, as the current file's link record claims. */
    private long retained = 1;
    /** The sequence number of the current file's link record. */
    private long currentFirstSeq = 1;
    private static final Logger LOG = LoggerFactory.getLogger(ChainedLog.class);
    /**
     * Told of each step of a rotation ({@code next-written}, {@code deleted <file>},
     * {@code renamed <from> <to>}, {@code published}): the crash tests stop a writer at each one.
     * Null outside those tests.
     */
    static volatile java.util.function.Consumer<String> rotationSteps;

    private static void step(String what) {
        java.util.function.Consumer<String> observer = rotationSteps;
        if (observer != null) {
            observer.accept(what);
        }
    }

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

    /** The first sequence number retention keeps (records before it were pruned by this log). */
    long retained() {
        return retained;
    }

    long repairedTornLines() {
        return repairedTornLines;
    }

    /** Bytes of acknowledged records that the journal put back into the log on open. */
    long recoveredBytes() {
        return recoveredBytes;
    }

    void open() throws IOException {
        DurableFiles.createOwnerOnlyDirectories(directory);
        repairRotation();
        Path file = current();
        if (journal != null) {
            recoveredBytes = journal.redo(file);
        }
        lastSeq = 0;
        lastMac = Chain.GENESIS;
        if (Files.exists(file)) {
            DurableFiles.restrictToOwner(file, false);
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            size = repairTail(channel);
            String last = lastLine(channel, size);
            if (last != null) {
                restore(last);
                JsonNode first = LogFiles.firstRecord(file);
                currentFirstSeq = first == null ? lastSeq : first.get("seq").asLong();
                retained = first != null && first.has("retained") ? first.get("retained").asLong() : legacyRetained();
                channel.position(size);
            } else {
                // This log only ever publishes a current file holding its link record, so an empty
                // one is someone else's doing (or a link line torn by a crash): write the link into it.
                continueFromRotated();
                if (chained) {
                    LOG.warn("{} was empty; continuing the chain in it after the rotated files", file);
                    appendLink(retained); // written with the first batch
                }
                currentFirstSeq = lastSeq;
            }
        } else {
            continueFromRotated();
            publish(writeNext(retained));
        }
        // Lines a killed process left in the page cache were journaled, not synced: sync them
        // before the journal is reset.
        durableSize = size - pending.size();
        if (durableSize > 0) {
            channel.force(false);
        }
        if (journal != null) {
            journal.reset(durableSize);
        }
    }

    /** Takes the chain's state (or a new chain's) from the newest rotated file. */
    private void continueFromRotated() throws IOException {
        Map.Entry<Integer, Path> newest = LogFiles.numbered(directory, base).firstEntry();
        retained = 1;
        if (newest != null) {
            try (FileChannel old = FileChannel.open(newest.getValue(), StandardOpenOption.READ)) {
                String last = lastLine(old, completeLength(old));
                if (last != null) {
                    restore(last);
                }
            }
            JsonNode first = LogFiles.firstRecord(newest.getValue());
            retained = first != null && first.has("retained") ? first.get("retained").asLong() : legacyRetained();
        }
    }

    /** The claim for logs written before link records carried one: the oldest file there is. */
    private long legacyRetained() throws IOException {
        Map.Entry<Integer, Path> oldest = LogFiles.numbered(directory, base).lastEntry();
        long first = LogFiles.firstSeq(oldest != null ? oldest.getValue() : current());
        return first > 0 ? first : 1;
    }

    /**
     * Finishes a rotation a crash interrupted, or drops its next file if it was torn while being
     * written (nothing else had changed then); closes gaps in the numbering of rotated files.
     */
    private void repairRotation() throws IOException {
        Path next = LogFiles.rotating(directory, base);
        TreeMap<Integer, Path> numbered = LogFiles.numbered(directory, base);
        if (Files.exists(next)) {
            JsonNode first = LogFiles.firstRecord(next);
            boolean complete = chained ? first != null && first.has("link") && lineLength(next) == Files.size(next)
                    : Files.size(next) == 0;
            if (!complete) {
                LOG.warn("Dropping {}: a rotation was interrupted while it was being written", next);
                DurableFiles.delete(next);
            } else {
                List<Path> older = new ArrayList<>();
                if (Files.exists(current())) {
                    older.add(current());
                }
                older.addAll(numbered.values());
                pruneAndRenumber(older);
                Files.move(next, current(), StandardCopyOption.ATOMIC_MOVE);
                DurableFiles.syncDirectory(directory);
                LOG.warn("Finished a rotation of {} that a crash had interrupted", current());
                return;
            }
        }
        List<Path> rotated = new ArrayList<>(numbered.values());
        if (!rotated.isEmpty() && numbered.lastKey() != rotated.size()) {
            LOG.warn("Renumbering the rotated files of {}: {} files, the highest numbered {}", current(), rotated.size(),
                    numbered.lastKey());
            renumber(rotated);
            DurableFiles.syncDirectory(directory);
        }
    }

    /** The length of {@code file}'s first line including its newline, or -1. */
    private static long lineLength(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * Deletes the files of {@code older} (newest first, the current file included) beyond the
     * {@code maxFiles - 1} that a rotation keeps, oldest first, then numbers the kept ones 1, 2, …
     */
    private void pruneAndRenumber(List<Path> older) throws IOException {
        int keep = maxFiles - 1;
        for (int i = older.size() - 1; i >= keep; i--) {
            Files.deleteIfExists(older.get(i));
            step("deleted " + older.get(i).getFileName());
        }
        renumber(older.subList(0, Math.min(keep, older.size())));
        DurableFiles.syncDirectory(directory);
    }

    /**
     * Renames {@code newestFirst} to {@code base.1}, {@code base.2}, … without ever moving one file
     * past another, so that at every step the numbers keep the chain's order: first the files that
     * move up, oldest first, then those that move down, newest first.
     */
    private void renumber(List<Path> newestFirst) throws IOException {
        int n = newestFirst.size();
        int[] from = new int[n];
        for (int i = 0; i < n; i++) {
            String name = newestFirst.get(i).getFileName().toString();
            from[i] = name.equals(base) ? 0 : Integer.parseInt(name.substring(base.length() + 1));
        }
        for (int i = n - 1; i >= 0; i--) {
            if (i + 1 > from[i]) {
                move(newestFirst.get(i), i + 1);
            }
        }
        for (int i = 0; i < n; i++) {
            if (i + 1 < from[i]) {
                move(newestFirst.get(i), i + 1);
            }
        }
    }

    private void move(Path file, int number) throws IOException {
        Files.move(file, directory.resolve(base + "." + number), StandardCopyOption.ATOMIC_MOVE);
        step("renamed " + file.getFileName() + " " + base + "." + number);
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
        long keep = completeLength(ch);
        if (keep < ch.size()) {
            ch.truncate(keep);
            ch.force(true);
            repairedTornLines++;
        }
        return keep;
    }

    /** The length of a file up to and including its last newline: what a torn last line leaves whole. */
    static long completeLength(FileChannel ch) throws IOException {
        long keep = ch.size();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (keep > 0) {
            one.clear();
            ch.read(one, keep - 1);
            if (one.get(0) == '\n') {
                break;
            }
            keep--;
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

    /**
     * Step 1 of a rotation: writes the next current file, holding only its link record, as
     * {@code base.rotating} and syncs it; advances the chain by that record. Returns its length.
     */
    private long writeNext(long retainedClaim) throws IOException {
        Encoded link = chained ? encode(linkBody(retainedClaim)) : null;
        byte[] bytes = link == null ? new byte[0] : link.bytes();
        Path next = LogFiles.rotating(directory, base);
        Files.deleteIfExists(next);
        try (FileChannel out = FileChannel.open(next, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), DurableFiles.ownerOnly(directory, false))) {
            DurableFiles.restrictToOwner(next, false);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        step("next-written");
        if (link != null) {
            lastSeq++;
            lastMac = link.mac();
        }
        retained = retainedClaim;
        return bytes.length;
    }

    /** The body of the link record that starts a file. */
    private String linkBody(long retainedClaim) {
        return "{\"seq\":" + (lastSeq + 1) + ",\"link\":\"" + Base64.getEncoder().encodeToString(lastMac)
                + "\",\"retained\":" + retainedClaim + "}";
    }

    /** A record's line (with its newline) and the MAC the chain moves to once it is used. */
    private record Encoded(byte[] bytes, byte[] mac) {
    }

    /** The line for the next record's {@code body}, MACed after the last record (unchanged chain when unchained). */
    private Encoded encode(String body) {
        byte[] mac = chained ? Chain.mac(hmac, lastMac, body) : lastMac;
        return new Encoded(((chained ? Chain.line(body, mac) : body) + "\n").getBytes(StandardCharsets.UTF_8), mac);
    }

    /** Appends a link record to the batch (the current file was found empty). */
    private void appendLink(long retainedClaim) throws IOException {
        appendBody(linkBody(retainedClaim));
        retained = retainedClaim;
    }

    /** Step 3 of a rotation: {@code base.rotating} becomes the current file. */
    private void publish(long linkLength) throws IOException {
        Files.move(LogFiles.rotating(directory, base), current(), StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.syncDirectory(directory);
        step("published");
        channel = FileChannel.open(current(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        channel.position(linkLength);
        size = linkLength;
        currentFirstSeq = lastSeq;
        durableSize = size;
        dirty = false;
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
        Encoded record = encode(body);
        pending.write(record.bytes(), 0, record.bytes().length);
        size += record.bytes().length;
        lastSeq++;
        lastMac = record.mac();
        dirty = true;
    }

    private void rotate() throws IOException {
        syncFile();
        if (journal != null) {
            journal.reset(size); // its records are in the synced file now: the file can be renamed
        }
        channel.close();
        channel = null;
        List<Path> older = new ArrayList<>();
        older.add(current());
        older.addAll(LogFiles.numbered(directory, base).values());
        int keep = maxFiles - 1;
        long claim = retained;
        if (older.size() > keep) {
            // Retention deletes files: the oldest file kept starts what it keeps.
            long firstKept = keep == 0 ? lastSeq + 1 : keep == 1 ? currentFirstSeq : LogFiles.firstSeq(older.get(keep - 1));
            claim = Math.max(claim, firstKept);
        }
        long linkLength = writeNext(claim);
        pruneAndRenumber(older);
        publish(linkLength);
        if (journal != null) {
            journal.reset(size);
        }
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
