package dev.infrakit.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The write-ahead journal beside one log file ({@code audit.log.journal} for {@code audit.log}):
 * what lets a DURABLE batch be acknowledged after one cheap sync.
 *
 * <p>Syncing a file that grew makes the file system commit its metadata journal as well (about twice
 * the cost of syncing data alone, measured on ext4). The journal is a file of fixed size, filled with
 * zeros when created, so syncing a write into it only overwrites allocated blocks. Each batch is
 * appended to the log itself without a sync (the page cache has it, so readers of the log see it at
 * once), and copied into the journal as a record {@code (log offset, bytes)}, which is synced. When
 * the journal is full, the log is synced and the journal starts over; on open, the records of the
 * current generation are written back into the log (redo), which restores acknowledged lines that a
 * power loss took from the log before the kernel wrote them out.
 *
 * <p>Layout: a header at offset 0 ({@code magic, version, generation, baseSize, crc}) and records
 * from {@link #FIRST_RECORD} on ({@code magic, length, generation, offset, crc, bytes}), each with a
 * CRC-32C. A reset (after the log was synced) increments the generation, so records of earlier
 * rounds left further into the file are never taken for current ones. Redo never overwrites data
 * that differs from the record: a byte in the log must equal the record's or be zero (lost), or the
 * journal belongs to another file and opening fails with the journal's name.
 *
 * <p>Not thread-safe: the log's writer thread owns it.
 */
final class Journal {
    private static final int HEADER_MAGIC = 0x494B4A48; // "IKJH"
    private static final int RECORD_MAGIC = 0x494B4A52; // "IKJR"
    private static final int VERSION = 1;
    private static final int HEADER_SIZE = 28;
    private static final int RECORD_HEADER = 28;
    /** Where the first record starts; the header owns the first block. */
    static final int FIRST_RECORD = 4096;

    private final Path file;
    private final long capacity;
    private final ByteBuffer recordHeader = ByteBuffer.allocate(RECORD_HEADER);
    private FileChannel channel;
    /** Starts from a random value so that no journal file ever reuses a generation number. */
    private long generation = new java.security.SecureRandom().nextLong() >>> 1;
    private long position = FIRST_RECORD;

    Journal(Path file, long capacity) {
        this.file = file;
        this.capacity = capacity;
    }

    Path file() {
        return file;
    }

    /**
     * Writes the records of the current generation back into {@code log} and syncs it; returns the
     * number of bytes that were missing from the log. Call before the log is read, then
     * {@link #reset(long)}.
     */
    long redo(Path log) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (FileChannel journal = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
            readFully(journal, header, 0);
            header.flip();
            if (header.remaining() < HEADER_SIZE || header.getInt(0) != HEADER_MAGIC || !headerValid(header)) {
                return 0; // A reset was torn (the log had been synced before it): nothing to redo.
            }
            long gen = header.getLong(8);
            long baseSize = header.getLong(16);
            generation = gen;
            long restored = 0;
            long expected = baseSize;
            long at = FIRST_RECORD;
            FileChannel target = null;
            try {
                while (true) {
                    ByteBuffer head = ByteBuffer.allocate(RECORD_HEADER);
                    readFully(journal, head, at);
                    if (head.position() < RECORD_HEADER || head.getInt(0) != RECORD_MAGIC || head.getLong(8) != gen) {
                        break;
                    }
                    int length = head.getInt(4);
                    long offset = head.getLong(16);
                    if (length <= 0 || at + RECORD_HEADER + length > journal.size() || offset != expected) {
                        break;
                    }
                    ByteBuffer bytes = ByteBuffer.allocate(length);
                    readFully(journal, bytes, at + RECORD_HEADER);
                    if (bytes.position() < length || crc(head, bytes.array(), length) != head.getInt(24)) {
                        break; // A record torn by a crash while it was written: never acknowledged.
                    }
                    if (target == null) {
                        if (!Files.exists(log)) {
                            throw new IOException("The journal " + file + " holds acknowledged audit records for "
                                    + log + ", which is missing; restore the log file, or move the journal aside to "
                                    + "start without those records");
                        }
                        target = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE);
                        if (target.size() < baseSize) {
                            throw mismatch(log, "is shorter (" + target.size() + " bytes) than when the journal started ("
                                    + baseSize + " bytes)");
                        }
                    }
                    restored += apply(target, log, offset, bytes.array());
                    at += RECORD_HEADER + length;
                    expected += length;
                }
                if (target != null) {
                    target.force(true);
                }
            } finally {
                if (target != null) {
                    target.close();
                }
            }
            return restored;
        }
    }

    /** Writes a record's bytes into the log where they are missing; returns how many were. */
    private long apply(FileChannel target, Path log, long offset, byte[] bytes) throws IOException {
        ByteBuffer existing = ByteBuffer.allocate(bytes.length);
        readFully(target, existing, offset);
        int present = existing.position();
        long missing = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (i >= present || existing.get(i) == 0) {
                missing++;
            } else if (existing.get(i) != bytes[i]) {
                throw mismatch(log, "differs from it at byte " + (offset + i));
            }
        }
        if (missing > 0) {
            ByteBuffer write = ByteBuffer.wrap(bytes);
            long at = offset;
            while (write.hasRemaining()) {
                at += target.write(write, at);
            }
        }
        return missing;
    }

    private IOException mismatch(Path log, String how) {
        return new IOException("The journal " + file + " does not belong to " + log + ": the log " + how
                + "; the log was replaced after a crash. Move the journal aside to open the log as it is");
    }

    /**
     * Starts a new generation for a log that is synced up to {@code baseSize} bytes: nothing in the
     * journal is needed any more. Creates (and zero-fills) the journal file the first time.
     */
    void reset(long baseSize) throws IOException {
        if (channel == null) {
            boolean created = !Files.exists(file) || Files.size(file) != capacity;
            channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), dev.infrakit.core.io.DurableFiles.ownerOnly(file.getParent(), false));
            dev.infrakit.core.io.DurableFiles.restrictToOwner(file, false);
            if (created) {
                channel.truncate(0);
                ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
                long at = 0;
                while (at < capacity) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), capacity - at));
                    while (zeros.hasRemaining()) {
                        at += channel.write(zeros, at);
                    }
                }
                channel.force(true);
                dev.infrakit.core.io.DurableFiles.syncDirectory(file.getParent());
            }
        }
        generation++;
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
        header.putInt(HEADER_MAGIC).putInt(VERSION).putLong(generation).putLong(baseSize);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 24);
        header.putInt((int) crc.getValue()).flip();
        while (header.hasRemaining()) {
            channel.write(header, header.position());
        }
        channel.force(false);
        position = FIRST_RECORD;
    }

    /**
     * Copies {@code bytes}, written to the log at {@code offset}, into the journal and syncs it.
     * Returns false, writing nothing, when they do not fit: the caller syncs the log and resets.
     */
    boolean append(long offset, byte[] bytes, int length) throws IOException {
        if (position + RECORD_HEADER + length > capacity) {
            return false;
        }
        recordHeader.clear();
        recordHeader.putInt(RECORD_MAGIC).putInt(length).putLong(generation).putLong(offset);
        recordHeader.putInt(crc(recordHeader, bytes, length)).flip();
        ByteBuffer[] record = {recordHeader, ByteBuffer.wrap(bytes, 0, length)};
        long total = RECORD_HEADER + (long) length;
        long written = 0;
        channel.position(position);
        while (written < total) {
            written += channel.write(record);
        }
        channel.force(false);
        position += total;
        return true;
    }

    /** Invalidates the journal (the log is synced) and closes it. */
    void close(long baseSize) throws IOException {
        if (channel != null) {
            reset(baseSize);
            channel.close();
            channel = null;
        }
    }

    private static boolean headerValid(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 24);
        return header.getInt(4) == VERSION && (int) crc.getValue() == header.getInt(24);
    }

    private static int crc(ByteBuffer head, byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(head.array(), 0, 24);
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long at) throws IOException {
        long pos = at;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }
}
