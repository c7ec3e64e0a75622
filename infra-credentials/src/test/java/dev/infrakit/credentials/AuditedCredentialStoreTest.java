package dev.infrakit.credentials;

import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditedCredentialStoreTest {

    // The store contract over the audited store runs in infra-test (AuditedCredentialStoreContractTest).

    private final RecordingAuditSink sink = new RecordingAuditSink();
    private final CredentialStore store = AuditedCredentialStore.builder(InMemoryCredentialStore.create(), sink).build();

    @Test
    void everyOperationIsAnEventWithActorNameVersionAndOutcomeButNeverTheValue() {
        String password = "s3cret-" + "value-never-audited";
        AuditedCredentialStore.Scope scope = AuditedCredentialStore.actingAs(Actor.user("alice"));
        try {
            store.put("apps/db", SecretValue.login("app", password));
            store.get("apps/db");
            store.get("apps/db", 1);
            store.metadata("apps/db");
            store.list("apps/");
            store.setCustomMetadata("apps/db", Map.of("owner", "billing"));
            store.setMaxVersions("apps/db", 5);
            store.delete("apps/db", 1);
            store.undelete("apps/db", 1);
            store.destroy("apps/db", 1);
            store.deleteAll("apps/db");
        } finally {
            scope.close();
        }
        store.list("");
        assertEquals("system", sink.events.get(sink.events.size() - 1).actor().id(), "the scope restored the actor");
        sink.events.remove(sink.events.size() - 1);
        assertEquals(List.of("credential.write:PENDING", "credential.write:SUCCESS", "credential.read:SUCCESS",
                "credential.read:SUCCESS", "credential.metadata:SUCCESS", "credential.list:SUCCESS",
                "credential.custom-metadata:PENDING", "credential.custom-metadata:SUCCESS",
                "credential.max-versions:PENDING", "credential.max-versions:SUCCESS",
                "credential.delete:PENDING", "credential.delete:SUCCESS", "credential.undelete:PENDING",
                "credential.undelete:SUCCESS", "credential.destroy:PENDING", "credential.destroy:SUCCESS",
                "credential.delete-all:PENDING", "credential.delete-all:SUCCESS"), sink.typesAndOutcomes());
        AuditEvent write = sink.events.get(1);
        assertEquals("alice", write.actor().id());
        assertEquals(AuditEvent.Category.ADMIN, write.category());
        assertEquals("apps/db", write.resource().orElseThrow().id());
        assertEquals(1, write.details().get("version"));
        AuditEvent read = sink.events.get(2);
        assertEquals(AuditEvent.Category.DATA_ACCESS, read.category());
        assertEquals(1, read.details().get("version"));
        assertEquals(1, sink.events.get(5).details().get("count"));
        AuditJson json = AuditJson.defaults();
        for (AuditEvent e : sink.events) {
            assertFalse(json.toJson(e).contains(password), json.toJson(e));
        }
    }

    @Test
    void failuresAreAuditedWithTheirReasonAndSeverity() {
        store.put("db", SecretValue.login("u", "p"));
        assertThrows(CredentialNotFoundException.class, () -> store.get("missing"));
        assertThrows(VersionConflictException.class, () -> store.put("db", SecretValue.login("u", "q"),
                WriteCondition.createOnly()));
        AuditEvent notFound = sink.events.get(2);
        assertEquals(AuditEvent.Outcome.FAILURE, notFound.outcome());
        assertEquals(AuditEvent.Severity.WARN, notFound.severity());
        assertTrue(notFound.reason().orElseThrow().startsWith("CredentialNotFoundException: No credential named 'missing'"),
                notFound.reason().orElseThrow());
        AuditEvent conflict = sink.events.get(4);
        assertEquals("credential.write:FAILURE", conflict.type() + ":" + conflict.outcome());
        assertEquals("system", conflict.actor().id(), "without actingAs, the system acts");
        assertTrue(conflict.reason().orElseThrow().contains("expected it not to exist"));
    }

    @Test
    void cachedReadsAreAuditedUnlessReadAuditingIsOff() {
        ManualClock clock = ManualClock.create();
        InMemoryCredentialStore backing = InMemoryCredentialStore.create();
        backing.put("db", SecretValue.login("u", "p"));
        try (CachingCredentialStore cache = CachingCredentialStore.builder(backing).ticker(clock)
                .refreshAfter(Duration.ofMinutes(1)).build()) {
            CredentialStore audited = AuditedCredentialStore.builder(cache, sink).build();
            audited.get("db");
            audited.get("db");
            assertEquals(1, cache.hits());
            assertEquals(2, sink.events.size(), "the cached read was audited too");

            RecordingAuditSink writesOnly = new RecordingAuditSink();
            CredentialStore quiet = AuditedCredentialStore.builder(cache, writesOnly).auditReads(false).build();
            quiet.get("db");
            quiet.list("");
            quiet.put("db", SecretValue.login("u", "q"));
            assertEquals(List.of("credential.write:PENDING", "credential.write:SUCCESS"), writesOnly.typesAndOutcomes());
        }
    }

    @Test
    void aRefusedAuditEventWithholdsTheValue() {
        store.put("db", SecretValue.login("u", "p"));
        sink.refuse = true;
        AuditException e = assertThrows(AuditException.class, () -> store.get("db"));
        assertTrue(e.getMessage().contains("audit disk full"));
    }

    /** Every change of the store, as a call on an audited store (names the operation in failures). */
    private static final Map<String, java.util.function.Consumer<CredentialStore>> CHANGES = changes();

    private static Map<String, java.util.function.Consumer<CredentialStore>> changes() {
        Map<String, java.util.function.Consumer<CredentialStore>> changes = new java.util.LinkedHashMap<>();
        changes.put("credential.write", s -> s.put("db", SecretValue.login("u", "new-secret-value")));
        changes.put("credential.custom-metadata", s -> s.setCustomMetadata("db", Map.of("owner", "billing")));
        changes.put("credential.max-versions", s -> s.setMaxVersions("db", 1));
        changes.put("credential.delete", s -> s.delete("db", 2));
        changes.put("credential.undelete", s -> s.undelete("db", 1));
        changes.put("credential.destroy", s -> s.destroy("db", 2));
        changes.put("credential.delete-all", s -> s.deleteAll("db"));
        return changes;
    }

    /** A store holding "db" with version 1 soft-deleted and version 2 current, and what it looks like. */
    private static InMemoryCredentialStore seeded() {
        InMemoryCredentialStore backing = InMemoryCredentialStore.create();
        backing.put("db", SecretValue.login("u", "p1"));
        backing.put("db", SecretValue.login("u", "p2"));
        backing.delete("db", 1);
        return backing;
    }

    private static String snapshot(CredentialStore store) {
        return store.metadata("db").map(m -> m.currentVersion() + " " + m.maxVersions() + " " + m.custom() + " "
                + m.versions().stream().map(v -> v.version() + ":" + v.readable() + ":" + v.destroyed())
                        .collect(Collectors.toList())).orElse("(none)");
    }

    @Test
    void aChangeWhosePendingEventIsRefusedNeverReachesTheStore() {
        for (Map.Entry<String, java.util.function.Consumer<CredentialStore>> change : CHANGES.entrySet()) {
            InMemoryCredentialStore backing = seeded();
            String before = snapshot(backing);
            RecordingAuditSink refusing = new RecordingAuditSink();
            refusing.refuse = true;
            CredentialStore audited = AuditedCredentialStore.builder(backing, refusing).build();
            AuditException e = assertThrows(AuditException.class, () -> change.getValue().accept(audited),
                    change.getKey());
            assertFalse(e instanceof OutcomeNotRecordedException, change.getKey() + ": nothing took effect");
            assertEquals("audit disk full", e.getMessage(), change.getKey() + ": the sink's own exception");
            assertEquals(before, snapshot(backing), change.getKey() + " changed the store without its PENDING event");
            assertEquals(1, refusing.refused(), change.getKey() + ": one attempt, the PENDING event");
        }
    }

    @Test
    void everyChangeIsAPendingEventThenItsOutcomeLinkedToIt() {
        for (Map.Entry<String, java.util.function.Consumer<CredentialStore>> change : CHANGES.entrySet()) {
            InMemoryCredentialStore backing = seeded();
            RecordingAuditSink events = new RecordingAuditSink();
            // The backing store's state when each event is recorded: PENDING must come before the change.
            List<String> stateAtEvent = new CopyOnWriteArrayList<>();
            events.refuseWhen = e -> {
                stateAtEvent.add(snapshot(backing));
                return false;
            };
            String before = snapshot(backing);
            CredentialStore audited = AuditedCredentialStore.builder(backing, events).build();
            AuditedCredentialStore.Scope scope = AuditedCredentialStore.actingAs(Actor.user("alice").from("192.0.2.1",
                    "curl"));
            try {
                change.getValue().accept(audited);
            } finally {
                scope.close();
            }
            assertEquals(List.of(change.getKey() + ":PENDING", change.getKey() + ":SUCCESS"), events.typesAndOutcomes());
            AuditEvent pending = events.events.get(0);
            AuditEvent outcome = events.events.get(1);
            assertEquals(before, stateAtEvent.get(0), change.getKey() + ": the PENDING event was recorded first");
            assertFalse(before.equals(stateAtEvent.get(1)), change.getKey() + ": the outcome after the change");
            assertEquals(AuditEvent.Severity.INFO, pending.severity());
            assertEquals(AuditEvent.Category.ADMIN, pending.category());
            assertEquals(outcome.action(), pending.action());
            assertEquals(outcome.resource(), pending.resource());
            assertEquals("alice", pending.actor().id());
            assertEquals("192.0.2.1", pending.actor().ip());
            assertEquals(pending.id().toString(), outcome.details().get(AuditEvent.PENDING_ID));
            for (Map.Entry<String, Object> d : pending.details().entrySet()) {
                assertEquals(d.getValue(), outcome.details().get(d.getKey()), change.getKey() + ": detail " + d.getKey());
            }
        }
        RecordingAuditSink failing = new RecordingAuditSink();
        CredentialStore audited = AuditedCredentialStore.builder(seeded(), failing).build();
        assertThrows(CredentialNotFoundException.class, () -> audited.delete("db", 7));
        assertEquals(List.of("credential.delete:PENDING", "credential.delete:FAILURE"), failing.typesAndOutcomes());
        assertEquals(failing.events.get(0).id().toString(), failing.events.get(1).details().get(AuditEvent.PENDING_ID));
    }

    @Test
    void aChangeWhoseOutcomeCannotBeRecordedStandsAndSaysSo() {
        String value = "new-secret-value";
        for (Map.Entry<String, java.util.function.Consumer<CredentialStore>> change : CHANGES.entrySet()) {
            InMemoryCredentialStore backing = seeded();
            String before = snapshot(backing);
            RecordingAuditSink outcomesRefused = new RecordingAuditSink();
            outcomesRefused.refuseWhen = e -> e.outcome() != AuditEvent.Outcome.PENDING;
            CredentialStore audited = AuditedCredentialStore.builder(backing, outcomesRefused).build();
            OutcomeNotRecordedException e = assertThrows(OutcomeNotRecordedException.class,
                    () -> change.getValue().accept(audited), change.getKey());
            assertFalse(before.equals(snapshot(backing)), change.getKey() + " took effect");
            assertEquals(change.getKey(), e.operation());
            assertEquals("db", e.target());
            assertTrue(e.getMessage().startsWith(change.getKey() + " of 'db' took effect"), e.getMessage());
            assertTrue(e.getMessage().contains("outcome could not be recorded"), e.getMessage());
            assertFalse(e.getMessage().contains(value), "no value in the message");
            assertEquals(List.of(change.getKey() + ":PENDING"), outcomesRefused.typesAndOutcomes(),
                    "the trail holds the PENDING event");
            assertEquals(change.getKey().equals("credential.write") ? java.util.OptionalInt.of(3)
                    : java.util.OptionalInt.empty(), e.version());
        }
    }

    @Test
    void aRefusedOutcomeOfAChangeThatDidNotHappenIsAPlainAuditException() {
        InMemoryCredentialStore backing = seeded();
        String before = snapshot(backing);
        RecordingAuditSink outcomesRefused = new RecordingAuditSink();
        outcomesRefused.refuseWhen = e -> e.outcome() != AuditEvent.Outcome.PENDING;
        CredentialStore audited = AuditedCredentialStore.builder(backing, outcomesRefused).build();
        AuditException conflict = assertThrows(AuditException.class, () -> audited.put("db", SecretValue.login("u", "x"),
                WriteCondition.createOnly()));
        assertFalse(conflict instanceof OutcomeNotRecordedException, conflict.getMessage());
        assertTrue(conflict.getMessage().contains("changed nothing"), conflict.getMessage());
        assertTrue(conflict.getSuppressed()[0] instanceof VersionConflictException, "the store's failure is kept");
        AuditException missing = assertThrows(AuditException.class, () -> audited.deleteAll("no-such"));
        assertFalse(missing instanceof OutcomeNotRecordedException, missing.getMessage());
        assertEquals(before, snapshot(backing));
        assertFalse(backing.metadata("no-such").isPresent());
    }

    /**
     * Writers on several threads while the sink refuses events at random: a write that threw a plain
     * AuditException never changed the store, every credential in the store has its PENDING event,
     * and a write that took effect said so.
     */
    @Test
    void underConcurrentWritesNoRefusedWriteChangesTheStoreAndEveryChangeHasItsPendingEvent() throws Exception {
        InMemoryCredentialStore backing = InMemoryCredentialStore.create();
        RecordingAuditSink flaky = new RecordingAuditSink();
        java.util.Random random = new java.util.Random(42);
        flaky.refuseWhen = e -> {
            synchronized (random) {
                return random.nextInt(3) == 0;
            }
        };
        CredentialStore audited = AuditedCredentialStore.builder(backing, flaky).build();
        int writes = 400;
        java.util.concurrent.ConcurrentMap<String, String> answers = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < writes; i++) {
                String name = "apps/w" + i;
                futures.add(pool.submit(() -> {
                    go.await();
                    try {
                        audited.put(name, SecretValue.login("u", "p"));
                        answers.put(name, "ok");
                    } catch (OutcomeNotRecordedException e) {
                        answers.put(name, "done-unrecorded");
                    } catch (AuditException e) {
                        answers.put(name, "refused");
                    }
                    return null;
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        java.util.Set<String> pending = flaky.events.stream().filter(e -> e.outcome() == AuditEvent.Outcome.PENDING)
                .map(e -> e.resource().orElseThrow().id()).collect(Collectors.toSet());
        for (Map.Entry<String, String> a : answers.entrySet()) {
            boolean stored = backing.metadata(a.getKey()).isPresent();
            assertEquals(!a.getValue().equals("refused"), stored, a.getKey() + " answered " + a.getValue());
            if (stored) {
                assertTrue(pending.contains(a.getKey()), a.getKey() + " changed the store without a PENDING event");
            }
        }
        assertEquals(writes, answers.size());
        Map<String, Long> kinds = answers.values().stream().collect(Collectors.groupingBy(a -> a, Collectors.counting()));
        assertEquals(3, kinds.size(), "each kind of answer happened: " + kinds);
    }
}
