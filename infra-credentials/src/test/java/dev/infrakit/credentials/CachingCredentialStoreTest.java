package dev.infrakit.credentials;

import dev.infrakit.core.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachingCredentialStoreTest {

    // The store contract over the cache runs in infra-test (CachingCredentialStoreContractTest).

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));

    /** A store that counts reads and can be made to fail like an unreachable database. */
    static final class FlakyStore extends ForwardingCredentialStore {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger metadataReads = new AtomicInteger();

        FlakyStore(CredentialStore store) {
            super(store);
        }

        void down(boolean isDown) {
            down.set(isDown);
        }

        /** Leaves the wrapped store open: tests reuse it after the cache is closed. */
        @Override
        public void close() {
        }

        @Override
        public Secret get(String name) {
            reads.incrementAndGet();
            if (down.get()) {
                throw new CredentialException("Cannot reach the credential database (connection refused)");
            }
            return super.get(name);
        }

        @Override
        public Secret get(String name, int version) {
            reads.incrementAndGet();
            if (down.get()) {
                throw new CredentialException("Cannot reach the credential database (connection refused)");
            }
            return super.get(name, version);
        }

        @Override
        public java.util.Optional<CredentialMetadata> metadata(String name) {
            metadataReads.incrementAndGet();
            if (down.get()) {
                throw new CredentialException("Cannot reach the credential database (connection refused)");
            }
            return super.metadata(name);
        }
    }

    private final InMemoryCredentialStore backing = InMemoryCredentialStore.builder().clock(clock).build();
    private final FlakyStore flaky = new FlakyStore(backing);

    private CachingCredentialStore.Builder cache() {
        return cache(0);
    }

    private CachingCredentialStore.Builder cache(double jitter) {
        return CachingCredentialStore.builder(flaky).ticker(clock).executor(Runnable::run).jitter(jitter)
                .refreshAfter(Duration.ofMinutes(5)).expireAfter(Duration.ofMinutes(15))
                .staleIfError(Duration.ofMinutes(10));
    }

    private static String password(Secret s) {
        return s.value().password().orElseThrow();
    }

    @Test
    void readsAreServedFromTheCacheUntilRefreshAhead() {
        backing.put("db", SecretValue.login("u", "one"));
        try (CachingCredentialStore cache = cache().build()) {
            assertEquals("one", password(cache.get("db")));
            assertEquals("one", password(cache.get("db")));
            assertEquals(1, flaky.reads.get());
            assertEquals(1, cache.hits());
            assertEquals(1, cache.misses());

            backing.put("db", SecretValue.login("u", "two")); // written elsewhere, unseen by the cache
            clock.advance(Duration.ofMinutes(4));
            assertEquals("one", password(cache.get("db")), "fresh: no reload");
            assertEquals(1, flaky.reads.get());

            clock.advance(Duration.ofMinutes(2)); // past refreshAfter
            assertEquals("one", password(cache.get("db")), "refresh ahead returns the cached value at once");
            assertEquals(2, flaky.reads.get(), "and reloads in the background");
            assertEquals(1, cache.refreshes());
            assertEquals("two", password(cache.get("db")), "the reloaded value is served next");
            assertEquals(2, flaky.reads.get());
        }
    }

    @Test
    void metadataGoesToTheStoreUnlessTheBuilderAsksToCacheIt() {
        backing.put("db", SecretValue.login("u", "one"));
        try (CachingCredentialStore cache = cache().build()) {
            cache.metadata("db");
            cache.metadata("db");
            assertEquals(2, flaky.metadataReads.get(), "the default: every metadata read goes to the store");
        }
    }

    @Test
    void cachedMetadataIsRefreshedExpiredAndServedStaleLikeValues() {
        backing.put("db", SecretValue.login("u", "one"));
        try (CachingCredentialStore cache = cache().cacheMetadata(true).build()) {
            assertEquals(1, cache.metadata("db").orElseThrow().currentVersion());
            assertEquals(1, cache.metadata("db").orElseThrow().currentVersion());
            assertEquals(1, flaky.metadataReads.get(), "the second read is a hit");

            backing.put("db", SecretValue.login("u", "two")); // written elsewhere, unseen by the cache
            clock.advance(Duration.ofMinutes(6)); // past refreshAfter
            assertEquals(1, cache.metadata("db").orElseThrow().currentVersion(), "refresh ahead: the cached one at once");
            assertEquals(2, cache.metadata("db").orElseThrow().currentVersion(), "then the reloaded one");
            assertEquals(2, flaky.metadataReads.get());

            backing.put("db", SecretValue.login("u", "three"));
            clock.advance(Duration.ofMinutes(16)); // expired: reloaded before it is served
            assertEquals(3, cache.metadata("db").orElseThrow().currentVersion());

            flaky.down(true);
            clock.advance(Duration.ofMinutes(16)); // expired 1 minute ago, the store down
            assertEquals(3, cache.metadata("db").orElseThrow().currentVersion(), "stale while the store is down");
            clock.advance(Duration.ofMinutes(10)); // beyond staleIfError
            assertThrows(CredentialException.class, () -> cache.metadata("db"));
            flaky.down(false);

            int reads = flaky.metadataReads.get();
            assertTrue(cache.metadata("nothing").isEmpty());
            assertTrue(cache.metadata("nothing").isEmpty());
            assertEquals(reads + 2, flaky.metadataReads.get(), "an unknown name is never cached");
            backing.put("nothing", SecretValue.login("u", "now"));
            assertEquals(1, cache.metadata("nothing").orElseThrow().currentVersion(), "so it is seen once it exists");
        }
    }

    @Test
    void writesAndChangeNotificationsInvalidateCachedMetadata() {
        List<CredentialChangeListener> listeners = new ArrayList<>();
        CredentialChanges changes = listener -> {
            listeners.add(listener);
            return () -> { };
        };
        try (CachingCredentialStore cache = cache().cacheMetadata(true).changes(changes).build()) {
            cache.put("db", SecretValue.login("u", "one"));
            assertEquals(1, cache.metadata("db").orElseThrow().currentVersion());
            cache.put("db", SecretValue.login("u", "two"));
            assertEquals(2, cache.metadata("db").orElseThrow().currentVersion(), "a write through the cache drops it");
            cache.delete("db", 1);
            assertTrue(cache.metadata("db").orElseThrow().versions().stream().filter(v -> v.version() == 1)
                    .allMatch(v -> v.deleted().isPresent()), "a version deleted through the cache shows deleted at once");
            backing.put("db", SecretValue.login("u", "three")); // below the cache
            assertEquals(2, cache.metadata("db").orElseThrow().currentVersion(), "unseen until told");
            listeners.get(0).changed("db");
            assertEquals(3, cache.metadata("db").orElseThrow().currentVersion(), "a change notification drops it");
            backing.put("db", SecretValue.login("u", "four"));
            listeners.get(0).resync();
            assertEquals(4, cache.metadata("db").orElseThrow().currentVersion(), "a resync drops everything");
            cache.deleteAll("db");
            assertTrue(cache.metadata("db").isEmpty(), "deleted through the cache: gone at once");
        }
    }

    @Test
    void jitterSpreadsRefreshesOfValuesLoadedTogether() {
        for (int i = 0; i < 200; i++) {
            backing.put("k" + i, SecretValue.login("u", "p"));
        }
        try (CachingCredentialStore cache = cache(0.5).build()) {
            for (int i = 0; i < 200; i++) {
                cache.get("k" + i);
            }
            clock.advance(Duration.ofMinutes(5)); // refreshAfter exactly: about half are due
            for (int i = 0; i < 200; i++) {
                cache.get("k" + i);
            }
            long refreshed = cache.refreshes();
            assertTrue(refreshed > 40 && refreshed < 160, "about half refreshed, not all at once: " + refreshed);
        }
    }

    @Test
    void anExpiredValueIsReloadedBeforeItIsServed() {
        backing.put("db", SecretValue.login("u", "one"));
        try (CachingCredentialStore cache = cache().build()) {
            cache.get("db");
            backing.put("db", SecretValue.login("u", "two"));
            clock.advance(Duration.ofMinutes(16));
            assertEquals("two", password(cache.get("db")));
            assertEquals(2, cache.misses());
        }
    }

    @Test
    void aFailingStoreGetsTheStaleValueForABoundedWindowThenTheError() {
        backing.put("db", SecretValue.login("u", "one"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CachingCredentialStore cache = cache().build()) {
            new CredentialMetrics(cache, io.micrometer.core.instrument.Tags.of("cache", "main")).bindTo(registry);
            cache.get("db");
            flaky.down.set(true);
            clock.advance(Duration.ofMinutes(6));
            assertEquals("one", password(cache.get("db")), "refresh fails in the background; cached value served");
            assertEquals(1, cache.loadFailures());
            int reads = flaky.reads.get();
            assertEquals("one", password(cache.get("db")));
            assertEquals(reads, flaky.reads.get(), "a failed refresh is not retried on every read");

            clock.advance(Duration.ofMinutes(10)); // expired 1 minute ago
            assertEquals("one", password(cache.get("db")), "stale while the store is down");
            assertEquals(1, cache.staleServed());
            clock.advance(Duration.ofMinutes(10)); // 11 minutes past expiry: beyond staleIfError
            CredentialException e = assertThrows(CredentialException.class, () -> cache.get("db"));
            assertTrue(e.getMessage().contains("connection refused"), e.getMessage());

            flaky.down.set(false);
            backing.put("db", SecretValue.login("u", "two"));
            assertEquals("two", password(cache.get("db")), "recovers when the store is back");
            assertEquals(1.0, registry.get("infrakit.credentials.cache.stale").functionCounter().count());
            assertEquals(2.0, registry.get("infrakit.credentials.cache.requests").tag("result", "hit").functionCounter()
                    .count());
            assertEquals(4.0, registry.get("infrakit.credentials.cache.requests").tag("result", "miss").functionCounter()
                    .count());
            assertEquals(5.0, registry.get("infrakit.credentials.cache.load").tag("cache", "main").functionTimer().count(),
                    "first load, failed refresh, stale load, failed load, recovery");
            assertEquals(3.0, registry.get("infrakit.credentials.cache.load.failures").functionCounter().count());
            assertEquals(1.0, registry.get("infrakit.credentials.cache.size").gauge().value());
        }
    }

    @Test
    void aCredentialDeletedElsewhereIsNeverServedStale() {
        backing.put("db", SecretValue.login("u", "one"));
        try (CachingCredentialStore cache = cache().build()) {
            cache.get("db");
            backing.deleteAll("db");
            clock.advance(Duration.ofMinutes(6));
            cache.get("db"); // refresh finds it gone and drops the entry
            assertThrows(CredentialNotFoundException.class, () -> cache.get("db"));
        }
    }

    @Test
    void writesThroughTheCacheInvalidateEveryVersionOfTheName() {
        try (CachingCredentialStore cache = cache().build()) {
            cache.put("db", SecretValue.login("u", "one"));
            assertEquals("one", password(cache.get("db")));
            assertEquals("one", password(cache.get("db", 1)));
            cache.put("db", SecretValue.login("u", "two"));
            assertEquals("two", password(cache.get("db")));
            cache.delete("db", 1);
            assertThrows(CredentialNotFoundException.class, () -> cache.get("db", 1));
            cache.deleteAll("db");
            assertThrows(CredentialNotFoundException.class, () -> cache.get("db"));
        }
    }

    @Test
    void readersShareTheCachedCopyWhichClearingLeavesIntact() {
        backing.put("db", SecretValue.login("u", "one"));
        try (CachingCredentialStore cache = cache().build()) {
            Secret first = cache.get("db");
            Secret second = cache.get("db");
            assertTrue(first.value().isShared());
            first.clear();
            assertFalse(first.value().isCleared());
            assertEquals("one", password(second), "another reader's value still works");
            assertEquals("one", password(cache.get("db")));
            Secret owned = backing.get("db");
            assertFalse(owned.value().isShared());
            owned.clear();
            assertTrue(owned.value().isCleared(), "a value read from the store itself is wiped");
            assertThrows(IllegalStateException.class, () -> owned.value().password());
        }
    }

    @Test
    void changeNotificationsInvalidateAndAResyncDropsEverything() {
        backing.put("a", SecretValue.login("u", "a1"));
        backing.put("b", SecretValue.login("u", "b1"));
        List<CredentialChangeListener> listeners = new ArrayList<>();
        AtomicBoolean unsubscribed = new AtomicBoolean();
        CredentialChanges changes = listener -> {
            listeners.add(listener);
            return () -> unsubscribed.set(true);
        };
        try (CachingCredentialStore cache = cache().changes(changes).build()) {
            cache.get("a");
            cache.get("b");
            backing.put("a", SecretValue.login("u", "a2"));
            backing.put("b", SecretValue.login("u", "b2"));
            listeners.get(0).changed("a");
            assertEquals("a2", password(cache.get("a")));
            assertEquals("b1", password(cache.get("b")));
            listeners.get(0).resync();
            assertEquals("b2", password(cache.get("b")));
        }
        assertTrue(unsubscribed.get(), "closing the cache ends the subscription");
    }

    @Test
    void badSettingsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CachingCredentialStore
                .builder(backing).refreshAfter(Duration.ofMinutes(20)).expireAfter(Duration.ofMinutes(10)).build());
        assertTrue(e.getMessage().contains("refreshAfter (PT20M) must not exceed expireAfter (PT10M)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CachingCredentialStore.builder(backing).jitter(0.9));
        assertThrows(IllegalArgumentException.class, () -> CachingCredentialStore.builder(backing)
                .refreshAfter(Duration.ZERO));
        try (CachingCredentialStore cache = CachingCredentialStore.builder(backing).build()) {
            assertTrue(cache.toString().startsWith("CachingCredentialStore[InMemoryCredentialStore"), cache.toString());
        }
    }

    /**
     * Writes made below the cache, straight to the store object (what a rotation engine or an API
     * key store sharing it does), reach the cache at once: no hand-written invalidate, for the
     * in-memory and the file store alike; a subscriber that throws does not stop the write.
     */
    @Test
    void writesMadeStraightToTheStoreBelowInvalidateTheCache(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        List<CredentialStore> stores = List.of(InMemoryCredentialStore.create(), FileCredentialStore.directory(dir,
                KeyRing.of(MasterKey.generate())).build());
        for (CredentialStore below : stores) {
            below.put("db", SecretValue.ofFields(java.util.Map.of("value", "v1")));
            AutoCloseable failing = ((CredentialChanges) below).subscribe(new CredentialChangeListener() {
                @Override
                public void changed(String name) {
                    throw new IllegalStateException("a broken subscriber");
                }

                @Override
                public void resync() {
                }
            });
            try (CachingCredentialStore cache = CachingCredentialStore.builder(below)
                    .refreshAfter(Duration.ofHours(1)).expireAfter(Duration.ofHours(2)).build()) {
                assertEquals("v1", cache.get("db").value().field("value").orElseThrow(), below.toString());
                below.put("db", SecretValue.ofFields(java.util.Map.of("value", "v2")));
                assertEquals("v2", cache.get("db").value().field("value").orElseThrow(), below.toString());
                below.deleteAll("db");
                assertThrows(CredentialNotFoundException.class, () -> cache.get("db"), below.toString());
            } finally {
                failing.close();
                below.close();
            }
        }
    }

    @Test
    void itsMetricsAreOfferedThroughTheSpiUnderNamesThatCanBeChanged() {
        try (CachingCredentialStore cache = cache().build()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            cache.metrics().orElseThrow().bindTo(registry);
            backing.put("db", SecretValue.login("u", "p"));
            cache.get("db");
            cache.get("db");
            assertEquals(1.0, registry.get("infrakit.credentials.cache.requests").tag("result", "hit").functionCounter().count());
            registry.getMeters().forEach(m -> assertNotNull(m.getId().getDescription(),
                    m.getId().getName() + " has no description (Prometheus HELP; promtool wants one)"));
            assertTrue(backing.metrics().isEmpty(), "an in-memory store has no meters of its own");
            assertTrue(backing.healthCheck().isEmpty(), "nor anything to check");
            SimpleMeterRegistry renamed = new SimpleMeterRegistry();
            new CredentialMetrics(cache, io.micrometer.core.instrument.Tags.empty(),
                    CredentialMetricNames.custom().requests("app.secrets.requests").build()).bindTo(renamed);
            assertEquals(1.0, renamed.get("app.secrets.requests").tag("result", "miss").functionCounter().count());
        }
    }
}
