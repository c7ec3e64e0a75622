package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole files deleted, emptied or renumbered, logs cut together with their own checkpoints, and
 * file permissions: what an attacker who can write the log directory (but not the checkpoint key
 * or the checkpoint store) does to the file sink, and how the verifier reports it.
 */
class FileIntegrityIT {
    /** Small files so that a few hundred events make many rotations. */
    private static final long FILE_SIZE = 4096;
    private static final int FILES = 5;

    static KeyPair p256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static void write(Path dir, int from, int to) {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).auditFiles(FILE_SIZE, FILES)
                .securityFiles(FILE_SIZE, FILES).build()) {
            for (int n = from; n < to; n++) {
                sink.record(event(n, n % 3 == 0 ? AuditEvent.Severity.WARN : AuditEvent.Severity.INFO));
            }
        }
    }

    private static AuditVerifier.Result verify(Path dir) {
        return AuditVerifier.verifyFiles(dir, "audit.log", KEY);
    }

    private static void assertBad(AuditVerifier.Result result, AuditVerifier.Problem problem, long seq) {
        assertFalse(result.ok(), "expected " + problem + " at " + seq + ", got " + result);
        assertEquals(problem, result.problem(), result.toString());
        assertEquals(seq, result.firstBadSequence().orElseThrow(), result.toString());
    }

    @Test
    void deletingAMiddleRotatedFileIsReportedAtItsFirstSequenceNumber(@TempDir Path tmp) throws Exception {
        Path logs = tmp.resolve("logs");
        write(logs, 0, 40);
        assertTrue(Files.exists(logs.resolve("audit.log.4")) || Files.exists(logs.resolve("audit.log.3")),
                "several rotations happened");
        assertTrue(verify(logs).ok(), verify(logs).toString());
        for (String victim : List.of("audit.log.1", "audit.log.2", "audit.log.3")) {
            Path work = AuditFixtures.copyFiles(logs, tmp.resolve("without-" + victim));
            long first = LogFiles.firstSeq(work.resolve(victim));
            Files.delete(work.resolve(victim));
            assertBad(verify(work), AuditVerifier.Problem.MISSING, first);
        }
    }

    @Test
    void retentionIsToldApartFromADeletedOldestFile(@TempDir Path tmp) throws Exception {
        Path logs = tmp.resolve("logs");
        write(logs, 0, 200); // far more than 5 files: retention pruned many
        AuditVerifier.Result ok = verify(logs);
        assertTrue(ok.ok(), ok.toString());
        Path oldest = LogFiles.numbered(logs, "audit.log").lastEntry().getValue();
        assertEquals("audit.log.4", oldest.getFileName().toString());
        long oldestFirst = LogFiles.firstSeq(oldest);
        assertTrue(oldestFirst > 1, "retention pruned the beginning");

        Path work = AuditFixtures.copyFiles(logs, tmp.resolve("oldest-deleted"));
        Files.delete(work.resolve("audit.log.4"));
        assertBad(verify(work), AuditVerifier.Problem.MISSING, oldestFirst);

        // The sink goes on writing and rotating in the damaged directory: until its own retention
        // would have pruned those records, the deletion stays visible.
        write(work, 1000, 1010);
        assertBad(verify(work), AuditVerifier.Problem.MISSING, oldestFirst);

        Path both = AuditFixtures.copyFiles(logs, tmp.resolve("two-oldest-deleted"));
        long thirdFirst = LogFiles.firstSeq(both.resolve("audit.log.3"));
        Files.delete(both.resolve("audit.log.4"));
        Files.delete(both.resolve("audit.log.3"));
        assertBad(verify(both), AuditVerifier.Problem.MISSING, oldestFirst);
        assertTrue(thirdFirst > oldestFirst);
    }

    @Test
    void deletingOrEmptyingEveryFileIsReported(@TempDir Path tmp) throws Exception {
        Path logs = tmp.resolve("logs");
        write(logs, 0, 30);
        Path gone = AuditFixtures.copyFiles(logs, tmp.resolve("all-deleted"));
        try (Stream<Path> files = Files.list(gone)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().startsWith("audit.log") || f.getFileName().toString().startsWith("security.log")) {
                    Files.delete(f);
                }
            }
        }
        assertBad(verify(gone), AuditVerifier.Problem.MISSING, 1);
        assertBad(AuditVerifier.verifyFiles(gone, "security.log", KEY), AuditVerifier.Problem.MISSING, 1);

        Path emptied = AuditFixtures.copyFiles(logs, tmp.resolve("current-emptied"));
        long expectedNext = verify(logs).lastSequence() + 1;
        long currentFirst = LogFiles.firstSeq(emptied.resolve("audit.log"));
        Files.write(emptied.resolve("audit.log"), new byte[0]);
        Files.write(emptied.resolve("security.log"), new byte[0]);
        assertBad(verify(emptied), AuditVerifier.Problem.MISSING, currentFirst);
        assertTrue(currentFirst < expectedNext);

        Path middle = AuditFixtures.copyFiles(logs, tmp.resolve("middle-emptied"));
        long secondFirst = LogFiles.firstSeq(middle.resolve("audit.log.2"));
        Files.write(middle.resolve("audit.log.2"), new byte[0]);
        assertBad(verify(middle), AuditVerifier.Problem.MISSING, secondFirst);

        Path noCurrent = AuditFixtures.copyFiles(logs, tmp.resolve("current-deleted"));
        Files.delete(noCurrent.resolve("audit.log"));
        AuditVerifier.Result result = verify(noCurrent);
        assertBad(result, AuditVerifier.Problem.MISSING, currentFirst);
        assertTrue(result.detail().contains("audit.log itself is missing"), result.detail());
    }

    @Test
    void swappedOrRenumberedFilesAreReported(@TempDir Path tmp) throws Exception {
        Path logs = tmp.resolve("logs");
        write(logs, 0, 80);
        Path swapped = AuditFixtures.copyFiles(logs, tmp.resolve("swapped"));
        long thirdFirst = LogFiles.firstSeq(swapped.resolve("audit.log.3"));
        Files.move(swapped.resolve("audit.log.2"), swapped.resolve("x"));
        Files.move(swapped.resolve("audit.log.3"), swapped.resolve("audit.log.2"));
        Files.move(swapped.resolve("x"), swapped.resolve("audit.log.3"));
        AuditVerifier.Result result = verify(swapped);
        assertFalse(result.ok());
        assertEquals(thirdFirst, result.firstBadSequence().orElseThrow(), result.toString());

        // A gap in the numbering alone (files renumbered, nothing removed) hides nothing: every file counts.
        Path renumbered = AuditFixtures.copyFiles(logs, tmp.resolve("renumbered"));
        Files.move(renumbered.resolve("audit.log.4"), renumbered.resolve("audit.log.9"));
        assertTrue(verify(renumbered).ok(), verify(renumbered).toString());
        assertEquals(verify(logs).recordsChecked(), verify(renumbered).recordsChecked());
        // ... and the sink closes the gap when it opens.
        write(renumbered, 100, 101);
        assertEquals(List.of(1, 2, 3, 4), List.copyOf(LogFiles.numbered(renumbered, "audit.log").keySet()));
        assertTrue(verify(renumbered).ok(), verify(renumbered).toString());
    }

    /** Issue item 6: an empty audit.log (a crash between creating it and writing its link, before this fix). */
    @Test
    void anEmptyCurrentFileIsContinuedNotLeftTampered(@TempDir Path tmp) throws Exception {
        Path logs = tmp.resolve("logs");
        write(logs, 0, 5);
        // The state a crash right after a rotation's rename left: the chain's end in .1, audit.log empty.
        Files.move(logs.resolve("audit.log"), logs.resolve("audit.log.1"));
        Files.createFile(logs.resolve("audit.log"));
        write(logs, 5, 8);
        byte[] bytes = Files.readAllBytes(logs.resolve("audit.log"));
        assertTrue(bytes.length > 0 && bytes[0] == '{', "no zero bytes before the first line");
        AuditVerifier.Result result = verify(logs);
        assertTrue(result.ok(), result.toString());
        write(logs, 8, 10); // and it opens again
        assertTrue(verify(logs).ok(), verify(logs).toString());
        assertEquals(List.of(5, 6, 7, 8, 9), AuditFixtures.numbers(logs.resolve("audit.log")));
    }

    /** Issue item 2 (library): a log cut together with its own checkpoints, seen through a store kept elsewhere. */
    @Test
    void aCheckpointStoreElsewhereCatchesALogCutWithItsCheckpoints(@TempDir Path tmp) throws Exception {
        KeyPair keys = p256();
        Path logs = tmp.resolve("logs");
        Path store = tmp.resolve("elsewhere").resolve("checkpoints");
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logs, KEY)
                .checkpoints((ECPrivateKey) keys.getPrivate(), Duration.ofMillis(1))
                .checkpointStore(CheckpointStore.file(store)).build()) {
            for (int n = 0; n < 30; n++) {
                sink.record(event(n, AuditEvent.Severity.WARN));
            }
        }
        ECPublicKey pub = (ECPublicKey) keys.getPublic();
        CheckpointStore elsewhere = CheckpointStore.file(store);
        assertFalse(elsewhere.load().isEmpty());
        assertTrue(AuditVerifier.verifyFiles(logs, "audit.log", KEY, pub, elsewhere).ok());
        assertTrue(AuditVerifier.verifyFiles(logs, "security.log", KEY, pub, elsewhere).ok());
        long last = verify(logs).lastSequence();

        // Cut the last 5 records of audit.log and every checkpoint out of security.log.
        Path cut = AuditFixtures.copyFiles(logs, tmp.resolve("cut"));
        List<String> audit = Files.readAllLines(cut.resolve("audit.log"), StandardCharsets.UTF_8);
        Files.write(cut.resolve("audit.log"), audit.subList(0, audit.size() - 5), StandardCharsets.UTF_8);
        List<String> security = Files.readAllLines(cut.resolve("security.log"), StandardCharsets.UTF_8);
        int firstCheckpoint = 0;
        while (!security.get(firstCheckpoint).contains("\"checkpoint\":\"")) {
            firstCheckpoint++;
        }
        Files.write(cut.resolve("security.log"), security.subList(0, firstCheckpoint), StandardCharsets.UTF_8);
        assertTrue(verify(cut).ok(), "the chain alone cannot see it");
        assertTrue(AuditVerifier.verifyFiles(cut, "audit.log", KEY, pub).ok(), "nor the checkpoints that were cut too");
        assertBad(AuditVerifier.verifyFiles(cut, "audit.log", KEY, pub, elsewhere), AuditVerifier.Problem.TRUNCATED,
                last - 4);
        assertBad(AuditVerifier.verifyFiles(cut, "security.log", KEY, pub, elsewhere), AuditVerifier.Problem.TRUNCATED,
                firstCheckpoint + 1L);

        // Everything deleted: the store still knows what should be there.
        Path gone = tmp.resolve("gone");
        Files.createDirectories(gone);
        assertBad(AuditVerifier.verifyFiles(gone, "audit.log", KEY, pub, elsewhere), AuditVerifier.Problem.TRUNCATED, 1);

        // A chain forged with the MAC key (here: the first event's record rewritten and every MAC
        // after it recomputed) verifies alone, but not against the checkpoint signed before.
        Path forged = AuditFixtures.copyFiles(logs, tmp.resolve("forged"));
        List<String> lines = Files.readAllLines(forged.resolve("audit.log"), StandardCharsets.UTF_8);
        assertTrue(lines.get(1).contains("\"user-0\""), lines.get(1));
        lines.set(1, lines.get(1).replace("\"user-0\"", "\"user-6\""));
        Files.write(forged.resolve("audit.log"), ForgedChain.remac(lines, KEY), StandardCharsets.UTF_8);
        assertTrue(verify(forged).ok(), "forged with the key, the chain alone verifies");
        AuditVerifier.Result caught = AuditVerifier.verifyFiles(forged, "audit.log", KEY, pub, elsewhere);
        assertFalse(caught.ok());
        assertEquals(AuditVerifier.Problem.MODIFIED, caught.problem(), caught.toString());
        assertTrue(caught.detail().contains("differs from the signed checkpoint"), caught.detail());

        // A checkpoint signed with another key is refused.
        KeyPair other = p256();
        CheckpointStore foreign = CheckpointStore.file(tmp.resolve("foreign"));
        foreign.store(Checkpoints.sign((ECPrivateKey) other.getPrivate(),
                new Checkpoints.ChainState(last + 100, new byte[32], 1), new Checkpoints.ChainState(1, new byte[32], 1),
                java.time.Instant.now()));
        assertEquals(AuditVerifier.Problem.BAD_SIGNATURE,
                AuditVerifier.verifyFiles(logs, "audit.log", KEY, pub, foreign).problem());
    }

    /** Issue item 5: owner-only files and directories, also when they existed with wider permissions. */
    @Test
    void everyFileTheSinkWritesIsOwnerOnly(@TempDir Path tmp) throws Exception {
        KeyPair keys = p256();
        Path logs = tmp.resolve("var").resolve("audit");
        Path store = tmp.resolve("checkpoints").resolve("audit.checkpoints");
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logs, KEY).auditFiles(FILE_SIZE, FILES)
                .checkpoints((ECPrivateKey) keys.getPrivate(), Duration.ofMillis(1))
                .checkpointStore(CheckpointStore.file(store)).build()) {
            for (int n = 0; n < 40; n++) {
                sink.record(event(n, AuditEvent.Severity.WARN));
            }
        }
        assertOwnerOnly(logs, true);
        assertOwnerOnly(logs.getParent(), true);
        assertOwnerOnly(store.getParent(), true);
        assertOwnerOnly(store, false);
        try (Stream<Path> files = Files.list(logs)) {
            List<Path> all = files.toList();
            assertTrue(all.stream().anyMatch(f -> f.getFileName().toString().endsWith(".journal")));
            assertTrue(all.stream().anyMatch(f -> f.getFileName().toString().equals("audit.log.2")));
            for (Path f : all) {
                assertOwnerOnly(f, false);
            }
        }
        // Files an older version left world-readable are tightened when the sink opens.
        Set<PosixFilePermission> wide = PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(logs.resolve("audit.log"), wide);
        Files.setPosixFilePermissions(logs.resolve("audit.log.journal"), wide);
        write(logs, 100, 101);
        assertOwnerOnly(logs.resolve("audit.log"), false);
        assertOwnerOnly(logs.resolve("audit.log.journal"), false);
    }

    static void assertOwnerOnly(Path path, boolean directory) throws IOException {
        assertEquals(directory ? "rwx------" : "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(path)), path.toString());
    }
}
