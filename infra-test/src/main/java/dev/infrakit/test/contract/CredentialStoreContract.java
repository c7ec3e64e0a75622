package dev.infrakit.test.contract;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialNotFoundException;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.VersionConflictException;
import dev.infrakit.credentials.VersionInfo;
import dev.infrakit.credentials.WriteCondition;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link CredentialStore} implementations: versions, check-and-set, the
 * delete lifecycle, maximum versions, listing, names, values and concurrent writers. Extend it and
 * return a fresh, empty store (keeping 10 versions per credential by default) that stamps times
 * with the given clock:
 *
 * <pre>{@code
 * class VaultCredentialStoreTest extends CredentialStoreContract {
 *     protected CredentialStore createStore(ManualClock clock) {
 *         return VaultCredentialStore.builder(testVault()).clock(clock).build();
 *     }
 * }
 * }</pre>
 *
 * Every built-in store runs it (infra-test's own tests), so a decorator can be checked over
 * {@link dev.infrakit.credentials.InMemoryCredentialStore}.
 */
public abstract class CredentialStoreContract {
    /** The clock the store under test stamps versions with. */
    protected final ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    /** The store under test. */
    protected CredentialStore store;

    /** For subclasses. */
    protected CredentialStoreContract() {
    }

    /** A fresh, empty store keeping 10 versions by default, on {@code clock}. */
    protected abstract CredentialStore createStore(ManualClock clock) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = createStore(clock);
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    private static SecretValue login(String password) {
        return SecretValue.login("app", password, "postgres://db:5432/app");
    }

    private static <T extends Throwable> T assertThrowsMentioning(Class<T> type, String text, Executable call) {
        T e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(text), "expected '" + text + "' in: " + e.getMessage());
        return e;
    }

    @Test
    void everyWriteAddsAVersionAndEachVersionReadsBack() {
        assertEquals(1, store.put("apps/billing/db", login("first")));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(2, store.put("apps/billing/db", login("second")));
        Secret current = store.get("apps/billing/db");
        assertEquals(2, current.version());
        assertEquals("second", current.value().password().orElseThrow());
        assertEquals("app", current.value().username().orElseThrow());
        assertEquals("postgres://db:5432/app", current.value().url().orElseThrow());
        assertEquals(Instant.parse("2026-01-01T00:01:00Z"), current.created());
        Secret first = store.get("apps/billing/db", 1);
        assertEquals("first", first.value().password().orElseThrow());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), first.created());
        assertEquals("apps/billing/db", first.name());
        assertTrue(store.find("apps/billing/db").isPresent());
        CredentialMetadata meta = store.metadata("apps/billing/db").orElseThrow();
        assertEquals(2, meta.currentVersion());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), meta.created());
        assertEquals(Instant.parse("2026-01-01T00:01:00Z"), meta.updated());
        assertEquals(List.of(1, 2), meta.versions().stream().map(VersionInfo::version).collect(Collectors.toList()));
    }

    @Test
    void opaqueBytesAndFieldsRoundTripAndReadersGetTheirOwnCopies() {
        byte[] bytes = new byte[300];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        store.put("keys/tls", SecretValue.ofBytes(bytes));
        Secret read = store.get("keys/tls");
        assertFalse(read.value().hasFields());
        assertArrayEquals(bytes, read.value().bytes());
        read.clear();
        assertTrue(read.value().isCleared() || read.value().isShared(), "cleared, unless a cache shares it");
        assertArrayEquals(bytes, store.get("keys/tls").value().bytes(), "clearing a value read leaves the store intact");

        store.put("api/partner", SecretValue.ofFields(Map.of("token", "tok-123", "region", "eu-west-1")));
        SecretValue fields = store.get("api/partner").value();
        assertEquals(List.of("region", "token"), new ArrayList<>(fields.fieldNames()));
        assertEquals("tok-123", fields.field("token").orElseThrow());
        assertTrue(fields.field("missing").isEmpty());
        String shown = store.get("api/partner").toString();
        assertFalse(shown.contains("tok-123"), shown);
        assertTrue(shown.contains("****"), shown);
    }

    @Test
    void createOnlySucceedsOnceAndTheLoserIsToldTheCurrentVersion() {
        assertEquals(1, store.put("db/main", login("a"), WriteCondition.createOnly()));
        VersionConflictException e = assertThrows(VersionConflictException.class,
                () -> store.put("db/main", login("b"), WriteCondition.createOnly()));
        assertEquals(0, e.expected());
        assertEquals(1, e.actual());
        assertEquals("db/main", e.name());
        assertEquals("a", store.get("db/main").value().password().orElseThrow(), "the losing write changed nothing");
    }

    @Test
    void ifVersionWritesOnlyOverTheExpectedVersion() {
        store.put("db/main", login("a"));
        store.put("db/main", login("b"));
        VersionConflictException stale = assertThrows(VersionConflictException.class,
                () -> store.put("db/main", login("c"), WriteCondition.ifVersion(1)));
        assertEquals(1, stale.expected());
        assertEquals(2, stale.actual());
        assertTrue(stale.getMessage().contains("expected version 1, but its current version is 2"), stale.getMessage());
        assertEquals(3, store.put("db/main", login("c"), WriteCondition.ifVersion(2)));
        VersionConflictException missing = assertThrows(VersionConflictException.class,
                () -> store.put("db/other", login("x"), WriteCondition.ifVersion(1)));
        assertEquals(0, missing.actual());
        assertTrue(store.metadata("db/other").isEmpty(), "a failed conditional write creates nothing");
    }

    @Test
    void softDeleteUndeleteAndDestroyFollowTheLifecycle() {
        store.put("svc/a", login("v1"));
        store.put("svc/a", login("v2"));
        clock.advance(Duration.ofSeconds(5));
        store.delete("svc/a");
        assertThrowsMentioning(CredentialNotFoundException.class, "is deleted", () -> store.get("svc/a"));
        assertTrue(store.find("svc/a").isEmpty());
        assertEquals("v1", store.get("svc/a", 1).value().password().orElseThrow(), "older versions stay readable");
        VersionInfo deleted = store.metadata("svc/a").orElseThrow().version(2).orElseThrow();
        assertEquals(Instant.parse("2026-01-01T00:00:05Z"), deleted.deleted().orElseThrow());
        assertFalse(deleted.readable());

        store.undelete("svc/a", 2);
        assertEquals("v2", store.get("svc/a").value().password().orElseThrow());

        store.destroy("svc/a", 1);
        assertThrowsMentioning(CredentialNotFoundException.class, "destroyed", () -> store.get("svc/a", 1));
        store.undelete("svc/a", 1);
        assertThrowsMentioning(CredentialNotFoundException.class, "destroyed", () -> store.get("svc/a", 1));
        assertTrue(store.metadata("svc/a").orElseThrow().version(1).orElseThrow().destroyed());

        store.delete("svc/a", 2);
        store.put("svc/a", login("v3"));
        assertEquals("v3", store.get("svc/a").value().password().orElseThrow(), "a new version is readable again");

        assertThrowsMentioning(CredentialNotFoundException.class, "has no version 9", () -> store.delete("svc/a", 9));
        assertThrowsMentioning(IllegalArgumentException.class, "needs the versions", () -> store.undelete("svc/a"));
        assertThrowsMentioning(IllegalArgumentException.class, "needs the versions", () -> store.destroy("svc/a"));
    }

    @Test
    void deleteAllRemovesEverythingAndNumberingStartsOver() {
        store.put("tmp/x", login("a"));
        store.put("tmp/x", login("b"));
        assertTrue(store.deleteAll("tmp/x"));
        assertFalse(store.deleteAll("tmp/x"));
        assertTrue(store.metadata("tmp/x").isEmpty());
        assertThrows(CredentialNotFoundException.class, () -> store.get("tmp/x"));
        assertEquals(1, store.put("tmp/x", login("c"), WriteCondition.createOnly()));
    }

    @Test
    void onlyTheNewestVersionsAreKept() {
        for (int i = 1; i <= 12; i++) {
            store.put("rot/k", login("p" + i));
        }
        CredentialMetadata meta = store.metadata("rot/k").orElseThrow();
        assertEquals(12, meta.currentVersion());
        assertEquals(10, meta.versions().size());
        assertEquals(3, meta.versions().get(0).version());
        assertThrowsMentioning(CredentialNotFoundException.class, "no longer kept", () -> store.get("rot/k", 1));
        assertThrowsMentioning(CredentialNotFoundException.class, "has no version 13", () -> store.get("rot/k", 13));

        store.setMaxVersions("rot/k", 3);
        meta = store.metadata("rot/k").orElseThrow();
        assertEquals(3, meta.maxVersions());
        assertEquals(List.of(10, 11, 12), meta.versions().stream().map(VersionInfo::version).collect(Collectors.toList()));
        store.put("rot/k", login("p13"));
        assertEquals(List.of(11, 12, 13), store.metadata("rot/k").orElseThrow().versions().stream()
                .map(VersionInfo::version).collect(Collectors.toList()));
        assertThrowsMentioning(IllegalArgumentException.class, "maxVersions must be", () -> store.setMaxVersions("rot/k",
                -1));
        assertThrows(CredentialNotFoundException.class, () -> store.setMaxVersions("rot/none", 3));
    }

    @Test
    void listingByPrefixIsSortedAndCarriesMetadata() {
        store.put("db/x", login("1"));
        store.put("apps/b", login("1"));
        store.put("apps/a", login("1"));
        store.put("apps/a", login("2"));
        store.setCustomMetadata("apps/a", Map.of("owner", "team-billing", "rotation", "30d"));
        List<CredentialMetadata> apps = store.list("apps/");
        assertEquals(List.of("apps/a", "apps/b"), apps.stream().map(CredentialMetadata::name).collect(Collectors.toList()));
        assertEquals(2, apps.get(0).currentVersion());
        assertEquals(Map.of("owner", "team-billing", "rotation", "30d"), apps.get(0).custom());
        assertEquals(3, store.list("").size());
        assertTrue(store.list("zzz").isEmpty());
        assertEquals(List.of("apps/a", "apps/b"), store.list("apps").stream().map(CredentialMetadata::name)
                .collect(Collectors.toList()));
        store.setCustomMetadata("apps/a", Map.of());
        assertEquals(Map.of(), store.metadata("apps/a").orElseThrow().custom());
        assertThrows(CredentialNotFoundException.class, () -> store.setCustomMetadata("apps/none", Map.of("a", "b")));
    }

    @Test
    void badNamesAreRefusedWithTheReason() {
        assertThrowsMentioning(IllegalArgumentException.class, "must not be empty", () -> store.put("", login("x")));
        assertThrowsMentioning(IllegalArgumentException.class, "U+0020 at position 2", () -> store.put("a b", login("x")));
        assertThrowsMentioning(IllegalArgumentException.class, "start or end with '/'", () -> store.get("/a"));
        assertThrowsMentioning(IllegalArgumentException.class, "start or end with '/'", () -> store.get("a/"));
        assertThrowsMentioning(IllegalArgumentException.class, "empty path segment", () -> store.delete("a//b"));
        assertThrowsMentioning(IllegalArgumentException.class, "'..' is not allowed", () -> store.metadata("x/../y"));
        assertThrowsMentioning(IllegalArgumentException.class, "at most 256", () -> store.put("n".repeat(257), login("x")));
        assertThrowsMentioning(IllegalArgumentException.class, "U+000A", () -> store.put("a\nb", login("x")));
        assertThrowsMentioning(IllegalArgumentException.class, "'*' at position 5", () -> store.list("apps*"));
        assertEquals(1, store.put("n".repeat(256), login("x")), "256 characters are allowed");
        assertEquals(1, store.put("A-z_0.9/x", login("x")));
    }

    @Test
    void missingCredentialsAreReportedByName() {
        CredentialNotFoundException e = assertThrows(CredentialNotFoundException.class, () -> store.get("no/such"));
        assertEquals("no/such", e.name());
        assertTrue(e.getMessage().contains("'no/such'"), e.getMessage());
        assertThrows(CredentialNotFoundException.class, () -> store.get("no/such", 1));
        assertTrue(store.metadata("no/such").isEmpty());
        assertThrows(CredentialNotFoundException.class, () -> store.delete("no/such"));
        assertFalse(store.deleteAll("no/such"));
    }

    @Test
    void concurrentCheckAndSetWritersNeverLoseAnUpdate() throws Exception {
        store.put("counter", SecretValue.ofFields(Map.of("n", "0")));
        int threads = 4;
        int increments = 25;
        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                tasks.add(() -> {
                    for (int i = 0; i < increments; i++) {
                        while (true) {
                            Secret s = store.get("counter");
                            int n = Integer.parseInt(s.value().field("n").orElseThrow());
                            try {
                                store.put("counter", SecretValue.ofFields(Map.of("n", Integer.toString(n + 1))),
                                        WriteCondition.ifVersion(s.version()));
                                break;
                            } catch (VersionConflictException e) {
                                conflicts.incrementAndGet();
                            }
                        }
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(tasks)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Secret last = store.get("counter");
        assertEquals(threads * increments, Integer.parseInt(last.value().field("n").orElseThrow()),
                "every increment survived (" + conflicts.get() + " conflicts retried)");
        assertEquals(threads * increments + 1, last.version());
    }

    @Test
    void secretValuesNeverShowInToStringOrMetadata() {
        String password = "pa55-" + "w0rd-never-shown";
        store.put("show/me", SecretValue.login("u", password));
        String everything = store.get("show/me") + " " + store.get("show/me").value() + " "
                + store.metadata("show/me").orElseThrow() + " " + store.list("") + " " + store;
        assertFalse(everything.contains(password), everything);
        assertFalse(everything.contains(new String(password.getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1).substring(0, 8)), everything);
    }
}
