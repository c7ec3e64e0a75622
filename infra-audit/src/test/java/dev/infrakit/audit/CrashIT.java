package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM writes DURABLE events and reports each acknowledged one; it is killed with SIGKILL
 * at random moments, five times over the same logs. Every acknowledged event is there afterwards,
 * the chains verify, and a torn last line is cut off on reopen.
 */
class CrashIT {

    @Test
    void acknowledgedEventsSurviveKillNine(@TempDir Path dir) throws Exception {
        Random random = new Random();
        Set<Integer> acknowledged = new HashSet<>();
        int next = 0;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int run = 0; run < 5; run++) {
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    DurableWriterMain.class.getName(), dir.toString(), Integer.toString(next))
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            // The kill comes 100 to 600 ms after the child has opened the logs (JVM start-up varies).
            long killAt = Long.MAX_VALUE;
            String line;
            int highest = next - 1;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("OPEN")) {
                    killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(500));
                } else if (line.startsWith("ACK ")) {
                    int n = Integer.parseInt(line.substring(4));
                    acknowledged.add(n);
                    highest = Math.max(highest, n);
                } else if (line.contains("Exception")) {
                    throw new AssertionError("child failed: " + line);
                }
                if (System.nanoTime() > killAt && highest >= next) {
                    child.destroyForcibly();
                    break;
                }
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            // Unacknowledged numbers may or may not be in the log; start the next run beyond all of them.
            next = highest + 1000;
        }
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).auditFiles(64 * 1024, 4).build()) {
            sink.flush();
        }
        Set<Integer> present = new HashSet<>();
        for (String name : List.of("audit.log.3", "audit.log.2", "audit.log.1", "audit.log")) {
            if (Files.exists(dir.resolve(name))) {
                present.addAll(AuditFixtures.numbers(dir.resolve(name)));
            }
        }
        int lowestKept = present.stream().mapToInt(Integer::intValue).min().orElse(0);
        for (int n : acknowledged) {
            if (n >= lowestKept) {
                assertTrue(present.contains(n), "acknowledged event " + n + " is missing");
            }
        }
        assertTrue(acknowledged.size() > 20, "the children wrote something: " + acknowledged.size());
        AuditVerifier.Result audit = AuditVerifier.verifyFiles(dir, "audit.log", KEY);
        assertTrue(audit.ok(), audit.toString());
        AuditVerifier.Result security = AuditVerifier.verifyFiles(dir, "security.log", KEY);
        assertTrue(security.ok(), security.toString());
    }
}
