package dev.infrakit.credentials;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM writes credentials in a loop and reports each acknowledged write; it is killed with
 * SIGKILL at random moments, five times over the same store. Afterwards the store opens, every
 * version of every credential reads back and decrypts, temporary files are gone, and each
 * credential's last acknowledged version holds the value acknowledged.
 */
class FileStoreCrashIT {

    /** An acknowledged write: the version it made and the value it wrote. */
    private static final class Ack {
        final int version;
        final int n;

        Ack(int version, int n) {
            this.version = version;
            this.n = n;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"directory", "file"})
    void acknowledgedWritesSurviveKillNine(String layout, @TempDir Path dir) throws Exception {
        MasterKey key = MasterKey.generate();
        Path location = layout.equals("directory") ? dir.resolve("store") : dir.resolve("store.json");
        Random random = new Random();
        Map<String, Ack> lastAck = new HashMap<>();
        int acknowledged = 0;
        int next = 0;
        for (int run = 0; run < 5; run++) {
            Process child = FileStoreChild.start(CrashingWriterMain.class, key, layout, location.toString(),
                    Integer.toString(next));
            BufferedReader out = FileStoreChild.output(child);
            long killAt = Long.MAX_VALUE;
            int highest = next - 1;
            String line;
            try {
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("ACK ")) {
                        String[] parts = line.split(" ");
                        int n = Integer.parseInt(parts[3]);
                        if (killAt == Long.MAX_VALUE) {
                            // 0 to 400 ms after the first write returned: JVM start-up and the first write's
                            // class loading take too long, and vary too much, to count from the start.
                            killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(random.nextInt(400));
                        }
                        lastAck.put(parts[1], new Ack(Integer.parseInt(parts[2]), n));
                        highest = Math.max(highest, n);
                        acknowledged++;
                    } else if (line.contains("interrupted before the manifest was updated")) {
                        continue; // the store's log: the run before was killed between a record and the manifest
                    } else if (!line.equals("OPEN")) {
                        throw new AssertionError("child said: " + line);
                    }
                    if (System.nanoTime() > killAt && highest >= next) {
                        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
                        break;
                    }
                }
            } finally {
                child.destroyForcibly();
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            next = highest + 1000;
        }
        assertTrue(acknowledged >= 10, "the children wrote something: " + acknowledged);

        Path directory = layout.equals("directory") ? location : dir;
        List<String> leftOver = temporaryFiles(directory);
        try (FileCredentialStore store = FileStoreChild.open(layout, location, KeyRing.of(key))) {
            assertEquals(List.of(), temporaryFiles(directory), "opening removed the temporary files " + leftOver);
            List<String> names = store.list("").stream().map(CredentialMetadata::name).collect(Collectors.toList());
            assertEquals(new TreeSet<>(lastAck.keySet()), new TreeSet<>(names), "exactly the credentials written");
            for (String name : names) {
                CredentialMetadata meta = store.metadata(name).orElseThrow();
                for (VersionInfo v : meta.versions()) {
                    assertTrue(store.get(name, v.version()).value().field("n").isPresent(), name + " v" + v.version());
                }
                Ack ack = lastAck.get(name);
                // The write after the last acknowledged one may have landed before the kill.
                assertTrue(meta.currentVersion() == ack.version || meta.currentVersion() == ack.version + 1,
                        name + ": current v" + meta.currentVersion() + ", last acknowledged v" + ack.version);
                assertEquals(Integer.toString(ack.n), store.get(name, ack.version).value().field("n").orElseThrow(),
                        name + " v" + ack.version + " holds the acknowledged value");
            }
        }
    }

    private static List<String> temporaryFiles(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).sorted()
                    .collect(Collectors.toList());
        }
    }
}
