package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thousands of random byte flips, line deletions, swaps and cuts of a real log: the verifier
 * detects every one and names the sequence number of the first record touched. (A tail cut off
 * exactly at a line boundary is invisible to the chain alone; checkpoints are for that.)
 */
class MutationFuzzIT {

    @Test
    void everyMutationIsDetectedAtTheFirstRecordItTouches(@TempDir Path dir) throws Exception {
        Path logs = dir.resolve("logs");
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logs, KEY).build()) {
            for (int n = 0; n < 300; n++) {
                sink.record(event(n, AuditEvent.Severity.INFO));
            }
        }
        byte[] pristine = Files.readAllBytes(logs.resolve("audit.log"));
        List<Integer> lineStarts = new ArrayList<>();
        lineStarts.add(0);
        for (int i = 0; i < pristine.length; i++) {
            if (pristine[i] == '\n') {
                lineStarts.add(i + 1);
            }
        }
        int lines = lineStarts.size() - 1;
        assertTrue(AuditVerifier.verifyFiles(logs, "audit.log", KEY).ok());

        Path work = dir.resolve("work");
        Files.createDirectories(work);
        Random random = new Random(20261122);
        int flips = 0;
        int deletions = 0;
        int swaps = 0;
        int cuts = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] mutated;
            long expectedBad;
            int kind = random.nextInt(4);
            if (kind == 0) {
                int at = random.nextInt(pristine.length);
                mutated = pristine.clone();
                byte replacement;
                do {
                    replacement = (byte) random.nextInt(256);
                } while (replacement == mutated[at]);
                mutated[at] = replacement;
                expectedBad = lineOf(lineStarts, at) + 1;
                flips++;
            } else if (kind == 1) {
                int line = random.nextInt(lines - 1);
                mutated = concat(Arrays.copyOfRange(pristine, 0, lineStarts.get(line)),
                        Arrays.copyOfRange(pristine, lineStarts.get(line + 1), pristine.length));
                // Without its first (link) line the file starts at record 2, which is where it breaks.
                expectedBad = line == 0 ? 2 : line + 1;
                deletions++;
            } else if (kind == 2) {
                int line = random.nextInt(lines - 1);
                byte[] a = Arrays.copyOfRange(pristine, lineStarts.get(line), lineStarts.get(line + 1));
                byte[] b = Arrays.copyOfRange(pristine, lineStarts.get(line + 1), lineStarts.get(line + 2));
                mutated = concat(concat(Arrays.copyOfRange(pristine, 0, lineStarts.get(line)), b),
                        concat(a, Arrays.copyOfRange(pristine, lineStarts.get(line + 2), pristine.length)));
                expectedBad = line == 0 ? 2 : line + 1;
                swaps++;
            } else {
                int at;
                do {
                    at = 1 + random.nextInt(pristine.length - 1);
                } while (lineStarts.contains(at));
                mutated = Arrays.copyOf(pristine, at);
                expectedBad = lineOf(lineStarts, at) + 1;
                cuts++;
            }
            Files.write(work.resolve("audit.log"), mutated);
            AuditVerifier.Result result = AuditVerifier.verifyFiles(work, "audit.log", KEY);
            assertFalse(result.ok(), "round " + round + " (kind " + kind + ") went undetected");
            assertEquals(expectedBad, result.firstBadSequence().orElseThrow(), "round " + round + " kind " + kind + ": "
                    + result);
        }
        assertTrue(flips > 500 && deletions > 500 && swaps > 500 && cuts > 500);

        // A base64 decoder ignores the unused low bits of a MAC's last character ("…A=" and "…B="
        // decode alike): the verifier accepts only the canonical text, so that flip is seen too.
        int line = 5;
        int macEnd = lineStarts.get(line + 1) - 5; // …X="}\n: X is the last character carrying MAC bits
        byte[] sameBits = pristine.clone();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        int value = alphabet.indexOf(sameBits[macEnd]);
        assertTrue(value >= 0 && sameBits[macEnd + 1] == '=', new String(pristine, lineStarts.get(line),
                lineStarts.get(line + 1) - lineStarts.get(line), StandardCharsets.UTF_8));
        sameBits[macEnd] = (byte) alphabet.charAt(value ^ 1);
        Files.write(work.resolve("audit.log"), sameBits);
        AuditVerifier.Result nonCanonical = AuditVerifier.verifyFiles(work, "audit.log", KEY);
        assertFalse(nonCanonical.ok(), "a non-canonical MAC went undetected");
        assertEquals(line + 1, nonCanonical.firstBadSequence().orElseThrow(), nonCanonical.toString());
        Files.write(work.resolve("audit.log"), pristine);
        assertTrue(AuditVerifier.verifyFiles(work, "audit.log", KEY).ok());
        assertEquals(300 + 1, lines, new String(pristine, 0, 40, StandardCharsets.UTF_8));
    }

    /**
     * Whole files deleted or emptied, lines duplicated, and chains forged with the MAC key, over a
     * rotated set of files with signed checkpoints kept in a store outside the log directory: each
     * is reported at the first sequence number it touches (a forged chain: at the first checkpoint
     * after the rewrite, as close as a MAC-key holder lets any evidence go).
     */
    @Test
    void wholeFilesDuplicatesAndForgedChainsAcrossRotatedFiles(@TempDir Path dir) throws Exception {
        java.security.KeyPair keys = FileIntegrityIT.p256();
        Path logs = dir.resolve("logs");
        CheckpointStore store = CheckpointStore.file(dir.resolve("elsewhere").resolve("checkpoints"));
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logs, KEY).auditFiles(4096, 6)
                .checkpoints((java.security.interfaces.ECPrivateKey) keys.getPrivate(), java.time.Duration.ofMillis(2))
                .checkpointStore(store).build()) {
            for (int n = 0; n < 200; n++) {
                sink.record(event(n, AuditEvent.Severity.INFO));
            }
        }
        java.security.interfaces.ECPublicKey pub = (java.security.interfaces.ECPublicKey) keys.getPublic();
        List<Path> files = LogFiles.chainOrder(logs, "audit.log");
        assertEquals(6, files.size(), "a full, pruned set: " + files);
        List<List<String>> pristine = new ArrayList<>();
        List<Long> firstSeqs = new ArrayList<>();
        for (Path f : files) {
            pristine.add(Files.readAllLines(f, StandardCharsets.UTF_8));
            firstSeqs.add(LogFiles.firstSeq(f));
        }
        java.util.TreeSet<Long> checkpointed = new java.util.TreeSet<>();
        for (String jws : store.load()) {
            checkpointed.add(Checkpoints.stateOf(Checkpoints.claimsUnverified(jws), "audit.log").seq());
        }
        assertTrue(checkpointed.size() > 10, "checkpoints spread over the log: " + checkpointed);
        Path work = dir.resolve("work");
        Random random = new Random(20261206);
        int[] kinds = new int[4];
        for (int round = 0; round < 240; round++) {
            List<List<String>> mutated = new ArrayList<>(pristine);
            int kind = random.nextInt(4);
            int victim = random.nextInt(files.size());
            long expected;
            AuditVerifier.Problem problem;
            if (kind == 0) {
                victim = random.nextInt(files.size() - 1); // a rotated file; the current one is below
                mutated.set(victim, null);
                expected = firstSeqs.get(victim);
                problem = AuditVerifier.Problem.MISSING;
            } else if (kind == 1) {
                mutated.set(victim, List.of());
                expected = firstSeqs.get(victim);
                problem = AuditVerifier.Problem.MISSING;
            } else if (kind == 2) {
                List<String> lines = new ArrayList<>(pristine.get(victim));
                int line = random.nextInt(lines.size());
                lines.add(line + 1, lines.get(line));
                mutated.set(victim, lines);
                expected = firstSeqs.get(victim) + line + 1;
                problem = AuditVerifier.Problem.REORDERED;
            } else {
                int line = 1 + random.nextInt(pristine.get(victim).size() - 1);
                long seq = firstSeqs.get(victim) + line;
                if (!pristine.get(victim).get(line).contains("\"event\"")) {
                    round--;
                    continue;
                }
                mutated = ForgedChain.forge(pristine, seq, body -> body.replace("\"action\":\"read\"",
                        "\"action\":\"list\""), KEY);
                expected = checkpointed.ceiling(seq);
                problem = AuditVerifier.Problem.MODIFIED;
                assertTrue(AuditVerifier.verifyFiles(write(work, files, mutated), "audit.log", KEY).ok(),
                        "a forged chain verifies without checkpoints");
            }
            kinds[kind]++;
            AuditVerifier.Result result = AuditVerifier.verifyFiles(write(work, files, mutated), "audit.log", KEY, pub,
                    store);
            assertFalse(result.ok(), "round " + round + " (kind " + kind + ") went undetected");
            assertEquals(problem, result.problem(), "round " + round + ": " + result);
            assertEquals(expected, result.firstBadSequence().orElseThrow(), "round " + round + " kind " + kind + ": "
                    + result);
        }
        for (int count : kinds) {
            assertTrue(count > 40, Arrays.toString(kinds));
        }
        assertTrue(AuditVerifier.verifyFiles(write(work, files, pristine), "audit.log", KEY, pub, store).ok());
    }

    /** Writes {@code contents} (null: the file is absent) under the names of {@code files} into a fresh {@code work}. */
    private static Path write(Path work, List<Path> files, List<List<String>> contents) throws java.io.IOException {
        if (Files.exists(work)) {
            try (java.util.stream.Stream<Path> old = Files.list(work)) {
                for (Path f : old.toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(work);
        for (int i = 0; i < files.size(); i++) {
            if (contents.get(i) != null) {
                StringBuilder text = new StringBuilder();
                contents.get(i).forEach(line -> text.append(line).append('\n'));
                Files.writeString(work.resolve(files.get(i).getFileName()), text, StandardCharsets.UTF_8);
            }
        }
        return work;
    }

    /** The 0-based line holding byte {@code at}. */
    private static int lineOf(List<Integer> lineStarts, int at) {
        int line = 0;
        while (line + 1 < lineStarts.size() && lineStarts.get(line + 1) <= at) {
            line++;
        }
        return line;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
