package dev.infrakit.credentials;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tampering with the files, wrong or missing keys, key rotation with {@code rewrap()}, damaged files
 * and I/O failures: each is reported precisely, naming the file, and never shows a value.
 */
class FileCredentialStoreIntegrityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "s3cret-" + "never-on-disk";

    @TempDir
    Path dir;

    private final MasterKey keyA = MasterKey.generate();
    private final MasterKey keyB = MasterKey.generate();

    private FileCredentialStore store(KeyRing ring) {
        return FileCredentialStore.directory(dir, ring).build();
    }

    private static SecretValue login(String password) {
        return SecretValue.login("app", password);
    }

    /** The file of {@code name} in the directory layout: the only one holding that name. */
    private Path fileOf(String name) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = new ArrayList<>();
            for (Path p : files.filter(p -> p.toString().endsWith(".json")).collect(Collectors.toList())) {
                String content = Files.readString(p);
                if (content.contains("\"name\" : \"" + name + "\"")) { // only files the store wrote
                    found.add(p);
                }
            }
            assertEquals(1, found.size(), "one file for " + name);
            return found.get(0);
        }
    }

    private static ObjectNode read(Path file) throws Exception {
        return (ObjectNode) JSON.readTree(file.toFile());
    }

    private static void write(Path file, ObjectNode json) throws Exception {
        Files.write(file, JSON.writeValueAsBytes(json));
    }

    private static ObjectNode version(ObjectNode record, int index) {
        return (ObjectNode) ((ArrayNode) record.get("versions")).get(index);
    }

    private static CredentialIntegrityException assertIntegrity(Executable call, String... parts) {
        CredentialIntegrityException e = assertThrows(CredentialIntegrityException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
        }
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
        return e;
    }

    @Test
    void aFlippedCharacterInTheCiphertextFailsDecryption() throws Exception {
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            store.put("db/main", login(PASSWORD));
            Path file = fileOf("db/main");
            ObjectNode record = read(file);
            String[] jwe = version(record, 0).get("data").asText().split("\\.");
            assertEquals(5, jwe.length, "compact JWE: header.key.iv.ciphertext.tag");
            char[] ciphertext = jwe[3].toCharArray();
            int middle = ciphertext.length / 2;
            ciphertext[middle] = ciphertext[middle] == 'A' ? 'B' : 'A';
            jwe[3] = new String(ciphertext);
            version(record, 0).put("data", String.join(".", jwe));
            write(file, record);

            // The record's MAC covers the ciphertext too, so the change is caught before decryption,
            // and neither the value nor the metadata of the modified record is believed.
            assertIntegrity(() -> store.get("db/main"), "Credential file " + file + " failed its authentication check: "
                    + "the record of credential 'db/main' was modified");
            assertIntegrity(() -> store.metadata("db/main"), "failed its authentication check", file.toString());
        }
    }

    @Test
    void aFlippedCharacterInTheSingleFileFailsDecryption() throws Exception {
        Path file = dir.resolve("all.json");
        try (FileCredentialStore store = FileCredentialStore.singleFile(file, KeyRing.of(keyA)).build()) {
            store.put("db/main", login(PASSWORD));
            ObjectNode all = read(file);
            ObjectNode v1 = version((ObjectNode) all.get("credentials").get(0), 0);
            String[] jwe = v1.get("data").asText().split("\\.");
            char[] tag = jwe[4].toCharArray();
            tag[1] = tag[1] == 'A' ? 'B' : 'A';
            jwe[4] = new String(tag);
            v1.put("data", String.join(".", jwe));
            write(file, all);
            assertIntegrity(() -> store.get("db/main"), "Credential file " + file + " ('credentials[0]') failed its "
                    + "authentication check: the record of credential 'db/main' was modified");
        }
    }

    @Test
    void versionsSwappedWithinACredentialAreRefused() throws Exception {
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            store.put("db/main", login("old"));
            store.put("db/main", login(PASSWORD));
            Path file = fileOf("db/main");
            ObjectNode record = read(file);
            String first = version(record, 0).get("data").asText();
            version(record, 0).put("data", version(record, 1).get("data").asText());
            version(record, 1).put("data", first);
            write(file, record);

            // The record's MAC catches the swap; each JWE's own binding to its name and version
            // (SecretCipher) stays as a second line.
            assertIntegrity(() -> store.get("db/main"), "Credential file " + file + " failed its authentication check");
            assertIntegrity(() -> store.get("db/main", 1), "failed its authentication check");
        }
    }

    @Test
    void dataMovedBetweenCredentialsAndSwappedFilesAreRefused() throws Exception {
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            store.put("apps/a", login(PASSWORD));
            store.put("apps/b", login("other"));
            Path a = fileOf("apps/a");
            Path b = fileOf("apps/b");

            byte[] originalB = Files.readAllBytes(b);
            ObjectNode recordB = read(b);
            version(recordB, 0).put("data", version(read(a), 0).get("data").asText());
            write(b, recordB);
            assertIntegrity(() -> store.get("apps/b"), "Credential file " + b + " failed its authentication check: the "
                    + "record of credential 'apps/b' was modified");
            Files.write(b, originalB);

            Path aside = dir.resolve("aside");
            Files.move(a, aside);
            Files.move(b, a);
            Files.move(aside, b);
            assertIntegrity(() -> store.get("apps/a"), "Credential file " + a + " holds credential 'apps/b', not 'apps/a'");
            assertIntegrity(() -> store.list(""), "holds credential", "files were renamed or swapped");
        }
    }

    @Test
    void aDifferentMasterKeyIsNotInTheKeyRing() {
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            store.put("db/main", login(PASSWORD));
        }
        // The manifest is authenticated under the master key: a wrong key is found when opening.
        assertIntegrity(() -> store(KeyRing.of(keyB)), "The credential store's manifest " + dir.resolve(".manifest")
                + " is authenticated with master key " + keyA.id() + ", which is not in the key ring [" + keyB.id() + "]");
    }

    @Test
    void droppingTheOldKeyBeforeRewrapLeavesOldVersionsUnreadable() {
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            store.put("db/main", login("under A"));
        }
        try (FileCredentialStore rotated = store(KeyRing.of(keyA).withPrimary(keyB))) {
            rotated.put("db/main", login("under B"));
            assertEquals("under A", rotated.get("db/main", 1).value().password().orElseThrow(), "A still reads");
        }
        try (FileCredentialStore dropped = store(KeyRing.of(keyA).withPrimary(keyB).without(keyA.id()))) {
            assertEquals("under B", dropped.get("db/main").value().password().orElseThrow());
            assertIntegrity(() -> dropped.get("db/main", 1), "is encrypted with master key " + keyA.id()
                    + ", which is not in the key ring [" + keyB.id() + "]");
        }
    }

    @Test
    void rewrapMovesEveryVersionToThePrimaryWithoutChangingAnything() throws Exception {
        List<CredentialMetadata> before;
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            for (int i = 1; i <= 3; i++) {
                store.put("apps/a", login(PASSWORD + "-a" + i));
            }
            store.put("apps/b", SecretValue.ofFields(Map.of("token", PASSWORD + "-b")));
            store.put("apps/c", login(PASSWORD + "-c1"));
            store.put("apps/c", login(PASSWORD + "-c2"));
            store.destroy("apps/c", 1);
            store.delete("apps/a", 2);
            store.setCustomMetadata("apps/b", Map.of("owner", "team"));
            before = store.list("");
        }
        try (FileCredentialStore rotating = store(KeyRing.of(keyA).withPrimary(keyB))) {
            assertEquals(5, rotating.rewrap(), "3 of apps/a, 1 of apps/b, 1 of apps/c (v1 was destroyed)");
            assertEquals(before, rotating.list(""), "versions, times and metadata unchanged");
            assertEquals(0, rotating.rewrap(), "nothing left under the old key");
        }
        try (FileCredentialStore onlyB = store(KeyRing.of(keyB))) {
            assertEquals(PASSWORD + "-a1", onlyB.get("apps/a", 1).value().password().orElseThrow());
            assertEquals(PASSWORD + "-a3", onlyB.get("apps/a").value().password().orElseThrow());
            assertEquals(PASSWORD + "-b", onlyB.get("apps/b").value().field("token").orElseThrow());
            assertEquals(PASSWORD + "-c2", onlyB.get("apps/c").value().password().orElseThrow());
            assertEquals(0, onlyB.rewrap());
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.collect(Collectors.toList())) {
                String content = Files.readString(file, StandardCharsets.ISO_8859_1);
                assertFalse(content.contains(PASSWORD), file + " holds a value in clear");
                assertFalse(content.contains(keyA.id()), file + " still names the old key");
            }
        }
    }

    @Test
    void filesThatAreNotRecordsAreNamedInTheError() throws Exception {
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            store.put("db/main", login(PASSWORD));
            Path file = fileOf("db/main");
            Files.writeString(file, "{\"format\": 1, \"name\": \"db/main\", \"created\": ");
            assertIntegrity(() -> store.get("db/main"), "Credential file " + file + " is not valid JSON");
            Files.writeString(file, "[1, 2]");
            assertIntegrity(() -> store.get("db/main"), "Credential file " + file
                    + " is not a valid credential record: the document is not a JSON object");
            Files.writeString(file, "{\"name\": \"db/main\"}");
            assertIntegrity(() -> store.metadata("db/main"), "Credential file " + file
                    + " is not a credential record: it has no integer 'format' field");
            Files.writeString(file, "{\"format\": 3}");
            assertIntegrity(() -> store.list(""), "Credential file " + file + " has format 3; this version of Infrakit "
                    + "reads formats 1 and 2");
            Files.writeString(file, "");
            assertIntegrity(() -> store.get("db/main"), "Credential file " + file + " is not a credential record: it is empty");

            store.put("db/other", login("x"));
            ObjectNode record = read(fileOf("db/other"));
            version(record, 0).remove("created");
            write(file, record.put("name", "db/main"));
            assertIntegrity(() -> store.get("db/main"), "Credential file " + file + " is not a valid credential record: "
                    + "'versions[0].created' is missing");
            version(record, 0).put("created", "yesterday");
            write(file, record);
            assertIntegrity(() -> store.get("db/main"), "'versions[0].created' is not an ISO-8601 timestamp");
            version(record, 0).put("created", "2026-01-01T00:00:00Z").put("number", 7);
            write(file, record);
            assertIntegrity(() -> store.get("db/main"), "'versions[0].number' is 7, expected 1 to 1");
            version(record, 0).put("number", 1).put("destroyed", true);
            write(file, record);
            assertIntegrity(() -> store.get("db/main"), "'versions[0].data' is present on a destroyed version");
            assertIntegrity(() -> store.put("db/main", login("y")), "'versions[0].data' is present on a destroyed version");
        }
    }

    @Test
    void leftOverTemporaryFilesAreIgnoredAndRemovedOnOpen() throws Exception {
        Path leftOver;
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            store.put("db/main", login(PASSWORD));
            Path file = fileOf("db/main");
            leftOver = file.resolveSibling(file.getFileName() + ".0123456789abcdef.tmp");
            Files.writeString(leftOver, "{\"format\": 1, \"na"); // a torn write
            assertEquals(List.of("db/main"), store.list("").stream().map(CredentialMetadata::name)
                    .collect(Collectors.toList()));
            assertEquals(PASSWORD, store.get("db/main").value().password().orElseThrow());
        }
        Path unrelated = Files.writeString(dir.resolve("notes.tmp"), "not ours");
        try (FileCredentialStore reopened = store(KeyRing.of(keyA))) {
            assertFalse(Files.exists(leftOver), "the temporary file was removed on open");
            assertTrue(Files.exists(unrelated), "files the store did not make are left alone");
            assertEquals(PASSWORD, reopened.get("db/main").value().password().orElseThrow());
        }
    }

    @Test
    void ioFailuresNameThePathAndTheOperation() throws Exception {
        try (FileCredentialStore store = store(KeyRing.of(keyA))) {
            store.put("db/main", login(PASSWORD));
            Path file = fileOf("db/main");
            Files.delete(file);
            Files.createDirectory(file); // reading or replacing it now fails, even for root
            CredentialException read = assertThrows(CredentialException.class, () -> store.get("db/main"));
            assertFalse(read instanceof CredentialIntegrityException, read.toString());
            assertTrue(read.getMessage().startsWith("Cannot read credential 'db/main' from " + file), read.getMessage());
            CredentialException list = assertThrows(CredentialException.class, () -> store.list(""));
            assertTrue(list.getMessage().startsWith("Cannot list credentials in " + dir), list.getMessage());
            CredentialException write = assertThrows(CredentialException.class, () -> store.put("db/main", login("x")));
            assertTrue(write.getMessage().startsWith("Cannot write credential 'db/main' to " + file), write.getMessage());
        }
    }

    @Test
    void closedStoresRefuseWorkAndTwoInstancesShareTheLock() {
        FileCredentialStore first = store(KeyRing.of(keyA));
        try (FileCredentialStore second = store(KeyRing.of(keyA))) {
            first.put("db/main", login("1"));
            second.put("db/main", login("2"), WriteCondition.ifVersion(1));
            first.close();
            first.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> first.get("db/main"));
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> first.put("db/main", login("3")));
            assertEquals(3, second.put("db/main", login("3")), "the other instance still works");
        }
        try (FileCredentialStore third = store(KeyRing.of(keyA))) {
            assertEquals("3", third.get("db/main").value().password().orElseThrow());
            assertNotEquals(-1, third.toString().indexOf(keyA.id()));
            assertFalse(third.toString().contains(keyA.toBase64()));
        }
    }
}
