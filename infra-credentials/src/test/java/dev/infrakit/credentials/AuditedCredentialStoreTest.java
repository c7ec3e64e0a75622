package dev.infrakit.credentials;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.contract.CredentialStoreContract;
import org.junit.jupiter.api.Nested;
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

        /** The audited store passes the store contract. */
    @Nested
    class Contract extends CredentialStoreContract {
        @Override
        protected CredentialStore createStore(ManualClock clock) {
            return AuditedCredentialStore.builder(InMemoryCredentialStore.builder().clock(clock).build(),
                    new RecordingAuditSink()).build();
        }
    }

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
        assertEquals(List.of("credential.write:SUCCESS", "credential.read:SUCCESS", "credential.read:SUCCESS",
                "credential.metadata:SUCCESS", "credential.list:SUCCESS", "credential.custom-metadata:SUCCESS",
                "credential.max-versions:SUCCESS", "credential.delete:SUCCESS", "credential.undelete:SUCCESS",
                "credential.destroy:SUCCESS", "credential.delete-all:SUCCESS"), sink.typesAndOutcomes());
        AuditEvent write = sink.events.get(0);
        assertEquals("alice", write.actor().id());
        assertEquals(AuditEvent.Category.ADMIN, write.category());
        assertEquals("apps/db", write.resource().orElseThrow().id());
        assertEquals(1, write.details().get("version"));
        AuditEvent read = sink.events.get(1);
        assertEquals(AuditEvent.Category.DATA_ACCESS, read.category());
        assertEquals(1, read.details().get("version"));
        assertEquals(1, sink.events.get(4).details().get("count"));
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
        AuditEvent notFound = sink.events.get(1);
        assertEquals(AuditEvent.Outcome.FAILURE, notFound.outcome());
        assertEquals(AuditEvent.Severity.WARN, notFound.severity());
        assertTrue(notFound.reason().orElseThrow().startsWith("CredentialNotFoundException: No credential named 'missing'"),
                notFound.reason().orElseThrow());
        assertEquals("system", sink.events.get(2).actor().id(), "without actingAs, the system acts");
        assertTrue(sink.events.get(2).reason().orElseThrow().contains("expected it not to exist"));
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
            assertEquals(List.of("credential.write:SUCCESS"), writesOnly.typesAndOutcomes());
        }
    }

    @Test
    void aRefusedAuditEventWithholdsTheValue() {
        store.put("db", SecretValue.login("u", "p"));
        sink.refuse = true;
        AuditException e = assertThrows(AuditException.class, () -> store.get("db"));
        assertTrue(e.getMessage().contains("audit disk full"));
    }
}
