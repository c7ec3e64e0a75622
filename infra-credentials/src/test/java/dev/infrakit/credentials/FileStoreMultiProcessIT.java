package dev.infrakit.credentials;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two processes and, in the test JVM, two store instances on the same path, all making
 * check-and-set increments of one counter at the same time: no increment is lost. A lost update
 * would show as a final count below the number of successful writes; an overlapping file lock in
 * this JVM would fail a writer.
 */
class FileStoreMultiProcessIT {
    private static final int CHILD_INCREMENTS = 150;
    private static final int THREAD_INCREMENTS = 75;

    /** Increments the counter {@code times} times by check-and-set; returns the conflicts retried. */
    static int increment(CredentialStore store, int times) {
        int conflicts = 0;
        for (int i = 0; i < times; i++) {
            while (true) {
                Secret current = store.get("counter");
                int n = Integer.parseInt(current.value().field("n").orElseThrow());
                try {
                    store.put("counter", SecretValue.ofFields(CounterIncrementerMain.count(n + 1)),
                            WriteCondition.ifVersion(current.version()));
                    break;
                } catch (VersionConflictException e) {
                    conflicts++;
                }
            }
        }
        return conflicts;
    }

    @ParameterizedTest
    @ValueSource(strings = {"directory", "file"})
    void checkAndSetAcrossProcessesLosesNoUpdate(String layout, @TempDir Path dir) throws Exception {
        MasterKey key = MasterKey.generate();
        Path location = layout.equals("directory") ? dir.resolve("store") : dir.resolve("store.json");
        KeyRing ring = KeyRing.of(key);
        try (FileCredentialStore first = FileStoreChild.open(layout, location, ring);
                FileCredentialStore second = FileStoreChild.open(layout, location, ring)) {
            first.put("counter", SecretValue.ofFields(CounterIncrementerMain.count(0)));

            Process child = FileStoreChild.start(CounterIncrementerMain.class, key, layout, location.toString(),
                    Integer.toString(CHILD_INCREMENTS));
            BufferedReader out = FileStoreChild.output(child);
            assertEquals("READY", out.readLine());
            ExecutorService pool = Executors.newFixedThreadPool(2);
            int childConflicts;
            int ourConflicts = 0;
            try {
                List<Future<Integer>> ours = new ArrayList<>();
                try (OutputStream go = child.getOutputStream()) {
                    go.write('\n');
                }
                ours.add(pool.submit(() -> increment(first, THREAD_INCREMENTS)));
                ours.add(pool.submit(() -> increment(second, THREAD_INCREMENTS)));
                for (Future<Integer> f : ours) {
                    ourConflicts += f.get(120, TimeUnit.SECONDS);
                }
                String done = out.readLine();
                assertTrue(done != null && done.startsWith("DONE "), "child said: " + done);
                childConflicts = Integer.parseInt(done.substring(5));
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, child.exitValue());
            } finally {
                pool.shutdownNow();
                child.destroyForcibly();
            }
            int total = CHILD_INCREMENTS + 2 * THREAD_INCREMENTS;
            Secret last = first.get("counter");
            assertEquals(total, Integer.parseInt(last.value().field("n").orElseThrow()),
                    "every increment survived (conflicts retried: child " + childConflicts + ", here " + ourConflicts + ")");
            assertEquals(total + 1, last.version());
            assertTrue(childConflicts + ourConflicts > 0, "the writers really overlapped");
        }
    }
}
