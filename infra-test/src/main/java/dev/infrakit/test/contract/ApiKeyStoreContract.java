package dev.infrakit.test.contract;

import dev.infrakit.core.ManualClock;
import dev.infrakit.auth.ApiKeyRecord;
import dev.infrakit.auth.ApiKeyStore;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.NewApiKey;
import dev.infrakit.auth.Principal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link ApiKeyStore} implementations: the store's own operations (insert
 * once, find, list oldest first, revoke keeping the first time, touch moving only forward, delete,
 * times to the microsecond) and {@link ApiKeys} over the store (create, verify, wrong secrets,
 * expiry, revocation, the last-use throttle, and many threads verifying one key while its last use
 * is written), and the operations behind the per-subject cap of live keys (counting live keys,
 * inserting within the cap, exactly the cap stored when many threads create at once, and
 * {@link ApiKeys}' refusal of a create over it). Extend it and return a fresh, empty store:
 *
 * <pre>{@code
 * class DynamoApiKeyStoreTest extends ApiKeyStoreContract {
 *     protected ApiKeyStore createStore() {
 *         return DynamoApiKeyStore.create(freshTable());
 *     }
 * }
 * }</pre>
 */
public abstract class ApiKeyStoreContract {
    /** The clock {@link #apiKeys} runs on. */
    protected final ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    /** The store under test, wrapped to count writes of the last-use time. */
    protected CountingStore store;
    /** The service over {@link #store}, on {@link #clock}, with the default one-minute last-use granularity. */
    protected ApiKeys apiKeys;

    /** For subclasses. */
    protected ApiKeyStoreContract() {
    }

    /** A fresh, empty store. */
    protected abstract ApiKeyStore createStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = new CountingStore(createStore());
        apiKeys = ApiKeys.builder(store).clock(clock).build();
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static String secretOf(String key) {
        return key.substring(key.length() - 43);
    }

    private static ApiKeyRecord record(String keyId, String subject, Instant created) throws Exception {
        return new ApiKeyRecord(keyId, sha256(keyId.getBytes(java.nio.charset.StandardCharsets.UTF_8)), subject,
                Set.of("reader"), "test key", created, null, null, null);
    }

    // ApiKeys over the store.

    @Test
    void aCreatedKeyVerifiesAsItsSubjectAndRolesWithTheKeyIdAndExpiry() throws Exception {
        NewApiKey issued = apiKeys.create("billing-exporter", Set.of("partner", "reader"), "nightly export",
                Duration.ofDays(30));

        assertTrue(issued.key().matches("ik_[a-z2-7]{12}_[A-Za-z0-9_-]{43}"), "the key's format");
        assertEquals("ik_" + issued.keyId() + "_", issued.key().substring(0, 16));
        ApiKeyRecord stored = store.find(issued.keyId()).orElseThrow();
        assertEquals(issued.record(), stored);
        assertEquals(clock.instant(), stored.createdAt());
        assertEquals(Optional.of(clock.instant().plus(Duration.ofDays(30))), stored.expiresAt());
        assertArrayEquals(sha256(Base64.getUrlDecoder().decode(secretOf(issued.key()))), stored.secretHash(),
                "only the SHA-256 of the secret's bytes is stored");

        AuthResult result = apiKeys.verify(issued.key());
        assertTrue(result.ok(), result.toString());
        Principal p = result.principal();
        assertEquals("billing-exporter", p.subject());
        assertEquals(Set.of("partner", "reader"), p.roles());
        assertEquals(Principal.Method.API_KEY, p.method());
        assertEquals(Optional.of(issued.keyId()), p.credentialId());
        assertEquals(stored.expiresAt(), p.expiresAt());
    }

    @Test
    void aKeyWithoutValidityNeverExpires() {
        NewApiKey issued = apiKeys.create("svc", Set.of(), "", null);
        assertEquals(Optional.empty(), issued.record().expiresAt());
        clock.advance(Duration.ofDays(3650));
        AuthResult result = apiKeys.verify(issued.key());
        assertTrue(result.ok(), result.toString());
        assertEquals(Optional.empty(), result.principal().expiresAt());
        assertEquals(Set.of(), result.principal().roles());
    }

    @Test
    void aWrongSecretForAKnownIdIsRefusedExactlyLikeAnUnknownId() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        NewApiKey other = apiKeys.create("svc", Set.of("reader"), "k2", null);
        String wrongSecret = "ik_" + issued.keyId() + "_" + secretOf(other.key());
        String unknownId = "ik_" + "a".repeat(12) + "_" + secretOf(issued.key());

        AuthResult wrong = apiKeys.verify(wrongSecret);
        AuthResult unknown = apiKeys.verify(unknownId);

        assertEquals(Optional.of(AuthResult.Failure.UNKNOWN_KEY), wrong.failure());
        assertEquals(Optional.of(AuthResult.Failure.UNKNOWN_KEY), unknown.failure());
        assertEquals(wrong.detail().replace(issued.keyId(), "<id>"), unknown.detail().replace("a".repeat(12), "<id>"),
                "the same answer, so it does not tell which ids exist");
        assertTrue(apiKeys.verify(issued.key()).ok(), "the right key still verifies");
    }

    @Test
    void aKeyExpiresAtItsExpiryInstant() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "short", Duration.ofHours(1));
        clock.advance(Duration.ofHours(1).minusNanos(1000));
        assertTrue(apiKeys.verify(issued.key()).ok(), "valid a microsecond before");
        clock.advance(Duration.ofNanos(1000));
        AuthResult expired = apiKeys.verify(issued.key());
        assertEquals(Optional.of(AuthResult.Failure.EXPIRED), expired.failure());
        assertTrue(expired.detail().contains(issued.keyId()), expired.detail());
    }

    @Test
    void aRevokedKeyIsRefusedAndRevokingTwiceKeepsTheFirstTime() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        Instant revokedAt = clock.instant().plusSeconds(5);
        clock.advance(Duration.ofSeconds(5));
        assertTrue(apiKeys.revoke(issued.keyId()));
        clock.advance(Duration.ofSeconds(5));
        assertFalse(apiKeys.revoke(issued.keyId()), "already revoked");
        assertFalse(apiKeys.revoke("b".repeat(12)), "no such key");

        assertEquals(Optional.of(revokedAt), store.find(issued.keyId()).orElseThrow().revokedAt());
        assertEquals(Optional.of(AuthResult.Failure.REVOKED), apiKeys.verify(issued.key()).failure());
    }

    @Test
    void aRevokedKeyWithAWrongSecretIsStillUnknown() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        NewApiKey other = apiKeys.create("svc", Set.of("reader"), "k2", null);
        apiKeys.revoke(issued.keyId());
        assertEquals(Optional.of(AuthResult.Failure.UNKNOWN_KEY),
                apiKeys.verify("ik_" + issued.keyId() + "_" + secretOf(other.key())).failure(),
                "the state of a key is only told to someone holding its secret");
    }

    @Test
    void aDeletedKeyIsUnknown() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        assertTrue(store.delete(issued.keyId()));
        assertFalse(store.delete(issued.keyId()));
        assertEquals(Optional.empty(), store.find(issued.keyId()));
        assertEquals(Optional.of(AuthResult.Failure.UNKNOWN_KEY), apiKeys.verify(issued.key()).failure());
    }

    @Test
    void theLastUseIsWrittenAtMostOncePerGranularity() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        Instant first = clock.instant();
        assertEquals(Optional.empty(), store.find(issued.keyId()).orElseThrow().lastUsedAt());

        for (int i = 0; i < 5; i++) {
            assertTrue(apiKeys.verify(issued.key()).ok());
        }
        assertEquals(1, store.touches.get());
        assertEquals(Optional.of(first), store.find(issued.keyId()).orElseThrow().lastUsedAt());

        clock.advance(Duration.ofSeconds(59));
        assertTrue(apiKeys.verify(issued.key()).ok());
        assertEquals(1, store.touches.get(), "less than a minute later: not written");
        assertEquals(Optional.of(first), store.find(issued.keyId()).orElseThrow().lastUsedAt());

        clock.advance(Duration.ofSeconds(1));
        assertTrue(apiKeys.verify(issued.key()).ok());
        assertEquals(2, store.touches.get());
        assertEquals(Optional.of(first.plusSeconds(60)), store.find(issued.keyId()).orElseThrow().lastUsedAt());
    }

    @Test
    void anotherInstanceSeesTheStoredLastUseAndDoesNotWriteItAgain() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        assertTrue(apiKeys.verify(issued.key()).ok());
        ApiKeys second = ApiKeys.builder(store).clock(clock).build();
        clock.advance(Duration.ofSeconds(30));
        assertTrue(second.verify(issued.key()).ok());
        assertEquals(1, store.touches.get());
    }

    @Test
    void listsASubjectsKeysOldestFirstIncludingRevokedOnes() {
        NewApiKey a = apiKeys.create("alice", Set.of("reader"), "first", null);
        clock.advance(Duration.ofSeconds(1));
        apiKeys.create("bob", Set.of("reader"), "bob's", null);
        NewApiKey b = apiKeys.create("alice", Set.of("writer"), "second", Duration.ofDays(1));
        apiKeys.revoke(a.keyId());

        List<ApiKeyRecord> alice = apiKeys.list("alice");
        assertEquals(List.of(a.keyId(), b.keyId()), alice.stream().map(ApiKeyRecord::keyId).collect(Collectors.toList()));
        assertTrue(alice.get(0).isRevoked());
        assertEquals(b.record(), alice.get(1));
        assertEquals(List.of(), apiKeys.list("carol"));
    }

    // The store's own operations.

    @Test
    void insertStoresOnceAndNeverOverwrites() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00.123456Z");
        ApiKeyRecord first = record("abcdefgh2345", "alice", t);
        assertTrue(store.insert(first));
        ApiKeyRecord clash = new ApiKeyRecord("abcdefgh2345", sha256(new byte[] {1}), "mallory", Set.of("admin"), "",
                t, null, null, null);
        assertFalse(store.insert(clash));
        assertEquals(Optional.of(first), store.find("abcdefgh2345"));
        assertEquals(Optional.empty(), store.find("zzzzzzzzzzzz"));
    }

    @Test
    void everyFieldRoundTripsToTheMicrosecond() throws Exception {
        Instant t = Instant.parse("2026-03-04T05:06:07.891011Z");
        ApiKeyRecord full = new ApiKeyRecord("qrstuvwxyz77", sha256(new byte[] {7}), "svc-ü", Set.of("a", "b:c", "d e"),
                "name with 'quotes' and \"more\"", t, t.plusSeconds(60), null, null);
        assertTrue(store.insert(full));
        assertTrue(store.revoke(full.keyId(), t.plusSeconds(1)));
        assertTrue(store.touch(full.keyId(), t.plusSeconds(2)));
        assertEquals(Optional.of(full.withRevokedAt(t.plusSeconds(1)).withLastUsedAt(t.plusSeconds(2))),
                store.find(full.keyId()));
    }

    @Test
    void touchOnlyMovesForwardAndRevokeKeepsTheFirstTime() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertTrue(store.insert(record("abcdefgh2345", "alice", t)));
        assertTrue(store.touch("abcdefgh2345", t.plusSeconds(10)));
        assertFalse(store.touch("abcdefgh2345", t.plusSeconds(5)), "earlier");
        assertFalse(store.touch("abcdefgh2345", t.plusSeconds(10)), "the same");
        assertEquals(Optional.of(t.plusSeconds(10)), store.find("abcdefgh2345").orElseThrow().lastUsedAt());
        assertFalse(store.touch("zzzzzzzzzzzz", t), "no such key");

        assertTrue(store.revoke("abcdefgh2345", t.plusSeconds(20)));
        assertFalse(store.revoke("abcdefgh2345", t.plusSeconds(30)));
        assertFalse(store.revoke("zzzzzzzzzzzz", t));
        assertEquals(Optional.of(t.plusSeconds(20)), store.find("abcdefgh2345").orElseThrow().revokedAt());
    }

    // Concurrency.

    /**
     * Eight threads verify one key in 20 rounds while the clock moves 30 s between rounds: every
     * verification succeeds, and the last use is written exactly once per minute of clock time
     * (rounds 0, 2, 4, ...), never once per thread.
     */
    @Test
    void manyThreadsVerifyingOneKeyWriteTheLastUseOncePerGranularity() throws Exception {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "hot key", null);
        Instant start = clock.instant();
        int threads = 8;
        int rounds = 20;
        int perRound = 25;
        CyclicBarrier roundStart = new CyclicBarrier(threads + 1);
        CyclicBarrier roundEnd = new CyclicBarrier(threads + 1);
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Callable<Void> worker = () -> {
                    for (int r = 0; r < rounds; r++) {
                        roundStart.await(30, TimeUnit.SECONDS);
                        for (int i = 0; i < perRound; i++) {
                            AuthResult result = apiKeys.verify(issued.key());
                            if (!result.ok() || !result.principal().subject().equals("svc")) {
                                refused.incrementAndGet();
                            }
                        }
                        roundEnd.await(30, TimeUnit.SECONDS);
                    }
                    return null;
                };
                workers.add(pool.submit(worker));
            }
            for (int r = 0; r < rounds; r++) {
                roundStart.await(30, TimeUnit.SECONDS);
                roundEnd.await(30, TimeUnit.SECONDS);
                clock.advance(Duration.ofSeconds(30));
            }
            for (Future<Void> w : workers) {
                w.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, refused.get());
        assertEquals(rounds / 2, store.touches.get(), "one write per minute of clock time");
        assertEquals(Optional.of(start.plusSeconds(30L * (rounds - 2))),
                store.find(issued.keyId()).orElseThrow().lastUsedAt());
    }

    // The cap of live keys per subject.

    private static ApiKeyRecord record(String keyId, String subject, Instant created, Instant expires)
            throws Exception {
        return new ApiKeyRecord(keyId, sha256(keyId.getBytes(java.nio.charset.StandardCharsets.UTF_8)), subject,
                Set.of("reader"), "test key", created, expires, null, null);
    }

    @Test
    void countsOnlyTheSubjectsLiveKeys() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(0, store.countLive("alice", t));
        assertTrue(store.insert(record("aaaaaaaaaaa2", "alice", t, null)));
        assertTrue(store.insert(record("aaaaaaaaaaa3", "alice", t, t.plusSeconds(60))));
        assertTrue(store.insert(record("aaaaaaaaaaa4", "alice", t, t.plusSeconds(10))));
        assertTrue(store.insert(record("aaaaaaaaaaa5", "alice", t, null)));
        assertTrue(store.insert(record("bbbbbbbbbbb2", "bob", t, null)));
        assertTrue(store.revoke("aaaaaaaaaaa5", t));

        assertEquals(3, store.countLive("alice", t));
        assertEquals(2, store.countLive("alice", t.plusSeconds(10)), "expired at its expiry instant");
        assertEquals(1, store.countLive("alice", t.plusSeconds(60)));
        assertEquals(1, store.countLive("bob", t));
        assertEquals(0, store.countLive("carol", t));
    }

    @Test
    void insertWithinStoresUpToTheCapOfLiveKeysOnly() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(ApiKeyStore.InsertResult.STORED, store.insertWithin(record("aaaaaaaaaaa2", "alice", t, null), 2, t));
        assertEquals(ApiKeyStore.InsertResult.KEY_ID_TAKEN,
                store.insertWithin(record("aaaaaaaaaaa2", "alice", t, null), 2, t));
        assertEquals(ApiKeyStore.InsertResult.STORED,
                store.insertWithin(record("aaaaaaaaaaa3", "alice", t, t.plusSeconds(10)), 2, t));
        assertEquals(ApiKeyStore.InsertResult.LIMIT_REACHED,
                store.insertWithin(record("aaaaaaaaaaa4", "alice", t, null), 2, t));
        assertEquals(Optional.empty(), store.find("aaaaaaaaaaa4"), "nothing stored over the cap");
        assertEquals(ApiKeyStore.InsertResult.STORED, store.insertWithin(record("bbbbbbbbbbb2", "bob", t, null), 2, t),
                "another subject has its own cap");

        assertTrue(store.revoke("aaaaaaaaaaa2", t));
        assertEquals(ApiKeyStore.InsertResult.STORED,
                store.insertWithin(record("aaaaaaaaaaa4", "alice", t, null), 2, t), "a revoked key frees its place");
        assertEquals(ApiKeyStore.InsertResult.STORED,
                store.insertWithin(record("aaaaaaaaaaa5", "alice", t, null), 2, t.plusSeconds(10)),
                "so does an expired one");
        assertEquals(List.of("aaaaaaaaaaa2", "aaaaaaaaaaa3", "aaaaaaaaaaa4", "aaaaaaaaaaa5"),
                store.list("alice").stream().map(ApiKeyRecord::keyId).sorted().collect(Collectors.toList()));
        assertEquals("The most live API keys per subject must be at least 1, got 0", org.junit.jupiter.api.Assertions
                .assertThrows(IllegalArgumentException.class,
                        () -> store.insertWithin(record("ccccccccccc2", "carol", t, null), 0, t)).getMessage());
    }

    /**
     * In each of 20 rounds, eight threads create two keys each for one new subject at the same
     * moment, with a cap of 3: exactly 3 are stored for every subject.
     */
    @Test
    void concurrentInsertsForOneSubjectNeverPassTheCap() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        int threads = 8;
        int rounds = 20;
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicInteger[] stored = new AtomicInteger[rounds];
        for (int r = 0; r < rounds; r++) {
            stored[r] = new AtomicInteger();
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int thread = i;
                workers.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        start.await(30, TimeUnit.SECONDS);
                        for (int k = 0; k < 2; k++) {
                            String keyId = "c" + alphabet.charAt(r) + alphabet.charAt(thread) + alphabet.charAt(k)
                                    + "aaaaaaaa";
                            if (store.insertWithin(record(keyId, "user" + r, t, null), 3, t)
                                    == ApiKeyStore.InsertResult.STORED) {
                                stored[r].incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> w : workers) {
                w.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int r = 0; r < rounds; r++) {
            assertEquals(3, stored[r].get(), "user" + r);
            assertEquals(3, store.list("user" + r).size(), "user" + r);
            assertEquals(3, store.countLive("user" + r, t), "user" + r);
        }
    }

    @Test
    void apiKeysRefuseACreateOverTheCapNamingIt() {
        ApiKeys capped = ApiKeys.builder(store).clock(clock).maxLiveKeys(3).build();
        List<NewApiKey> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add(capped.create("alice", Set.of("user"), "k" + i, Duration.ofDays(1)));
        }
        dev.infrakit.auth.ApiKeyRefusedException refused = org.junit.jupiter.api.Assertions.assertThrows(
                dev.infrakit.auth.ApiKeyRefusedException.class,
                () -> capped.create("alice", Set.of("user"), "k3", null));
        assertEquals(dev.infrakit.auth.ApiKeyRefusedException.Reason.LIMIT_REACHED, refused.reason());
        assertTrue(refused.getMessage().contains("3 live API keys"), refused.getMessage());
        assertEquals(3, store.list("alice").size());
        capped.revoke(keys.get(0).keyId());
        capped.create("alice", Set.of("user"), "k3", null);
        clock.advance(Duration.ofDays(1));
        capped.create("alice", Set.of("user"), "k4", null);
        capped.create("alice", Set.of("user"), "k5", null);
        assertEquals(3, store.countLive("alice", clock.instant()), "expired keys free their places");
    }

    /** Concurrent touches with times in random order leave the latest one. */
    @Test
    void concurrentTouchesLeaveTheLatestTime() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertTrue(store.insert(record("abcdefgh2345", "alice", t)));
        int threads = 6;
        int perThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                workers.add(pool.submit(() -> {
                    for (int j = 0; j < perThread; j++) {
                        store.touch("abcdefgh2345", t.plusSeconds(ThreadLocalRandom.current().nextInt(1, 10_000)));
                    }
                    return null;
                }));
            }
            workers.add(pool.submit(() -> {
                store.touch("abcdefgh2345", t.plusSeconds(10_000));
                return null;
            }));
            for (Future<Void> w : workers) {
                w.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(Optional.of(t.plusSeconds(10_000)), store.find("abcdefgh2345").orElseThrow().lastUsedAt());
    }

    /** Passes everything to the store under test, counting calls of {@link #touch}. */
    protected static final class CountingStore implements ApiKeyStore {
        private final ApiKeyStore delegate;
        /** Calls of {@link #touch}. */
        public final AtomicInteger touches = new AtomicInteger();

        CountingStore(ApiKeyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean insert(ApiKeyRecord record) {
            return delegate.insert(record);
        }

        @Override
        public InsertResult insertWithin(ApiKeyRecord record, int maxLive, Instant now) {
            return delegate.insertWithin(record, maxLive, now);
        }

        @Override
        public int countLive(String subject, Instant now) {
            return delegate.countLive(subject, now);
        }

        @Override
        public Optional<ApiKeyRecord> find(String keyId) {
            return delegate.find(keyId);
        }

        @Override
        public List<ApiKeyRecord> list(String subject) {
            return delegate.list(subject);
        }

        @Override
        public boolean revoke(String keyId, Instant at) {
            return delegate.revoke(keyId, at);
        }

        @Override
        public boolean touch(String keyId, Instant at) {
            touches.incrementAndGet();
            return delegate.touch(keyId, at);
        }

        @Override
        public boolean delete(String keyId) {
            return delegate.delete(keyId);
        }
    }
}
