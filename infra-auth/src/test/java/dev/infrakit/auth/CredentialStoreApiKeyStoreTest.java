package dev.infrakit.auth;

import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.core.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the API key store over an encrypted file credential store adds (the store contract runs in
 * infra-test's CredentialStoreApiKeyStoreContractTest).
 */
class CredentialStoreApiKeyStoreTest {
    private final MasterKey master = MasterKey.generate();
    private final List<FileCredentialStore> opened = new ArrayList<>();
    @TempDir
    Path dir;

    private FileCredentialStore files() {
        FileCredentialStore files = FileCredentialStore.directory(dir, KeyRing.of(master)).build();
        opened.add(files);
        return files;
    }

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    /** A fresh store for each test (the contract kit's run is in infra-test). */
    private ApiKeyStore store;
    /** The service over {@link #store}, on {@link #clock}. */
    private ApiKeys apiKeys;

    @BeforeEach
    void openStore() throws Exception {
        store = createStore();
        apiKeys = ApiKeys.builder(store).clock(clock).build();
    }

    private ApiKeyStore createStore() {
        return CredentialStoreApiKeyStore.create(files());
    }

    @AfterEach
    void closeStores() {
        opened.forEach(FileCredentialStore::close);
    }

    @Test
    void keysSurviveReopeningTheStoreAndNoKeyMaterialIsWrittenInTheClear() throws Exception {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "nightly export", null);
        apiKeys.revoke(issued.keyId());

        ApiKeys reopened = ApiKeys.builder(CredentialStoreApiKeyStore.create(files())).clock(clock).build();
        ApiKeyRecord record = reopened.list("svc").get(0);
        assertEquals(issued.keyId(), record.keyId());
        assertEquals("nightly export", record.name());
        assertTrue(record.isRevoked());
        assertFalse(reopened.verify(issued.key()).ok());

        try (Stream<Path> all = Files.walk(dir)) {
            for (Path file : all.filter(Files::isRegularFile).toArray(Path[]::new)) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertFalse(content.contains("svc") || content.contains("nightly"), file + " holds a record in the clear");
            }
        }
    }

    @Test
    void onlyTheNewestVersionOfARecordIsKept() {
        FileCredentialStore files = files();
        CredentialStoreApiKeyStore keys = CredentialStoreApiKeyStore.create(files);
        ApiKeys service = ApiKeys.builder(keys).clock(clock).build();
        NewApiKey issued = service.create("svc", Set.of(), "", null);
        for (int i = 0; i < 5; i++) {
            clock.advance(java.time.Duration.ofMinutes(2));
            assertTrue(service.verify(issued.key()).ok());
        }
        assertEquals(1, files.metadata("apikeys/" + issued.keyId()).orElseThrow().versions().stream()
                .filter(v -> v.readable()).count());
    }

    @Test
    void twoStoresOnOneDirectoryRevokeAndTouchAtomically() throws Exception {
        CredentialStoreApiKeyStore a = CredentialStoreApiKeyStore.create(files());
        CredentialStoreApiKeyStore b = CredentialStoreApiKeyStore.create(files());
        NewApiKey issued = ApiKeys.builder(a).clock(clock).build().create("svc", Set.of("r"), "", null);
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> revokes = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                CredentialStoreApiKeyStore store = i % 2 == 0 ? a : b;
                Instant at = Instant.parse("2026-02-01T00:00:00Z").plusSeconds(i);
                Callable<Boolean> revoke = () -> {
                    start.await(10, TimeUnit.SECONDS);
                    store.touch(issued.keyId(), at);
                    return store.revoke(issued.keyId(), at);
                };
                revokes.add(pool.submit(revoke));
            }
            int won = 0;
            for (Future<Boolean> f : revokes) {
                won += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, won, "exactly one revocation wins");
            ApiKeyRecord record = b.find(issued.keyId()).orElseThrow();
            assertTrue(record.isRevoked());
            assertTrue(record.lastUsedAt().isPresent());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Two stores on one directory (as two processes would have; each has its own in-process lock)
     * create keys for one subject from eight threads, 10 rounds, cap 3: the marker's check-and-set
     * keeps exactly 3 per subject.
     */
    @Test
    void twoStoresOnOneDirectoryNeverPassTheCapTogether() throws Exception {
        CredentialStoreApiKeyStore a = CredentialStoreApiKeyStore.create(files());
        CredentialStoreApiKeyStore b = CredentialStoreApiKeyStore.create(files());
        Instant t = Instant.parse("2026-02-01T00:00:00Z");
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        int threads = 8;
        int rounds = 10;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int thread = i;
                CredentialStoreApiKeyStore store = i % 2 == 0 ? a : b;
                Callable<Void> worker = () -> {
                    for (int r = 0; r < rounds; r++) {
                        start.await(30, TimeUnit.SECONDS);
                        String keyId = "m" + alphabet.charAt(r) + alphabet.charAt(thread) + "aaaaaaaaa";
                        store.insertWithin(new ApiKeyRecord(keyId, new byte[32], "user" + r, Set.of(), "", t, null,
                                null, null), 3, t);
                    }
                    return null;
                };
                workers.add(pool.submit(worker));
            }
            for (Future<Void> w : workers) {
                w.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int r = 0; r < rounds; r++) {
            assertEquals(3, a.list("user" + r).size(), "user" + r);
            assertEquals(3, b.countLive("user" + r, t), "user" + r);
        }
    }

    @Test
    void aDamagedRecordIsAnErrorNamingTheKeyIdNotAnUnknownKey() {
        FileCredentialStore files = files();
        CredentialStoreApiKeyStore keys = CredentialStoreApiKeyStore.create(files);
        files.put("apikeys/abcdefghijkl", SecretValue.ofBytes("{\"keyId\":\"abcdefghijkl\"}".getBytes(StandardCharsets.UTF_8)));
        CredentialException e = assertThrows(CredentialException.class, () -> keys.find("abcdefghijkl"));
        assertTrue(e.getMessage().contains("abcdefghijkl") && e.getMessage().contains("sha256"), e.getMessage());

        files.put("apikeys/bcdefghijklm", SecretValue.ofBytes("not json".getBytes(StandardCharsets.UTF_8)));
        e = assertThrows(CredentialException.class, () -> keys.find("bcdefghijklm"));
        assertTrue(e.getMessage().contains("bcdefghijklm"), e.getMessage());
    }

    @Test
    void namesOutsideTheKeyIdAlphabetAreUnknownAndThePrefixMustEndWithASlash() {
        CredentialStoreApiKeyStore keys = CredentialStoreApiKeyStore.create(files(), "billing/keys/");
        assertTrue(keys.find("../../etc").isEmpty());
        assertFalse(keys.revoke("NOT-A-KEY", Instant.EPOCH));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CredentialStoreApiKeyStore.create(files(), "apikeys"));
        assertTrue(e.getMessage().contains("'apikeys'"), e.getMessage());
    }
}
