package dev.infrakit.credentials.internal;

import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.SecretValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer that dies between replacing a record and replacing the manifest (stopped by the step
 * hook, leaving the files exactly as a crash would) never makes the store unreadable, nor a record
 * "rolled back": whoever takes the lock next finishes the write from the note in the lock file.
 */
class FileEngineCrashIT {
    @TempDir
    Path dir;

    private final KeyRing ring = KeyRing.of(MasterKey.generate());

    /** Thrown by the hook: the writer "dies" here. */
    private static final class Crash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Crash() {
            super("simulated crash");
        }
    }

    private FileEngine open(String layout) {
        return layout.equals("directory") ? FileEngine.directory(dir.resolve("store"), ring, Clock.systemUTC(), 10)
                : FileEngine.singleFile(dir.resolve("store.json"), ring, Clock.systemUTC(), 10);
    }

    private static SecretValue value(String n) {
        return SecretValue.ofFields(Map.of("n", n));
    }

    private static String read(FileEngine engine, String name) {
        return engine.get(name).value().field("n").orElseThrow();
    }

    /** Makes the next write of {@code engine} die after {@code step}. */
    private static void crashAfter(FileEngine engine, FileEngine.Step step) {
        engine.afterStep = s -> {
            if (s == step) {
                engine.afterStep = ignored -> { };
                throw new Crash();
            }
        };
    }

    private Path lockFile(FileEngine engine) {
        return engine.location().getFileName().toString().endsWith(".json")
                ? engine.location().resolveSibling(engine.location().getFileName() + ".lock")
                : engine.location().resolve(".lock");
    }

    @ParameterizedTest
    @ValueSource(strings = {"directory", "file"})
    void aWriteThatDiedAfterItsRecordIsFinishedByTheNextReaderOrWriter(String layout) throws Exception {
        try (FileEngine engine = open(layout)) {
            engine.put("a", value("1"));
            engine.put("b", value("1"));
            byte[] manifestBefore = Files.readAllBytes(engine.manifestFile());
            crashAfter(engine, FileEngine.Step.RECORD);
            assertThrows(Crash.class, () -> engine.put("a", value("2")));
            assertArrayEquals(manifestBefore, Files.readAllBytes(engine.manifestFile()), "the manifest was not updated");
            assertTrue(Files.size(lockFile(engine)) > 0, "the write's note is in the lock file");

            // A write of another credential comes first: it must finish a's write before making its own,
            // or a's record would later look newer than the manifest, or rolled back.
            engine.put("b", value("2"));
            assertEquals("2", read(engine, "a"), "the write that reached its record counts");
            assertEquals(2, engine.metadata("a").orElseThrow().currentVersion());
            assertEquals("2", read(engine, "b"));
            assertEquals(0, Files.size(lockFile(engine)), "the note is cleared");
        }
        try (FileEngine reopened = open(layout)) {
            assertEquals("2", read(reopened, "a"));
            reopened.put("a", value("3"));
            assertEquals("3", read(reopened, "a"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"directory", "file"})
    void aReaderFinishesAnInterruptedWriteAndSoDoesOpening(String layout) throws Exception {
        try (FileEngine engine = open(layout)) {
            engine.put("a", value("1"));
            crashAfter(engine, FileEngine.Step.RECORD);
            assertThrows(Crash.class, () -> engine.put("a", value("2")));
            assertEquals("2", read(engine, "a"), "the reader took the lock and finished the write");
            crashAfter(engine, FileEngine.Step.RECORD);
            assertThrows(Crash.class, () -> engine.put("a", value("3")));
        }
        try (FileEngine reopened = open(layout)) { // the store "restarts" after the second crash
            assertEquals("3", read(reopened, "a"));
            assertEquals(3, reopened.list("").get(0).currentVersion());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"directory", "file"})
    void aWriteThatDiedBeforeItsRecordNeverHappened(String layout) throws Exception {
        try (FileEngine engine = open(layout)) {
            engine.put("a", value("1"));
            crashAfter(engine, FileEngine.Step.INTENT);
            assertThrows(Crash.class, () -> engine.put("a", value("2")));
            assertEquals("1", read(engine, "a"));
            engine.put("other", value("x"));
            assertEquals("1", read(engine, "a"), "no false rollback after the next write");
            engine.put("a", value("2"));
            assertEquals(2, engine.metadata("a").orElseThrow().currentVersion());
        }
        try (FileEngine reopened = open(layout)) {
            assertEquals("2", read(reopened, "a"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"directory", "file"})
    void aRemovalThatDiedBeforeTheManifestIsFinished(String layout) throws Exception {
        try (FileEngine engine = open(layout)) {
            engine.put("a", value("1"));
            engine.put("b", value("1"));
            crashAfter(engine, FileEngine.Step.RECORD);
            assertThrows(Crash.class, () -> engine.deleteAll("a"));
            assertEquals(Optional.empty(), engine.metadata("a"), "removed, not 'removed behind the store's back'");
            assertEquals(1, engine.list("").size());
        }
        try (FileEngine reopened = open(layout)) {
            assertEquals(Optional.empty(), reopened.metadata("a"));
            assertEquals("1", read(reopened, "b"));
        }
    }

    @Test
    void anOldNotePutBackIsIgnored() throws Exception {
        byte[][] note = new byte[1][];
        try (FileEngine engine = open("directory")) {
            engine.put("a", value("1"));
            engine.afterStep = s -> {
                if (s == FileEngine.Step.RECORD) {
                    note[0] = Files.readAllBytes(lockFile(engine)); // the note of removing a
                }
            };
            engine.deleteAll("a");
            engine.afterStep = s -> { };
            engine.put("a", value("2"));
            // Someone deletes a's file and puts back the old note of a removal, hoping the store
            // will take the deletion as its own: the note is bound to a write number long past.
            Path file = engine.location().resolve(FileEngine.directoryFileName("a"));
            Files.delete(file);
            Files.write(lockFile(engine), note[0]);
            CredentialIntegrityException e = assertThrows(CredentialIntegrityException.class,
                    () -> engine.metadata("a"));
            assertTrue(e.getMessage().contains("removed behind the store's back"), e.getMessage());
        }
    }

    @Test
    void aLostNoteLeavesTheRecordNewerThanTheManifestAndRebuildRecovers() throws Exception {
        Path store = dir.resolve("store");
        try (FileEngine engine = open("directory")) {
            engine.put("a", value("1"));
            crashAfter(engine, FileEngine.Step.RECORD);
            assertThrows(Crash.class, () -> engine.put("a", value("2")));
            Files.write(lockFile(engine), new byte[0]); // the note erased by someone who can write the directory
            CredentialIntegrityException e = assertThrows(CredentialIntegrityException.class, () -> read(engine, "a"));
            assertTrue(e.getMessage().contains("is newer (write 2) than the store's manifest"), e.getMessage());
        }
        CredentialIntegrityException refused = assertThrows(CredentialIntegrityException.class,
                () -> open("directory"));
        assertTrue(refused.getMessage().contains("is older than the record of credential 'a'"), refused.getMessage());
        try (FileEngine rebuilt = FileEngine.directory(store, ring, Clock.systemUTC(), 10, FileEngine.Recovery.REBUILD)) {
            assertEquals("2", read(rebuilt, "a"));
        }
    }
}
