package dev.infrakit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.infrakit.backup.Backups.sha256;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EncryptedBackupRepository} over a {@link LocalBackupRepository}, attacked as someone who
 * can read and write the repository directory would: every file is searched for what must not be
 * stored, and artifacts and manifests are edited, cut, extended, swapped and moved on disk. Every
 * exception message, log line and {@code toString()} seen is checked afterwards for key material.
 */
class EncryptedBackupRepositoryTest {
    private static final Instant T0 = Instant.parse("2026-03-01T03:00:00Z");
    private static final int CHUNK = BackupEncryption.DEFAULT_CHUNK_SIZE;
    /** The header of an artifact under a two-character key id: magic, version, chunk size, id, salt. */
    private static final int HEADER = 4 + 1 + 4 + 1 + 2 + 32;
    private static final int SEALED_CHUNK = CHUNK + 16;
    private static final int DUMP_LENGTH = 3 * CHUNK + 1234;

    private static final String MARKER = "PLAINTEXT-MARKER-7f3a";
    private static final String SOURCE = "postgres:orders@db.internal";
    private static final String TABLE = "public.customer_secrets_q7x";
    private static final String OTHER_TABLE = "billing.invoice_lines_q7x";
    private static final String TOOL = "pg_dump (PostgreSQL) 15.8-toolmarker";
    private static final String SERVER = "15.8 (Debian 15.8-1.servermarker)";
    private static final SourceInfo INFO = new SourceInfo(TOOL, SERVER,
            Map.of(TABLE, 918_273_645L, OTHER_TABLE, 7L));
    private static final byte[] GLOBALS = "CREATE ROLE orders_owner_q7x LOGIN PASSWORD 'hunter2-q7x';\n"
            .getBytes(StandardCharsets.UTF_8);

    private static final byte[] K1 = key(1);
    private static final byte[] K2 = key(2);
    private static final byte[] K3 = key(3);
    private static final byte[] WRONG = key(4);

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final BackupKeys keys = BackupKeys.of("k1", K1);
    private final BackupCopier copier = BackupCopier.create();
    /** Every exception message (with causes and suppressed) and verification problem seen. */
    private final List<String> seen = new ArrayList<>();
    private final List<Object> shown = new ArrayList<>();
    private Backups.LogCapture log;
    private LocalBackupRepository local;
    private EncryptedBackupRepository repo;

    @BeforeEach
    void setUp() {
        log = new Backups.LogCapture();
        local = LocalBackupRepository.open(dir);
        repo = EncryptedBackupRepository.wrap(local, keys);
        shown.add(repo);
        shown.add(keys);
    }

    @AfterEach
    void noKeyMaterialInAnyMessageLogLineOrToString() {
        log.close();
        List<String> texts = new ArrayList<>(seen);
        texts.addAll(log.warnings());
        shown.forEach(o -> texts.add(String.valueOf(o)));
        for (String text : texts) {
            for (String secret : keyForms()) {
                assertFalse(text.contains(secret), "key material (" + secret + ") in: " + text);
            }
        }
        repo.close();
    }

    // ------------------------------------------------------------------ 1, 2: what is stored, read-back

    @Test
    void nothingOfThePlaintextNorOfTheSealedManifestIsStored() throws IOException {
        byte[] dump = dump("alpha", DUMP_LENGTH);
        Manifest published = publish(repo, T0, files(dump));
        String id = published.id();

        assertEquals(Set.of("manifest.json", "database.dump", "globals.sql"), names(dir.resolve(id)));
        List<String> leaks = leaks(MARKER, TABLE, OTHER_TABLE, SOURCE, "db.internal", "orders@", TOOL, SERVER,
                "toolmarker", "servermarker", "918273645", "PostgreSQL database dump", "example.com",
                "orders_owner_q7x", "hunter2-q7x", sha256(dump), sha256(GLOBALS));
        assertEquals(List.of(), leaks);
        assertEquals(List.of(id, "encrypted"), leaks(id, "encrypted"), "the search finds what is in the clear");
        assertEquals(List.of(), leaks(keyForms().toArray(new String[0])));
        assertFalse(anyFileContains(K1), "the raw key is stored");

        Manifest stored = Manifest.fromJson(Files.readString(dir.resolve(id).resolve("manifest.json")));
        assertEquals("encrypted", stored.source());
        assertEquals(Map.of(), stored.rowCounts());
        assertEquals(Optional.empty(), stored.toolVersion());
        assertEquals(Optional.empty(), stored.serverVersion());
        assertEquals(Optional.empty(), stored.failure());
        assertEquals(Optional.of("k1"), stored.encryptionKeyId());
        assertTrue(stored.sealed().isPresent());
        assertEquals(id, stored.id());
        assertEquals(published.kind(), stored.kind());
        assertEquals(published.started(), stored.started());
        assertEquals(published.ended(), stored.ended());
        assertEquals(BackupStatus.COMPLETE, stored.status());
        assertEquals(2, stored.artifacts().size());
        for (Artifact a : stored.artifacts()) {
            byte[] file = Files.readAllBytes(dir.resolve(id).resolve(a.name()));
            assertEquals(file.length, a.size(), a.name());
            assertEquals(sha256(file), a.sha256(), a.name());
            long plain = published.artifact(a.name()).orElseThrow().size();
            assertEquals(encryptedSize(plain), a.size(), a.name() + ": header, plaintext and one tag per chunk");
            assertEquals("k1", BackupEncryption.keyId(new ByteArrayInputStream(file)));
        }
        assertEquals(dump.length, published.artifact("database.dump").orElseThrow().size());

        assertEquals(List.of(published), repo.list());
        assertEquals(Optional.of(published), repo.find(id));
        Manifest found = repo.find(id).orElseThrow();
        assertEquals(SOURCE, found.source());
        assertEquals(INFO.rowCounts(), found.rowCounts());
        assertEquals(Optional.of(TOOL), found.toolVersion());
        assertEquals(Optional.empty(), found.encryptionKeyId(), "a decrypted manifest names no key");
        assertEquals(Optional.of("k1"), repo.keyId(id));
        assertEquals(Optional.empty(), repo.keyId("no-such-backup"));
    }

    @Test
    void anUpdateIsSealedToo() throws IOException {
        Manifest published = publish(repo, T0, files(dump("alpha", 5000)));
        Instant at = T0.plusSeconds(3600);
        Manifest updated = published.verified(at).withDrill(new DrillResult(at, true, Duration.ofSeconds(42),
                "restored 918273645 rows of " + TABLE + " on drill-host-q7x")).keepForever(true);
        repo.update(updated);

        assertEquals(List.of(), leaks("drill-host-q7x", TABLE, MARKER, SOURCE, TOOL, SERVER));
        Manifest stored = local.find(published.id()).orElseThrow();
        assertEquals(BackupStatus.VERIFIED, stored.status());
        assertEquals(Optional.of(at), stored.verifiedAt());
        assertTrue(stored.isKeptForever());
        assertEquals(Optional.empty(), stored.drill(), "the drill is only in the sealed copy");
        assertEquals(Optional.of(updated), repo.find(published.id()));
        assertEquals(List.of(updated), repo.list());
    }

    @Test
    void readsBackByteForByteAndVerifiesClean() throws IOException {
        byte[] dump = dump("alpha", DUMP_LENGTH);
        byte[] exact = dump("bravo", 2 * CHUNK);
        Map<String, byte[]> files = files(dump);
        files.put("exact.bin", exact);
        files.put("empty.bin", new byte[0]);
        Manifest published = publish(repo, T0, files);

        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            assertArrayEquals(f.getValue(), read(repo, published.id(), f.getKey()), f.getKey());
            byte[] raw = read(local, published.id(), f.getKey());
            assertEquals("IKBE", new String(raw, 0, 4, StandardCharsets.US_ASCII), f.getKey() + " is stored encrypted");
            assertEquals(encryptedSize(f.getValue().length), raw.length, f.getKey());
        }
        assertEquals(List.of(), copier.verify(repo, published.id()));
        // Read through the underlying repository, the stored bytes match the stored manifest too.
        assertEquals(List.of(), copier.verify(local, published.id()));
    }

    // ------------------------------------------------------------------ 3, 4, 5: artifacts tampered with

    @Test
    void aFlippedBitAnywhereInAStoredArtifactFailsToReadAndToVerify() throws IOException {
        byte[] dump = dump("alpha", DUMP_LENGTH);
        Manifest published = publish(repo, T0, files(dump));
        String id = published.id();
        Path file = artifactFile(id, "database.dump");
        byte[] original = Files.readAllBytes(file);
        int[] positions = {0, 5, HEADER - 1, HEADER, original.length / 2, HEADER + 2 * SEALED_CHUNK + 7,
            original.length - 1};
        for (int at : positions) {
            byte[] bad = original.clone();
            bad[at] ^= 0x10;
            Files.write(file, bad);

            refused(() -> read(repo, id, "database.dump"));
            ByteArrayOutputStream released = new ByteArrayOutputStream();
            refused(() -> {
                try (InputStream in = repo.open(id, "database.dump")) {
                    in.transferTo(released);
                }
            });
            int chunk = at < HEADER ? 0 : (at - HEADER) / SEALED_CHUNK;
            assertTrue(released.size() <= chunk * CHUNK, "byte " + at + ": " + released.size() + " bytes released");
            assertArrayEquals(Arrays.copyOf(dump, released.size()), released.toByteArray(), "only genuine bytes");
            assertOneProblemNaming("database.dump", id, "cannot be read", "BackupDecryptionException");
            assertArrayEquals(GLOBALS, read(repo, id, "globals.sql"), "the other artifact is untouched");
        }
        Files.write(file, original);
        assertEquals(List.of(), copier.verify(repo, id));
        assertArrayEquals(dump, read(repo, id, "database.dump"));
    }

    @Test
    void aTruncatedEmptiedOrExtendedArtifactFailsToReadAndToVerify() throws IOException {
        byte[] dump = dump("alpha", DUMP_LENGTH);
        Manifest published = publish(repo, T0, files(dump));
        String id = published.id();
        Path file = artifactFile(id, "database.dump");
        byte[] original = Files.readAllBytes(file);
        assertEquals(HEADER + 3 * SEALED_CHUNK + 1234 + 16, original.length);

        Map<String, byte[]> damaged = new LinkedHashMap<>();
        damaged.put("cut after chunk 0", Arrays.copyOf(original, HEADER + SEALED_CHUNK));
        damaged.put("cut after chunk 2 (the final chunk dropped)", Arrays.copyOf(original, HEADER + 3 * SEALED_CHUNK));
        damaged.put("cut inside chunk 1", Arrays.copyOf(original, HEADER + SEALED_CHUNK + 100));
        damaged.put("cut inside the final chunk", Arrays.copyOf(original, original.length - 1));
        damaged.put("cut to the header", Arrays.copyOf(original, HEADER));
        damaged.put("cut inside the header", Arrays.copyOf(original, 10));
        damaged.put("emptied", new byte[0]);
        damaged.put("one byte appended", Arrays.copyOf(original, original.length + 1));
        byte[] twice = Arrays.copyOf(original, original.length + 1250);
        System.arraycopy(original, original.length - 1250, twice, original.length, 1250);
        damaged.put("the final chunk appended again", twice);
        damaged.put("a whole chunk appended", Arrays.copyOf(original, original.length + SEALED_CHUNK));
        for (Map.Entry<String, byte[]> d : damaged.entrySet()) {
            Files.write(file, d.getValue());
            BackupDecryptionException e = refused(() -> read(repo, id, "database.dump"));
            if (d.getKey().startsWith("cut after")) {
                assertTrue(e.getMessage().contains("truncated"), d.getKey() + ": " + e.getMessage());
            }
            assertOneProblemNaming("database.dump", id, "cannot be read", "BackupDecryptionException");
        }
        Files.write(file, original);
        assertEquals(List.of(), copier.verify(repo, id));
    }

    @Test
    void anArtifactSwappedWholeForAnotherBackupsFailsVerification() throws IOException {
        byte[] alpha = dump("alpha", DUMP_LENGTH);
        byte[] bravo = dump("bravo", DUMP_LENGTH);
        Manifest a = publish(repo, T0, files(alpha));
        Manifest b = publish(repo, T0.plusSeconds(86_400), files(bravo));
        Files.copy(artifactFile(a.id(), "database.dump"), artifactFile(b.id(), "database.dump"),
                StandardCopyOption.REPLACE_EXISTING);

        // Decryption alone succeeds: A's artifact is a well-formed artifact under a key we hold, and
        // nothing in its encryption binds it to its backup or its name. Only the plaintext SHA-256
        // that B's sealed manifest records shows that it is not B's.
        assertArrayEquals(alpha, read(repo, b.id(), "database.dump"));
        List<String> problems = copier.verify(repo, b.id());
        seen.addAll(problems);
        assertEquals(List.of("database.dump: sha256 " + sha256(alpha) + ", the manifest says " + sha256(bravo)),
                problems);
        assertEquals(List.of(), copier.verify(repo, a.id()));

        // Two artifacts of one backup swapped with each other: both fail.
        Path dumpFile = artifactFile(a.id(), "database.dump");
        Path globalsFile = artifactFile(a.id(), "globals.sql");
        byte[] dumpBytes = Files.readAllBytes(dumpFile);
        Files.write(dumpFile, Files.readAllBytes(globalsFile));
        Files.write(globalsFile, dumpBytes);
        List<String> swapped = copier.verify(repo, a.id());
        seen.addAll(swapped);
        assertEquals(2, swapped.size(), swapped.toString());
        assertTrue(swapped.get(0).startsWith("database.dump: ") && swapped.get(1).startsWith("globals.sql: "),
                swapped.toString());
    }

    // ------------------------------------------------------------------ 6, 7, 8: manifests tampered with

    @Test
    void aManifestWhoseClearFieldsWereEditedReadsAsItWasWritten() throws IOException {
        Manifest published = publish(repo, T0, files(dump("alpha", 5000)));
        String id = published.id();
        ObjectNode original = storedJson(id);

        Map<String, Consumer<ObjectNode>> edits = new LinkedHashMap<>();
        edits.put("status FAILED", m -> m.put("status", "FAILED").put("failure", "edited"));
        edits.put("status VERIFIED", m -> m.put("status", "VERIFIED").put("verifiedAt", T0.plusSeconds(99).toString()));
        edits.put("keepForever", m -> m.put("keepForever", true));
        edits.put("started", m -> m.put("started", T0.minusSeconds(86_400 * 400).toString()));
        edits.put("ended", m -> m.put("ended", T0.plusSeconds(86_400 * 400).toString()));
        edits.put("kind", m -> m.put("kind", "MONTHLY"));
        edits.put("source and versions", m -> m.put("source", "edited:source").put("toolVersion", "edited 9")
                .put("serverVersion", "edited 9"));
        edits.put("row counts", m -> m.putObject("rowCounts").put("public.edited", 1L));
        edits.put("stored artifact sizes and sha256", m -> {
            for (JsonNode a : m.get("artifacts")) {
                ((ObjectNode) a).put("size", 1L).put("sha256", "0".repeat(64));
            }
        });
        edits.put("all at once", m -> edits.entrySet().stream().filter(e -> !e.getKey().equals("all at once"))
                .forEach(e -> e.getValue().accept(m)));
        for (Map.Entry<String, Consumer<ObjectNode>> edit : edits.entrySet()) {
            ObjectNode edited = original.deepCopy();
            edit.getValue().accept(edited);
            writeStored(id, edited);
            assertNotEquals(Manifest.fromJson(original.toString()), local.find(id).orElseThrow(),
                    edit.getKey() + ": the repository underneath reads the edit");

            assertEquals(Optional.of(published), repo.find(id), edit.getKey());
            assertEquals(List.of(published), repo.list(), edit.getKey());
            assertEquals(List.of(), copier.verify(repo, id), edit.getKey());
        }
        assertEquals(List.of(), log.warnings());
    }

    @Test
    void listIsOldestFirstByTheSealedStartTimeEvenWhenTheClearOneWasEdited() throws IOException {
        Manifest a = publish(repo, T0, files(dump("alpha", 5000)));
        Manifest b = publish(repo, T0.plusSeconds(86_400), files(dump("bravo", 5000)));
        assertEquals(List.of(a, b), repo.list());

        // The clear start of A moved after B's: the repository underneath now lists B first.
        ObjectNode edited = storedJson(a.id());
        edited.put("started", T0.plusSeconds(2 * 86_400).toString());
        writeStored(a.id(), edited);
        assertEquals(List.of(b.id(), a.id()), local.list().stream().map(Manifest::id).collect(Collectors.toList()));

        assertEquals(List.of(a, b), repo.list(), "oldest first by the start time of the manifests it returns");
    }

    @Test
    void aSealedManifestMovedToAnotherBackupIsRefused() throws IOException {
        Manifest a = publish(repo, T0, files(dump("alpha", 5000)));
        Manifest b = publish(repo, T0.plusSeconds(86_400), files(dump("bravo", 5000)));
        ObjectNode aJson = storedJson(a.id());
        ObjectNode bJson = storedJson(b.id());

        // A's sealed copy (and key id) in B's manifest, B's clear fields kept.
        ObjectNode moved = bJson.deepCopy();
        moved.set("encryption", aJson.get("encryption").deepCopy());
        writeStored(b.id(), moved);
        BackupDecryptionException e = refused(() -> repo.find(b.id()), b.id(), a.id(), "moved");
        assertFalse(e.getMessage().isBlank());
        refused(() -> read(repo, b.id(), "database.dump"), b.id());
        refused(() -> copier.verify(repo, b.id()), b.id());
        assertEquals(List.of(a), repo.list());
        assertSkipLogged(b.id());

        // The same with A's clear artifacts too (so the clear manifest is A's but for its id).
        moved.set("artifacts", aJson.get("artifacts").deepCopy());
        writeStored(b.id(), moved);
        refused(() -> repo.find(b.id()), b.id(), "moved");
        assertEquals(List.of(a), repo.list());

        // A's whole manifest.json in B's place: not B, and never A's content under B's id.
        Files.copy(manifestFile(a.id()), manifestFile(b.id()), StandardCopyOption.REPLACE_EXISTING);
        assertNoBackup(b.id());
        assertEquals(List.of(a), repo.list());

        // A's directory renamed to a new id, the clear id edited to match.
        writeStored(b.id(), bJson);
        assertEquals(Optional.of(b), repo.find(b.id()), "B back as it was");
        Files.move(dir.resolve(a.id()), dir.resolve("moved-backup"));
        ObjectNode renamed = storedJson("moved-backup");
        renamed.put("id", "moved-backup");
        writeStored("moved-backup", renamed);
        assertEquals("moved-backup", local.find("moved-backup").orElseThrow().id());
        refused(() -> repo.find("moved-backup"), "moved-backup", a.id(), "moved");
        assertEquals(List.of(b), repo.list());
    }

    @Test
    void anAlteredSealedCopyIsRefusedWhereverItWasChanged() throws IOException {
        Manifest published = publish(repo, T0, files(dump("alpha", 5000)));
        String id = published.id();
        ObjectNode original = storedJson(id);
        String sealed = original.get("encryption").get("sealed").asText();
        byte[] sealedBytes = Base64.getDecoder().decode(sealed);

        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < sealed.length(); i += i < 80 ? 1 : 7) {
            positions.add(i);
        }
        for (int i = Math.max(0, sealed.length() - 4); i < sealed.length(); i++) {
            positions.add(i);
        }
        int refusals = 0;
        for (int at : positions) {
            char c = sealed.charAt(at);
            String altered = sealed.substring(0, at) + (c == 'A' ? 'B' : 'A') + sealed.substring(at + 1);
            writeStored(id, withSealed(original, altered));
            if (Arrays.equals(sealedBytes, decodeOrNull(altered))) {
                // Only the unused low bits of the last base64 character: the same sealed bytes.
                assertEquals(Optional.of(published), repo.find(id), "character " + at);
                continue;
            }
            refused(() -> repo.find(id), id);
            refusals++;
            if (at % 50 == 0) {
                assertEquals(List.of(), repo.list(), "character " + at);
            }
        }
        assertTrue(refusals >= positions.size() - 2, refusals + " of " + positions.size());

        writeStored(id, withSealed(original, sealed.substring(0, 10) + "*" + sealed.substring(11)));
        refused(() -> repo.find(id), id, "not valid base64");
        writeStored(id, withSealed(original, sealed.substring(0, sealed.length() / 2)));
        refused(() -> repo.find(id), id);
        writeStored(id, withSealed(original, ""));
        refused(() -> repo.find(id), id);
        writeStored(id, withSealed(original, Base64.getEncoder().encodeToString(Arrays.copyOf(sealedBytes,
                sealedBytes.length - 1))));
        refused(() -> repo.find(id), id);
        assertEquals(List.of(), repo.list());
        assertSkipLogged(id);

        writeStored(id, original);
        assertEquals(List.of(published), repo.list(), "the original back reads again");
    }

    @Test
    void aManifestWithoutItsSealedCopyIsRefused() throws IOException {
        Manifest published = publish(repo, T0, files(dump("alpha", 5000)));
        String id = published.id();
        ObjectNode original = storedJson(id);

        ObjectNode noSealed = original.deepCopy();
        ((ObjectNode) noSealed.get("encryption")).remove("sealed");
        writeStored(id, noSealed);
        refused(() -> repo.find(id), id, "not encrypted");
        refused(() -> read(repo, id, "database.dump"), id, "not encrypted");
        assertEquals(List.of(), repo.list());

        ObjectNode noEncryption = original.deepCopy();
        noEncryption.remove("encryption");
        writeStored(id, noEncryption);
        refused(() -> repo.find(id), id, "not encrypted");
        assertEquals(List.of(), repo.list());

        // The attacker writes the plain manifest itself, as an unencrypted repository would.
        Files.writeString(manifestFile(id), published.toJson());
        assertEquals(Optional.of(published), local.find(id));
        refused(() -> repo.find(id), id, "not encrypted");
        assertEquals(List.of(), repo.list());
        assertSkipLogged(id);
    }

    @Test
    void aManifestWithoutItsKeyIdIsRefusedAndSkippedNotACrash() throws IOException {
        Manifest a = publish(repo, T0, files(dump("alpha", 5000)));
        Manifest b = publish(repo, T0.plusSeconds(86_400), files(dump("bravo", 5000)));
        ObjectNode edited = storedJson(b.id());
        ((ObjectNode) edited.get("encryption")).remove("keyId");
        writeStored(b.id(), edited);

        assertEquals(Optional.empty(), repo.keyId(b.id()), "the stored manifest names no key");
        assertAll(
                () -> refused(() -> repo.find(b.id()), b.id()),
                () -> refused(() -> read(repo, b.id(), "database.dump"), b.id()),
                () -> assertEquals(List.of(a), repo.list(), "one altered manifest does not stop the listing of the others"));
    }

    @Test
    void aManifestNamingAnotherHeldKeyThanItWasSealedUnderIsRefused() throws IOException {
        Manifest published = publish(repo, T0, files(dump("alpha", 5000)));
        EncryptedBackupRepository rotated = EncryptedBackupRepository.wrap(local, keys.rotateTo("k2", K2));
        shown.add(rotated);
        ObjectNode edited = storedJson(published.id());
        ((ObjectNode) edited.get("encryption")).put("keyId", "k2");
        writeStored(published.id(), edited);
        assertEquals(Optional.of("k2"), rotated.keyId(published.id()), "the clear key id, as stored");
        refused(() -> rotated.find(published.id()), published.id(), "k2", "k1");
        assertEquals(List.of(), rotated.list());
    }

    // ------------------------------------------------------------------ 9, 10: keys

    @Test
    void theWrongKeyIsRefusedNamingTheKey() throws IOException {
        byte[] dump = dump("alpha", 5000);
        Manifest published = publish(repo, T0, files(dump));
        String id = published.id();

        EncryptedBackupRepository impostor = EncryptedBackupRepository.wrap(local, BackupKeys.of("k1", WRONG));
        shown.add(impostor);
        refused(() -> impostor.find(id), id, "'k1'");
        refused(() -> read(impostor, id, "database.dump"), id, "'k1'");
        refused(() -> copier.verify(impostor, id));
        assertEquals(List.of(), impostor.list());
        assertSkipLogged(id);
        // The artifact itself fails under the wrong key too (opened past the manifest).
        refused(() -> {
            try (InputStream in = BackupEncryption.decrypt(Files.newInputStream(artifactFile(id, "database.dump")),
                    BackupKeys.of("k1", WRONG))) {
                in.readAllBytes();
            }
        }, "'k1'");

        EncryptedBackupRepository otherId = EncryptedBackupRepository.wrap(local, BackupKeys.of("k9", K1));
        shown.add(otherId);
        refused(() -> otherId.find(id), id, "'k1'", "not held");
        refused(() -> read(otherId, id, "database.dump"), id, "'k1'", "not held");
        assertEquals(List.of(), otherId.list());

        assertEquals(Optional.of(published), repo.find(id), "nothing was damaged");
        assertArrayEquals(dump, read(repo, id, "database.dump"));
    }

    @Test
    void rotationWritesUnderTheNewKeyAndOldBackupsReadUntilTheirKeyIsDropped() throws IOException {
        byte[] alpha = dump("alpha", DUMP_LENGTH);
        byte[] bravo = dump("bravo", DUMP_LENGTH);
        Manifest b1 = publish(repo, T0, files(alpha));
        BackupKeys rotated = keys.rotateTo("k2", K2);
        EncryptedBackupRepository r2 = EncryptedBackupRepository.wrap(local, () -> rotated);
        shown.add(r2);
        shown.add(rotated);
        Manifest b2 = publish(r2, T0.plusSeconds(86_400), files(bravo));

        assertEquals(Optional.of("k1"), r2.keyId(b1.id()));
        assertEquals(Optional.of("k2"), r2.keyId(b2.id()));
        assertEquals(Optional.of("k2"), local.find(b2.id()).orElseThrow().encryptionKeyId());
        assertEquals("k1", artifactKeyId(b1.id(), "database.dump"));
        assertEquals("k2", artifactKeyId(b2.id(), "database.dump"));
        assertEquals("k2", artifactKeyId(b2.id(), "globals.sql"));
        assertEquals("k2", sealedKeyId(b2.id()));
        assertArrayEquals(alpha, read(r2, b1.id(), "database.dump"));
        assertArrayEquals(bravo, read(r2, b2.id(), "database.dump"));
        assertEquals(List.of(), copier.verify(r2, b1.id()));
        assertEquals(List.of(), copier.verify(r2, b2.id()));
        assertEquals(List.of(b1, b2), r2.list());
        // Only k1 held: the new backup is refused, naming its key.
        refused(() -> repo.find(b2.id()), b2.id(), "'k2'");
        assertEquals(List.of(b1), repo.list());

        // An update of the old backup stays under its own key, not the current one.
        Manifest kept = b1.keepForever(true);
        r2.update(kept);
        assertEquals(Optional.of("k1"), r2.keyId(b1.id()));
        assertEquals("k1", sealedKeyId(b1.id()));
        assertTrue(local.find(b1.id()).orElseThrow().isKeptForever());
        assertEquals(Optional.of(kept), r2.find(b1.id()));
        assertEquals(Optional.of(kept), repo.find(b1.id()), "still readable with k1 alone");
        assertArrayEquals(alpha, read(r2, b1.id(), "database.dump"));
        assertEquals(List.of(), copier.verify(r2, b1.id()));

        // k1 dropped: backup 1 is unreadable, naming k1; backup 2 still reads.
        BackupKeys dropped = rotated.without("k1");
        EncryptedBackupRepository r3 = EncryptedBackupRepository.wrap(local, dropped);
        shown.add(r3);
        shown.add(dropped);
        refused(() -> r3.find(b1.id()), b1.id(), "'k1'", "not held");
        refused(() -> read(r3, b1.id(), "database.dump"), b1.id(), "'k1'");
        refused(() -> copier.verify(r3, b1.id()), "'k1'");
        assertEquals(List.of(b2), r3.list());
        assertSkipLogged(b1.id());
        assertArrayEquals(bravo, read(r3, b2.id(), "database.dump"));
        assertEquals(List.of(), copier.verify(r3, b2.id()));
    }

    @Test
    void aSupplierThatRotatesTakesEffectAtTheNextBackupWithoutRewrapping() throws IOException {
        AtomicReference<BackupKeys> current = new AtomicReference<>(keys);
        EncryptedBackupRepository rotating = EncryptedBackupRepository.wrap(local, current::get);
        shown.add(rotating);
        byte[] alpha = dump("alpha", 5000);
        byte[] bravo = dump("bravo", 5000);
        byte[] charlie = dump("charlie", 5000);

        Manifest b1 = publish(rotating, T0, files(alpha));
        BackupKeys withK2 = keys.rotateTo("k2", K2);
        current.set(withK2);
        Manifest b2 = publish(rotating, T0.plusSeconds(86_400), files(bravo));
        assertEquals(Optional.of("k1"), rotating.keyId(b1.id()));
        assertEquals(Optional.of("k2"), rotating.keyId(b2.id()));
        assertEquals("k2", artifactKeyId(b2.id(), "database.dump"));
        assertEquals(List.of(b1, b2), rotating.list());

        // A backup begun under k2 and finished after a rotation to k3 is all under k2.
        Manifest running = Manifest.start(SOURCE, BackupKind.DAILY, T0.plusSeconds(2 * 86_400));
        Manifest b3;
        try (BackupRepository.Staging staging = rotating.begin(running)) {
            BackupKeys withK3 = withK2.rotateTo("k3", K3);
            current.set(withK3);
            shown.add(withK3);
            try (OutputStream out = staging.open("database.dump")) {
                out.write(charlie);
            }
            b3 = staging.publish(running.complete(running.started().plusSeconds(60), staging.artifacts(), INFO));
        }
        assertEquals(Optional.of("k2"), rotating.keyId(b3.id()));
        assertEquals("k2", artifactKeyId(b3.id(), "database.dump"));
        assertEquals("k2", sealedKeyId(b3.id()));
        assertArrayEquals(charlie, read(rotating, b3.id(), "database.dump"));
        Manifest b4 = publish(rotating, T0.plusSeconds(3 * 86_400), files(alpha));
        assertEquals(Optional.of("k3"), rotating.keyId(b4.id()));

        current.set(current.get().without("k1"));
        refused(() -> rotating.find(b1.id()), b1.id(), "'k1'");
        assertEquals(List.of(b2, b3, b4), rotating.list());
        assertArrayEquals(bravo, read(rotating, b2.id(), "database.dump"));
        assertEquals(List.of(), copier.verify(rotating, b4.id()));
    }

    // ------------------------------------------------------------------ 11, 12: update, failed backups

    @Test
    void anUpdateCannotChangeTheArtifacts() throws IOException {
        Manifest published = publish(repo, T0, files(dump("alpha", 5000)));
        String id = published.id();
        String before = Files.readString(manifestFile(id));
        Instant ended = published.ended().orElseThrow();
        List<Artifact> artifacts = published.artifacts();
        Artifact first = artifacts.get(0);

        Map<String, List<Artifact>> changes = new LinkedHashMap<>();
        changes.put("a sha256 changed", List.of(new Artifact(first.name(), first.size(), "ab".repeat(32)),
                artifacts.get(1)));
        changes.put("a size changed", List.of(new Artifact(first.name(), first.size() + 1, first.sha256()),
                artifacts.get(1)));
        changes.put("one dropped", List.of(artifacts.get(1)));
        changes.put("one added", List.of(first, artifacts.get(1), new Artifact("extra.bin", 1, "cd".repeat(32))));
        changes.put("none", List.of());
        changes.put("the stored (encrypted) ones", local.find(id).orElseThrow().artifacts());
        for (Map.Entry<String, List<Artifact>> change : changes.entrySet()) {
            Manifest changed = published.complete(ended, change.getValue(), INFO).keepForever(true);
            BackupException e = assertThrows(BackupException.class, () -> repo.update(changed), change.getKey());
            record(e);
            assertTrue(e.getMessage().contains("cannot change its artifacts"), change.getKey() + ": " + e.getMessage());
            assertEquals(before, Files.readString(manifestFile(id)), change.getKey() + ": nothing written");
            assertEquals(Optional.of(published), repo.find(id), change.getKey());
        }
        assertThrows(BackupException.class, () -> repo.update(Manifest.fromJson(published.toJson()
                .replace("\"COMPLETE\"", "\"RUNNING\""))));
        assertEquals(before, Files.readString(manifestFile(id)));

        Manifest kept = published.keepForever(true);
        repo.update(kept);
        assertEquals(Optional.of(kept), repo.find(id), "the same artifacts: the update goes through");
    }

    @Test
    void aFailedBackupIsListedWithItsReasonWhichIsNotStored() throws IOException {
        String reason = "pg_dump: error: query failed: permission denied for table public.payroll_q7x";
        Manifest running = Manifest.start(SOURCE, BackupKind.DAILY, T0);
        Manifest failed = running.failed(T0.plusSeconds(300), reason);
        try (BackupRepository.Staging staging = repo.begin(running)) {
            try (OutputStream out = staging.open("database.dump")) {
                out.write(dump("alpha", 2 * CHUNK + 10));
            }
            staging.fail(failed);
        }

        assertEquals(List.of(failed), repo.list());
        Manifest listed = repo.list().get(0);
        assertEquals(BackupStatus.FAILED, listed.status());
        assertEquals(Optional.of(reason), listed.failure());
        assertEquals(SOURCE, listed.source());
        assertEquals(Optional.of(failed), repo.find(running.id()));

        assertEquals(List.of(), leaks(reason, "payroll_q7x", "permission denied", "pg_dump", SOURCE, MARKER, TABLE));
        assertEquals(List.of("FAILED"), leaks("FAILED"), "the status is in the clear");
        assertEquals(Set.of("manifest.json"), names(dir.resolve(running.id())));
        Manifest stored = local.find(running.id()).orElseThrow();
        assertEquals(BackupStatus.FAILED, stored.status());
        assertEquals(Optional.of("encrypted: see the sealed manifest"), stored.failure());
        assertEquals(Optional.of("k1"), stored.encryptionKeyId());

        List<String> problems = copier.verify(repo, running.id());
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("FAILED") && problems.get(0).contains(reason), problems.get(0));
    }

    // ------------------------------------------------------------------ 13: key material

    @Test
    void keyMaterialIsInNoExceptionMessageAndNotInToString() throws IOException {
        Manifest published = publish(repo, T0, files(dump("alpha", 5000)));
        String id = published.id();
        BackupKeys all = keys.rotateTo("k2", K2).rotateTo("k3", K3);
        for (BackupKeys k : List.of(BackupKeys.of("k1", WRONG), BackupKeys.of("k2", K1), all.without("k1"))) {
            EncryptedBackupRepository r = EncryptedBackupRepository.wrap(local, k);
            shown.add(r);
            shown.add(k);
            refused(() -> r.find(id));
            refused(() -> read(r, id, "database.dump"));
            assertEquals(List.of(), r.list());
        }
        Path file = artifactFile(id, "database.dump");
        byte[] original = Files.readAllBytes(file);
        byte[] bad = original.clone();
        bad[HEADER + 3] ^= 1;
        Files.write(file, bad);
        refused(() -> read(repo, id, "database.dump"));
        Files.write(file, Arrays.copyOf(original, HEADER + 5));
        refused(() -> read(repo, id, "database.dump"));
        Files.write(file, original);
        ObjectNode json = storedJson(id);
        writeStored(id, withSealed(json, "AAAA" + json.get("encryption").get("sealed").asText().substring(4)));
        refused(() -> repo.find(id));
        record(assertThrows(IllegalArgumentException.class, () -> EncryptedBackupRepository.wrap(repo, keys)));

        assertTrue(seen.size() >= 8, seen.toString());
        assertTrue(repo.toString().contains("LocalBackupRepository["), repo.toString());
        for (Object o : List.of(repo, keys, all, repo.name())) {
            String text = String.valueOf(o);
            for (String secret : keyForms()) {
                assertFalse(text.contains(secret), text);
            }
        }
        for (String message : seen) {
            for (String secret : keyForms()) {
                assertFalse(message.contains(secret), message);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] key(int seed) {
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new Random(seed).nextBytes(key);
        return key;
    }

    /** Every way a test key could be written out: whole and the first half, hex, base64, as an array. */
    private static List<String> keyForms() {
        List<String> forms = new ArrayList<>();
        for (byte[] key : List.of(K1, K2, K3, WRONG)) {
            for (byte[] part : List.of(key, Arrays.copyOf(key, 8))) {
                String hex = HexFormat.of().formatHex(part);
                forms.add(hex);
                forms.add(hex.toUpperCase(Locale.ROOT));
                forms.add(Base64.getEncoder().withoutPadding().encodeToString(part));
                forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(part));
            }
            forms.add(Arrays.toString(key));
            forms.add(Arrays.toString(Arrays.copyOf(key, 8)).replace("]", ""));
        }
        return forms;
    }

    /** A plausible dump: a COPY of {@link #TABLE} and rows carrying the marker and {@code tag}. */
    private static byte[] dump(String tag, int length) {
        StringBuilder s = new StringBuilder("-- PostgreSQL database dump\nCOPY " + TABLE + " (id, note, email) FROM stdin;\n");
        for (int row = 0; s.length() < length; row++) {
            s.append(String.format(Locale.ROOT, "%08d\t%s-%s\tcustomer%08d@example.com\n", row, MARKER, tag, row));
        }
        return Arrays.copyOf(s.toString().getBytes(StandardCharsets.UTF_8), length);
    }

    private static Map<String, byte[]> files(byte[] dump) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("database.dump", dump);
        files.put("globals.sql", GLOBALS);
        return files;
    }

    /** Writes {@code files} (in pieces) and publishes them as a backup of {@link #SOURCE} started at {@code started}. */
    private static Manifest publish(BackupRepository repository, Instant started, Map<String, byte[]> files)
            throws IOException {
        Manifest running = Manifest.start(SOURCE, BackupKind.DAILY, started);
        try (BackupRepository.Staging staging = repository.begin(running)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                try (OutputStream out = staging.open(file.getKey())) {
                    byte[] b = file.getValue();
                    for (int at = 0; at < b.length; at += 10_000) {
                        out.write(b, at, Math.min(10_000, b.length - at));
                    }
                }
            }
            return staging.publish(running.complete(started.plusSeconds(60), staging.artifacts(), INFO));
        }
    }

    private static long encryptedSize(long plain) {
        return HEADER + plain + 16L * Math.max(1, (plain + CHUNK - 1) / CHUNK);
    }

    private static Set<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static byte[] read(BackupRepository repository, String id, String artifact) throws IOException {
        try (InputStream in = repository.open(id, artifact)) {
            return in.readAllBytes();
        }
    }

    private Path artifactFile(String id, String artifact) {
        return dir.resolve(id).resolve(artifact);
    }

    private Path manifestFile(String id) {
        return dir.resolve(id).resolve("manifest.json");
    }

    private ObjectNode storedJson(String id) throws IOException {
        return (ObjectNode) JSON.readTree(Files.readString(manifestFile(id)));
    }

    private void writeStored(String id, JsonNode manifest) throws IOException {
        Files.writeString(manifestFile(id), JSON.writeValueAsString(manifest));
    }

    private static ObjectNode withSealed(ObjectNode stored, String sealed) {
        ObjectNode copy = stored.deepCopy();
        ((ObjectNode) copy.get("encryption")).put("sealed", sealed);
        return copy;
    }

    private static byte[] decodeOrNull(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private String artifactKeyId(String id, String artifact) throws IOException {
        try (InputStream in = Files.newInputStream(artifactFile(id, artifact))) {
            return BackupEncryption.keyId(in);
        }
    }

    /** The key id in the header of the sealed copy of {@code id}'s stored manifest. */
    private String sealedKeyId(String id) throws IOException {
        String sealed = storedJson(id).get("encryption").get("sealed").asText();
        return BackupEncryption.keyId(new ByteArrayInputStream(Base64.getDecoder().decode(sealed)));
    }

    /** The needles found in any file under the repository directory, as UTF-8 bytes. */
    private List<String> leaks(String... needles) throws IOException {
        List<String> found = new ArrayList<>();
        for (String needle : needles) {
            if (anyFileContains(needle.getBytes(StandardCharsets.UTF_8))) {
                found.add(needle);
            }
        }
        return found;
    }

    private boolean anyFileContains(byte[] needle) throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.walk(dir)) {
            files = all.filter(Files::isRegularFile).collect(Collectors.toList());
        }
        assertFalse(files.isEmpty(), "nothing stored");
        for (Path file : files) {
            if (indexOf(Files.readAllBytes(file), needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Asserts that {@code action} throws a {@link BackupDecryptionException} whose message names each of {@code mentions}. */
    private BackupDecryptionException refused(Executable action, String... mentions) {
        BackupDecryptionException e = assertThrows(BackupDecryptionException.class, action);
        record(e);
        for (String mention : mentions) {
            assertTrue(e.getMessage().contains(mention), "expected '" + mention + "' in: " + e.getMessage());
        }
        return e;
    }

    private void record(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            seen.add(String.valueOf(t.getMessage()));
            seen.add(t.toString());
            for (Throwable s : t.getSuppressed()) {
                record(s);
            }
        }
    }

    private void assertOneProblemNaming(String artifact, String id, String... mentions) {
        List<String> problems = copier.verify(repo, id);
        seen.addAll(problems);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(artifact + ": "), problems.get(0));
        for (String mention : mentions) {
            assertTrue(problems.get(0).contains(mention), problems.get(0));
        }
    }

    private void assertNoBackup(String id) {
        try {
            assertEquals(Optional.empty(), repo.find(id));
        } catch (BackupDecryptionException e) {
            record(e);
        }
    }

    private void assertSkipLogged(String id) {
        assertTrue(log.warnings().stream().anyMatch(w -> w.contains("skipping backup " + id)), log.warnings().toString());
    }
}
