package dev.infrakit.credentials;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An attacker who can write the store's files but has no master key: every clear field of a record
 * is authenticated, and an older authentic copy of a record (or of the manifest) put back is
 * detected and named. Also what the manifest costs nobody: concurrent writers in two instances never
 * lose an update and never see a false "rolled back".
 */
class FileStoreRollbackIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "s3cret-" + "never-in-a-message";

    @TempDir
    Path dir;

    private final MasterKey key = MasterKey.generate();

    private FileCredentialStore store() {
        return FileCredentialStore.directory(dir, KeyRing.of(key)).build();
    }

    private static Path fileOf(FileCredentialStore store, String name) throws Exception {
        return fileOf(store.location(), name);
    }

    /** The file in {@code directory} holding {@code name}: the only one naming it. */
    private static Path fileOf(Path directory, String name) throws Exception {
        List<Path> found = new ArrayList<>();
        try (var files = Files.list(directory)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".json")).collect(Collectors.toList())) {
                if (Files.readString(p).contains("\"name\" : \"" + name + "\"")) {
                    found.add(p);
                }
            }
        }
        assertEquals(1, found.size(), "one file for " + name);
        return found.get(0);
    }

    private static CredentialIntegrityException assertIntegrity(Executable call, String... parts) {
        CredentialIntegrityException e = assertThrows(CredentialIntegrityException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
        }
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
        return e;
    }

    private static SecretValue password(String password) {
        return SecretValue.login("app", password);
    }

    /** A record with two versions (v1 deleted), custom metadata and maxVersions set. */
    private Path richRecord(FileCredentialStore store) throws Exception {
        store.put("db/main", password(PASSWORD + "-1"));
        store.put("db/main", password(PASSWORD + "-2"));
        store.put("db/main", password(PASSWORD + "-3"));
        store.delete("db/main", 1);
        store.destroy("db/main", 2);
        store.setMaxVersions("db/main", 5);
        store.setCustomMetadata("db/main", Map.of("owner", "billing", "rotate", "30d"));
        return fileOf(store, "db/main");
    }

    private static ObjectNode version(ObjectNode record, int index) {
        return (ObjectNode) ((ArrayNode) record.get("versions")).get(index);
    }

    @ParameterizedTest
    @ValueSource(strings = {"created", "updated", "currentVersion", "maxVersions", "custom value", "custom added",
            "custom removed", "version created", "undeleted", "deleted", "destroyed", "version removed", "seq",
            "store", "data of another version"})
    void editingAnyClearFieldOfARecordIsDetected(String edit) throws Exception {
        try (FileCredentialStore store = store()) {
            Path file = richRecord(store);
            ObjectNode r = (ObjectNode) JSON.readTree(file.toFile());
            Map<String, Consumer<ObjectNode>> edits = Map.ofEntries(
                    Map.entry("created", n -> n.put("created", "2020-01-01T00:00:00Z")),
                    Map.entry("updated", n -> n.put("updated", "2020-01-01T00:00:00Z")),
                    Map.entry("currentVersion", n -> n.put("currentVersion", 4)),
                    Map.entry("maxVersions", n -> n.put("maxVersions", 7)),
                    Map.entry("custom value", n -> ((ObjectNode) n.get("custom")).put("owner", "attacker")),
                    Map.entry("custom added", n -> ((ObjectNode) n.get("custom")).put("revoked", "no")),
                    Map.entry("custom removed", n -> ((ObjectNode) n.get("custom")).remove("rotate")),
                    Map.entry("version created", n -> version(n, 2).put("created", "2020-01-01T00:00:00Z")),
                    Map.entry("undeleted", n -> version(n, 0).putNull("deleted")),
                    Map.entry("deleted", n -> version(n, 2).put("deleted", "2020-01-01T00:00:00Z")),
                    Map.entry("destroyed", n -> version(n, 2).put("destroyed", true).putNull("data")),
                    Map.entry("version removed", n -> ((ArrayNode) n.get("versions")).remove(2)),
                    Map.entry("seq", n -> n.put("seq", n.get("seq").asLong() + 1)),
                    Map.entry("store", n -> n.put("store", "0123456789abcdef0123456789abcdef")),
                    Map.entry("data of another version", n -> version(n, 0).put("data", version(n, 2).get("data")
                            .asText())));
            edits.get(edit).accept(r);
            Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r));

            for (Executable read : List.<Executable>of(() -> store.get("db/main"), () -> store.metadata("db/main"),
                    () -> store.put("db/main", password("x")), () -> store.list(""))) {
                assertIntegrity(read, "Credential file " + file + " failed its authentication check",
                        "credential 'db/main' was modified");
            }
        }
    }

    @Test
    void aSingleFileRecordEditedInPlaceIsDetected() throws Exception {
        Path file = dir.resolve("all.json");
        try (FileCredentialStore store = FileCredentialStore.singleFile(file, KeyRing.of(key)).build()) {
            store.put("a", password(PASSWORD));
            store.put("b", password(PASSWORD));
            store.setCustomMetadata("b", Map.of("state", "revoked"));
            ObjectNode all = (ObjectNode) JSON.readTree(file.toFile());
            ((ObjectNode) all.get("credentials").get(1).get("custom")).put("state", "live");
            Files.write(file, JSON.writeValueAsBytes(all));
            assertIntegrity(() -> store.metadata("b"), "Credential file " + file + " ('credentials[1]') failed its "
                    + "authentication check", "credential 'b' was modified");
        }
    }

    @Test
    void anOlderCopyOfARecordPutBackIsRolledBack() throws Exception {
        try (FileCredentialStore store = store()) {
            store.put("apps/db", password(PASSWORD + "-old"));
            store.setCustomMetadata("apps/db", Map.of("state", "live"));
            store.put("apps/other", password("other"));
            Path file = fileOf(store, "apps/db");
            byte[] old = Files.readAllBytes(file);
            store.put("apps/db", password(PASSWORD + "-new"));
            store.setCustomMetadata("apps/db", Map.of("state", "revoked"));

            Files.write(file, old);
            for (Executable read : List.<Executable>of(() -> store.get("apps/db"), () -> store.get("apps/db", 1),
                    () -> store.metadata("apps/db"), () -> store.put("apps/db", password("x")),
                    () -> store.setCustomMetadata("apps/db", Map.of()))) {
                assertIntegrity(read, "Credential 'apps/db' in " + file + " was rolled back", "as of write 2",
                        "says write 5 last changed it", store.manifestFile().toString());
            }
            assertEquals(List.of("apps/other"), names(store.list("")), "left out of listings, which still work");
            assertEquals("other", store.get("apps/other").value().password().orElseThrow(), "others unaffected");
        }
        try (FileCredentialStore reopened = store()) {
            assertIntegrity(() -> reopened.get("apps/db"), "was rolled back"); // not forgotten by a restart
            assertTrue(reopened.deleteAll("apps/db"), "deleting is how its owner gets rid of it");
            assertEquals(Optional.empty(), reopened.metadata("apps/db"));
            reopened.put("apps/db", password(PASSWORD + "-again"));
            assertEquals(PASSWORD + "-again", reopened.get("apps/db").value().password().orElseThrow());
        }
    }

    @Test
    void openingTheStoreLogsEveryRecordThatFailsItsCheck() throws Exception {
        Path file;
        Path gone;
        try (FileCredentialStore store = store()) {
            store.put("apikeys/k", password(PASSWORD));
            store.put("gone", password("x"));
            file = fileOf(store, "apikeys/k");
            gone = fileOf(store, "gone");
            byte[] old = Files.readAllBytes(file);
            store.setCustomMetadata("apikeys/k", Map.of("revoked", "yes"));
            Files.write(file, old);
            Files.delete(gone);
        }
        ch.qos.logback.classic.LoggerContext context = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory
                .getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
                new ch.qos.logback.core.read.ListAppender<>();
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
        try (FileCredentialStore reopened = store()) {
            List<String> errors = captured.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
            assertTrue(errors.stream().anyMatch(m -> m.contains("Credential 'apikeys/k' in " + file + " was rolled back")),
                    errors.toString());
            assertTrue(errors.stream().anyMatch(m -> m.contains("Credential 'gone' is missing from " + gone)),
                    errors.toString());
            assertTrue(errors.stream().noneMatch(m -> m.contains(PASSWORD)));
            assertIntegrity(() -> reopened.get("apikeys/k"), "was rolled back");
        } finally {
            root.detachAppender(captured);
        }
    }

    @Test
    void anOlderCopyOfTheSingleFilePutBackIsRolledBackForWhatChangedSince() throws Exception {
        Path file = dir.resolve("all.json");
        try (FileCredentialStore store = FileCredentialStore.singleFile(file, KeyRing.of(key)).build()) {
            store.put("unchanged", password("same"));
            store.put("changed", password(PASSWORD + "-old"));
            byte[] old = Files.readAllBytes(file);
            store.put("changed", password(PASSWORD + "-new"));
            Files.write(file, old);
            assertIntegrity(() -> store.get("changed"), "Credential 'changed' in " + file + " was rolled back");
            assertEquals("same", store.get("unchanged").value().password().orElseThrow());
        }
    }

    @Test
    void aDeletedCredentialPutBackAndOneRemovedBehindTheStoresBackAreRefused() throws Exception {
        try (FileCredentialStore store = store()) {
            store.put("gone", password(PASSWORD));
            store.put("kept", password("kept"));
            Path gone = fileOf(store, "gone");
            Path kept = fileOf(store, "kept");
            byte[] copy = Files.readAllBytes(gone);
            assertTrue(store.deleteAll("gone"));
            Files.write(gone, copy);
            assertIntegrity(() -> store.get("gone"), "Credential 'gone' in " + gone + " is not in the store's manifest",
                    "deleted and its file put back");
            assertEquals(List.of("kept"), names(store.list("")));

            Files.delete(kept);
            assertIntegrity(() -> store.metadata("kept"), "Credential 'kept' is missing from " + kept,
                    "removed behind the store's back");
            assertEquals(List.of(), names(store.list("")));
            assertTrue(store.deleteAll("kept"), "forgets it");
            assertTrue(store.deleteAll("gone"), "removes the file put back");
            assertEquals(Optional.empty(), store.metadata("kept"));
            assertEquals(Optional.empty(), store.metadata("gone"));
        }
    }

    @Test
    void aRecordOfAnotherStoreUnderTheSameMasterKeyIsRefused() throws Exception {
        Path otherDir = dir.resolve("other");
        try (FileCredentialStore store = store();
                FileCredentialStore other = FileCredentialStore.directory(otherDir, KeyRing.of(key)).build()) {
            store.put("db", password("mine"));
            for (int i = 0; i < 5; i++) {
                other.put("db", password(PASSWORD + i)); // a higher write number than the target's
            }
            Path file = fileOf(store, "db");
            Files.copy(fileOf(other, "db"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertIntegrity(() -> store.get("db"), "Credential 'db' in " + file + " belongs to another credential store");
        }
    }

    /** Rewrites {@code file} as an earlier version wrote it: format 1, no MAC, no write number. */
    private static void downgrade(Path file) throws Exception {
        ObjectNode r = (ObjectNode) JSON.readTree(file.toFile());
        r.put("format", 1).remove(List.of("store", "seq", "macKey", "mac"));
        Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
    }

    @Test
    void anOldStoreIsUpgradedOnlyWhenAskedAndAnOldFormatRecordPutBackIsRefused() throws Exception {
        Path file;
        try (FileCredentialStore store = store()) {
            store.put("apikeys/k", password(PASSWORD));
            store.setCustomMetadata("apikeys/k", Map.of("revoked", "yes"));
            store.put("apps/x", password("x"));
            file = fileOf(store, "apikeys/k");
        }
        // What an earlier version wrote: format 1 records and no manifest.
        downgrade(file);
        downgrade(fileOf(dir, "apps/x"));
        Files.delete(dir.resolve(".manifest"));
        ObjectNode unrevoked = (ObjectNode) JSON.readTree(file.toFile());
        ((ObjectNode) unrevoked.get("custom")).remove("revoked");
        byte[] legacyUnrevoked = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(unrevoked);

        // Not silently: the same files are what an attacker leaves after deleting the manifest.
        assertIntegrity(this::store, "has no manifest " + dir.resolve(".manifest"), "unauthenticated records of the "
                + "old format 1", "upgradeUnauthenticatedStore()", "restore the store from a backup");
        try (FileCredentialStore upgraded = FileCredentialStore.directory(dir, KeyRing.of(key))
                .upgradeUnauthenticatedStore().build()) {
            assertTrue(Files.exists(upgraded.manifestFile()), "a manifest was written");
            assertEquals(Map.of("revoked", "yes"), upgraded.metadata("apikeys/k").orElseThrow().custom());
            assertEquals(PASSWORD, upgraded.get("apikeys/k").value().password().orElseThrow());
            assertTrue(Files.readString(file).contains("\"format\" : 2"), "rewritten authenticated");

            // The revocation removed by writing the record back in the old format: refused.
            Files.write(file, legacyUnrevoked);
            assertIntegrity(() -> upgraded.metadata("apikeys/k"), "Credential 'apikeys/k' in " + file
                    + " is an unauthenticated record of the old format 1");
        }
        try (FileCredentialStore reopened = store()) {
            assertIntegrity(() -> reopened.metadata("apikeys/k"), "unauthenticated record of the old format 1");
            assertEquals("x", reopened.get("apps/x").value().password().orElseThrow());
        }
    }

    @Test
    void deletingTheManifestAndDowngradingEveryRecordDoesNotUndoARevocation() throws Exception {
        Path file;
        try (FileCredentialStore store = store()) {
            store.put("apikeys/k", password(PASSWORD));
            file = fileOf(store, "apikeys/k");
            store.setCustomMetadata("apikeys/k", Map.of("revoked", "yes"));
        }
        downgrade(file);
        ObjectNode r = (ObjectNode) JSON.readTree(file.toFile());
        ((ObjectNode) r.get("custom")).remove("revoked");
        Files.write(file, JSON.writeValueAsBytes(r));
        Files.delete(dir.resolve(".manifest"));
        assertIntegrity(this::store, "has no manifest", "unauthenticated records of the old format 1");
        assertIntegrity(() -> FileCredentialStore.directory(dir, KeyRing.of(key)).rebuildManifest().build(),
                "Cannot rebuild the manifest", "is an unauthenticated record of the old format 1");
    }

    @Test
    void aDeletedManifestStopsTheStoreUntilRestoredOrRebuilt() throws Exception {
        Path manifest;
        byte[] saved;
        try (FileCredentialStore store = store()) {
            store.put("a", password(PASSWORD));
            manifest = store.manifestFile();
            saved = Files.readAllBytes(manifest);
            Files.delete(manifest);
            assertIntegrity(() -> store.get("a"), "manifest " + manifest + " is missing: it was deleted while the store "
                    + "was open");
            assertIntegrity(() -> store.put("b", password("b")), "is missing");
        }
        assertIntegrity(this::store, "The credential store's manifest " + manifest + " is missing, but the store holds "
                + "authenticated records (such as credential 'a'", "rebuildManifest()");

        Files.write(manifest, saved); // restored from a backup
        try (FileCredentialStore restored = store()) {
            assertEquals(PASSWORD, restored.get("a").value().password().orElseThrow());
        }
        Files.delete(manifest);
        try (FileCredentialStore rebuilt = FileCredentialStore.directory(dir, KeyRing.of(key)).rebuildManifest().build()) {
            assertEquals(PASSWORD, rebuilt.get("a").value().password().orElseThrow());
            rebuilt.put("a", password("next"));
        }
        try (FileCredentialStore again = store()) {
            assertEquals("next", again.get("a").value().password().orElseThrow());
        }
    }

    @Test
    void anOlderManifestPutBackIsDetectedWhenAnyRecordIsNewerThanIt() throws Exception {
        Path manifest;
        Path keyFile;
        byte[] oldManifest;
        byte[] oldKey;
        try (FileCredentialStore store = store()) {
            store.put("apikeys/k", password(PASSWORD));
            store.put("apps/x", password("x1"));
            manifest = store.manifestFile();
            keyFile = fileOf(store, "apikeys/k");
            oldManifest = Files.readAllBytes(manifest);
            oldKey = Files.readAllBytes(keyFile);
            store.setCustomMetadata("apikeys/k", Map.of("revoked", "yes")); // the write to undo
            store.put("apps/x", password("x2"));                            // any other write since

            // While open: the instance has seen a newer manifest.
            Files.write(manifest, oldManifest);
            Files.write(keyFile, oldKey);
            assertIntegrity(() -> store.metadata("apikeys/k"), "manifest " + manifest + " went back from write 4 to write 2");
        }
        // After a restart: a record is newer than the manifest, so the store is not opened.
        assertIntegrity(this::store, "The credential store's manifest " + manifest + " is older than the record of "
                + "credential 'apps/x'", "the record is from write 4", "says write 2 last changed it",
                "replaced by an older copy");
    }

    @Test
    void anInstanceSeesTheManifestGoBackEvenWithoutANewerRecord() throws Exception {
        try (FileCredentialStore store = store()) {
            store.put("apikeys/k", password(PASSWORD));
            Path manifest = store.manifestFile();
            Path keyFile = fileOf(store, "apikeys/k");
            byte[] oldManifest = Files.readAllBytes(manifest);
            byte[] oldKey = Files.readAllBytes(keyFile);
            store.setCustomMetadata("apikeys/k", Map.of("revoked", "yes"));
            assertEquals(Map.of("revoked", "yes"), store.metadata("apikeys/k").orElseThrow().custom());
            // The record and the manifest both put back as they were: consistent with each other, but
            // this instance has read write 2 already.
            Files.write(manifest, oldManifest);
            Files.write(keyFile, oldKey);
            assertIntegrity(() -> store.metadata("apikeys/k"), "went back from write 2 to write 1");
        }
        // The limit the README states: a restarted process cannot tell this pair from a store that
        // never had the later write, because nothing newer than that manifest remains.
        try (FileCredentialStore restarted = store()) {
            assertEquals(Map.of(), restarted.metadata("apikeys/k").orElseThrow().custom());
        }
    }

    @Test
    void concurrentWritersInTwoInstancesLoseNoUpdateAndNeverSeeAFalseRollback() throws Exception {
        int threadsPerInstance = 4;
        int increments = 60;
        List<String> counters = List.of("c/0", "c/1", "c/2");
        try (FileCredentialStore first = store(); FileCredentialStore second = store()) {
            for (String c : counters) {
                first.put(c, SecretValue.ofFields(Map.of("n", "0")));
            }
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger done = new AtomicInteger();
            AtomicBoolean writing = new AtomicBoolean(true);
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> writers = new ArrayList<>();
            List<Thread> readers = new ArrayList<>();
            for (FileCredentialStore store : List.of(first, second)) {
                for (int t = 0; t < threadsPerInstance; t++) {
                    int seed = writers.size();
                    writers.add(new Thread(() -> {
                        try {
                            start.await();
                            for (int i = 0; i < increments; i++) {
                                String name = counters.get((seed + i) % counters.size());
                                while (true) {
                                    Secret current = store.get(name);
                                    int n = Integer.parseInt(current.value().field("n").orElseThrow());
                                    try {
                                        store.put(name, SecretValue.ofFields(Map.of("n", Integer.toString(n + 1))),
                                                WriteCondition.ifVersion(current.version()));
                                        done.incrementAndGet();
                                        break;
                                    } catch (VersionConflictException raced) {
                                        // another writer got there first: read again
                                    }
                                }
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }));
                }
                // A reader per instance, reading and listing while the writers write.
                readers.add(new Thread(() -> {
                    try {
                        start.await();
                        while (writing.get()) {
                            for (String c : counters) {
                                store.get(c);
                            }
                            assertEquals(counters.size(), store.list("c/").size());
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            writers.forEach(Thread::start);
            readers.forEach(Thread::start);
            start.countDown();
            for (Thread t : writers) {
                t.join();
            }
            writing.set(false);
            for (Thread t : readers) {
                t.join();
            }
            assertEquals(List.of(), new ArrayList<>(failures), "no false rollback, no other failure");
            int total = 0;
            for (String c : counters) {
                total += Integer.parseInt(first.get(c).value().field("n").orElseThrow());
            }
            assertEquals(2 * threadsPerInstance * increments, done.get());
            assertEquals(done.get(), total, "no increment lost");
        }
        try (FileCredentialStore reopened = store()) {
            assertEquals(counters, names(reopened.list("c/")), "and the store opens cleanly afterwards");
        }
    }

    private static List<String> names(List<CredentialMetadata> list) {
        return list.stream().map(CredentialMetadata::name).collect(Collectors.toList());
    }
}
