package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static dev.infrakit.audit.AuditFixtures.numbers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DURABLE mode's write-ahead journal. A power loss is simulated on a copy of the directory taken
 * while the sink is open (every recorded event acknowledged): the copy's log loses what had not been
 * synced (cut off, or zeros where the data should be), and opening a sink on the copy must bring
 * every acknowledged event back from the journal.
 */
class JournalIT {

    private static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    /** The log size the journal's current generation starts from (its header, offset 16). */
    private static long journalBase(Path journal) throws IOException {
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(24);
            ch.read(header, 0);
            return header.getLong(16);
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static void zeroFrom(Path file, long from) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) (ch.size() - from)), from);
        }
    }

    /** Records {@code n} events DURABLE, then copies the directory while the sink is still open. */
    private static void recordAndCopy(Path dir, Path copy, int n, JsonLinesAuditSink.Builder builder) throws IOException {
        try (JsonLinesAuditSink sink = builder.build()) {
            for (int i = 0; i < n; i++) {
                sink.record(event(i, i % 10 == 0 ? AuditEvent.Severity.WARN : AuditEvent.Severity.INFO));
            }
            copyDirectory(dir, copy);
        }
    }

    private static void assertAllThere(Path copy, int n) throws IOException {
        assertEquals(upTo(n), numbers(copy.resolve("audit.log")));
        assertEquals(IntStream.range(0, n).filter(i -> i % 10 == 0).boxed().collect(Collectors.toList()),
                numbers(copy.resolve("security.log")));
        AuditVerifier.Result audit = AuditVerifier.verifyFiles(copy, "audit.log", KEY);
        assertTrue(audit.ok(), audit.toString());
        AuditVerifier.Result security = AuditVerifier.verifyFiles(copy, "security.log", KEY);
        assertTrue(security.ok(), security.toString());
    }

    @Test
    void acknowledgedEventsCutOffTheLogComeBackFromTheJournal(@TempDir Path dir, @TempDir Path copy) throws Exception {
        recordAndCopy(dir, copy, 50, JsonLinesAuditSink.builder(dir, KEY));
        long base = journalBase(copy.resolve("audit.log.journal"));
        assertTrue(Files.size(copy.resolve("audit.log")) > base, "the events were journaled, not synced");
        truncate(copy.resolve("audit.log"), base);
        truncate(copy.resolve("security.log"), journalBase(copy.resolve("security.log.journal")));

        try (JsonLinesAuditSink reopened = JsonLinesAuditSink.builder(copy, KEY).build()) {
            reopened.record(event(50, AuditEvent.Severity.WARN));
        }
        assertAllThere(copy, 51);
    }

    @Test
    void zerosWhereTheDataShouldBeAreRestoredToo(@TempDir Path dir, @TempDir Path copy) throws Exception {
        recordAndCopy(dir, copy, 30, JsonLinesAuditSink.builder(dir, KEY));
        zeroFrom(copy.resolve("audit.log"), journalBase(copy.resolve("audit.log.journal")));
        JsonLinesAuditSink.builder(copy, KEY).build().close();
        assertAllThere(copy, 30);
    }

    @Test
    void aTornJournalRecordEndsTheRedoAndTheChainStillVerifies(@TempDir Path dir, @TempDir Path copy) throws Exception {
        recordAndCopy(dir, copy, 20, JsonLinesAuditSink.builder(dir, KEY));
        Path log = copy.resolve("audit.log");
        long base = journalBase(copy.resolve("audit.log.journal"));
        truncate(log, base);
        // Recording alone, each event was its own batch: the last record of the journal holds event 19.
        // Tear it: flip its last byte, as if the machine stopped while it was being written.
        try (FileChannel journal = FileChannel.open(copy.resolve("audit.log.journal"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long end = lastRecordEnd(journal);
            ByteBuffer one = ByteBuffer.allocate(1);
            journal.read(one, end - 2);
            one.put(0, (byte) (one.get(0) ^ 0x55)).rewind();
            journal.write(one, end - 2);
        }
        JsonLinesAuditSink.builder(copy, KEY).build().close();
        assertEquals(upTo(19), numbers(log), "everything before the torn record is back, nothing after it");
        AuditVerifier.Result result = AuditVerifier.verifyFiles(copy, "audit.log", KEY);
        assertTrue(result.ok(), result.toString());
    }

    /** Walks the records of the header's generation; returns where the last one ends. */
    private static long lastRecordEnd(FileChannel journal) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(24);
        journal.read(header, 0);
        long generation = header.getLong(8);
        long at = Journal.FIRST_RECORD;
        while (true) {
            ByteBuffer head = ByteBuffer.allocate(28);
            journal.read(head, at);
            if (head.getInt(0) != 0x494B4A52 || head.getLong(8) != generation) {
                return at;
            }
            at += 28 + head.getInt(4);
        }
    }

    @Test
    void aSmallJournalWrapsManyTimesAndOnlyItsCurrentGenerationIsRedone(@TempDir Path dir, @TempDir Path copy)
            throws Exception {
        recordAndCopy(dir, copy, 1000, JsonLinesAuditSink.builder(dir, KEY).journal(64 * 1024));
        assertEquals(64 * 1024, Files.size(copy.resolve("audit.log.journal")));
        long base = journalBase(copy.resolve("audit.log.journal"));
        assertTrue(base > 64 * 1024, "the journal filled up and started over (base " + base + ")");
        truncate(copy.resolve("audit.log"), base);
        JsonLinesAuditSink.builder(copy, KEY).journal(64 * 1024).build().close();
        assertAllThere(copy, 1000);
    }

    @Test
    void rotationSyncsTheOldFileAndTheJournalFollowsTheNewOne(@TempDir Path dir, @TempDir Path copy) throws Exception {
        recordAndCopy(dir, copy, 120, JsonLinesAuditSink.builder(dir, KEY).auditFiles(16 * 1024, 20));
        assertTrue(Files.exists(copy.resolve("audit.log.2")), "rotated");
        truncate(copy.resolve("audit.log"), journalBase(copy.resolve("audit.log.journal")));
        JsonLinesAuditSink.builder(copy, KEY).auditFiles(16 * 1024, 20).build().close();
        List<Integer> all = new ArrayList<>();
        for (int i = 20; i >= 1; i--) {
            Path file = copy.resolve("audit.log." + i);
            if (Files.exists(file)) {
                all.addAll(numbers(file));
            }
        }
        all.addAll(numbers(copy.resolve("audit.log")));
        assertEquals(upTo(120), all);
        AuditVerifier.Result result = AuditVerifier.verifyFiles(copy, "audit.log", KEY);
        assertTrue(result.ok(), result.toString());
    }

    @Test
    void aJournalNeverOverwritesALogItDoesNotBelongTo(@TempDir Path dir, @TempDir Path copy, @TempDir Path other)
            throws Exception {
        recordAndCopy(dir, copy, 10, JsonLinesAuditSink.builder(dir, KEY));
        // Another log of the same length (different events) put in place of this one after the crash.
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(other, KEY).build()) {
            for (int i = 0; i < 10; i++) {
                sink.record(event(i + 100, AuditEvent.Severity.INFO));
            }
        }
        Path log = copy.resolve("audit.log");
        byte[] replaced = Files.readAllBytes(other.resolve("audit.log"));
        Files.write(log, replaced);
        AuditException e = assertThrows(AuditException.class, () -> JsonLinesAuditSink.builder(copy, KEY).build());
        assertTrue(e.getMessage().contains("audit.log.journal does not belong to"), e.getMessage());
        assertTrue(e.getMessage().contains("Move the journal aside"), e.getMessage());
        assertArrayEquals(replaced, Files.readAllBytes(log), "the log was not touched");

        Files.delete(log);
        AuditException missing = assertThrows(AuditException.class, () -> JsonLinesAuditSink.builder(copy, KEY).build());
        assertTrue(missing.getMessage().contains("which is missing"), missing.getMessage());
    }

    @Test
    void aCleanCloseLeavesNothingToRedoAndAsyncOrJournalZeroKeepsNoJournal(@TempDir Path dir, @TempDir Path async,
            @TempDir Path none) throws Exception {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build()) {
            sink.record(event(1, AuditEvent.Severity.INFO));
        }
        long size = Files.size(dir.resolve("audit.log"));
        assertEquals(size, journalBase(dir.resolve("audit.log.journal")), "closing synced the log and reset the journal");
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(async, KEY).durability(Durability.ASYNC).build()) {
            sink.record(event(1, AuditEvent.Severity.INFO));
        }
        assertFalse(Files.exists(async.resolve("audit.log.journal")));
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(none, KEY).journal(0).build()) {
            sink.record(event(1, AuditEvent.Severity.INFO));
        }
        assertFalse(Files.exists(none.resolve("audit.log.journal")));
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> JsonLinesAuditSink.builder(none, KEY).journal(1000));
        assertTrue(tooSmall.getMessage().contains("journal must be 0 (none) or at least 65536 bytes, got 1000"));
    }
}
