package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM rotating a full set of files is killed with SIGKILL at every step of a rotation
 * (next file written, oldest deleted, each rename, next file published). At each point the files
 * verify as one chain as they are; opening the sink finishes the rotation; nothing acknowledged is
 * lost; the numbering has no gap.
 */
class RotationCrashIT {
    private static final String[] STEPS = {"next-written", "deleted audit.log.3", "renamed audit.log.2 audit.log.3",
        "renamed audit.log.1 audit.log.2", "renamed audit.log audit.log.1", "published"};

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs the writer until it reports step {@code stopAt}, then kills it; returns the events it acknowledged. */
    private static Set<Integer> runUntilStep(Path dir, int from, int stopAt, boolean umask000, String[] stepSeen)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path"),
                RotatingWriterMain.class.getName(), dir.toString(), Integer.toString(from), Integer.toString(stopAt)));
        if (umask000) {
            command = List.of("sh", "-c", "umask 000 && exec \"$0\" \"$@\"", command.get(0), command.get(1), command.get(2),
                    command.get(3), command.get(4), command.get(5), command.get(6));
        }
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        Set<Integer> acknowledged = new HashSet<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acknowledged.add(Integer.parseInt(line.substring(4)));
                } else if (line.startsWith("STEP ")) {
                    stepSeen[0] = line.substring(line.indexOf(' ', 5) + 1);
                    child.destroyForcibly(); // SIGKILL
                    break;
                } else if (line.contains("Exception")) {
                    child.destroyForcibly();
                    throw new AssertionError("child failed: " + line);
                }
            }
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        return acknowledged;
    }

    private static void prepare(Path dir) {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).auditFiles(RotatingWriterMain.FILE_SIZE,
                RotatingWriterMain.FILES).securityFiles(RotatingWriterMain.FILE_SIZE, RotatingWriterMain.FILES).build()) {
            for (int n = 0; n < 60; n++) {
                sink.record(AuditFixtures.event(n, AuditEvent.Severity.INFO));
            }
        }
    }

    private static void reopenAndWrite(Path dir, int from, int to) {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).auditFiles(RotatingWriterMain.FILE_SIZE,
                RotatingWriterMain.FILES).securityFiles(RotatingWriterMain.FILE_SIZE, RotatingWriterMain.FILES).build()) {
            for (int n = from; n < to; n++) {
                sink.record(AuditFixtures.event(n, AuditEvent.Severity.INFO));
            }
        }
    }

    @Test
    void aKillAtEveryStepOfARotationLeavesOneVerifiableChain(@TempDir Path tmp) throws Exception {
        Path prepared = tmp.resolve("prepared");
        prepare(prepared);
        assertTrue(Files.exists(prepared.resolve("audit.log.3")), "a full set of files");
        for (int k = 1; k <= STEPS.length; k++) {
            Path dir = AuditFixtures.copyFiles(prepared, tmp.resolve("step-" + k));
            String[] seen = new String[1];
            Set<Integer> acknowledged = runUntilStep(dir, 1000, k, false, seen);
            assertEquals(STEPS[k - 1], seen[0], "step " + k);
            assertFalse(acknowledged.isEmpty());

            AuditVerifier.Result asLeft = AuditVerifier.verifyFiles(dir, "audit.log", KEY);
            assertTrue(asLeft.ok(), "killed at " + seen[0] + ", as left: " + asLeft);

            reopenAndWrite(dir, 5000, 5001); // opening finishes the rotation; one event, no new rotation
            assertFalse(Files.exists(LogFiles.rotating(dir, "audit.log")), "no rotation left half done");
            assertEquals(List.of(1, 2, 3), List.copyOf(LogFiles.numbered(dir, "audit.log").keySet()),
                    "killed at " + seen[0]);
            AuditVerifier.Result reopened = AuditVerifier.verifyFiles(dir, "audit.log", KEY);
            assertTrue(reopened.ok(), "killed at " + seen[0] + ", reopened: " + reopened);
            reopenAndWrite(dir, 5001, 5030); // and rotates again on top of the repaired set
            AuditVerifier.Result after = AuditVerifier.verifyFiles(dir, "audit.log", KEY);
            assertTrue(after.ok(), "killed at " + seen[0] + ", rotated after: " + after);
            Set<Integer> present = new HashSet<>();
            for (Path f : LogFiles.chainOrder(dir, "audit.log")) {
                present.addAll(AuditFixtures.numbers(f));
            }
            int lowestKept = present.stream().mapToInt(Integer::intValue).min().orElseThrow();
            for (int n : acknowledged) {
                if (n >= lowestKept) {
                    assertTrue(present.contains(n), "killed at " + seen[0] + ": acknowledged event " + n + " is missing");
                }
            }
        }
    }

    /** Issue item 5 under the least safe umask: a child started with umask 000 still writes owner-only files. */
    @Test
    void filesAreOwnerOnlyUnderUmask000(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("new").resolve("audit");
        String[] seen = new String[1];
        runUntilStep(dir, 0, 30, true, seen); // a few rotations, killed in the middle of one
        assertTrue(seen[0] != null, "the child rotated");
        FileIntegrityIT.assertOwnerOnly(dir, true);
        FileIntegrityIT.assertOwnerOnly(dir.getParent(), true);
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertTrue(all.size() >= 4, all.toString());
            for (Path f : all) {
                FileIntegrityIT.assertOwnerOnly(f, false);
            }
        }
    }
}
