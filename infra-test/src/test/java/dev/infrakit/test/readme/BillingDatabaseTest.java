package dev.infrakit.test.readme;

// README infra-credentials
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.test.RecordingAuditSink;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BillingDatabaseTest {
    /** The code under test: reads the billing database's password from the store. */
    record BillingDatabase(CredentialStore credentials) {
        String password() {
            return credentials.get("apps/billing/db").value().password().orElseThrow();
        }
    }

    @Test
    void readsTheCurrentPasswordAndTheReadIsAudited() {
        RecordingAuditSink audit = new RecordingAuditSink();
        CredentialStore store = AuditedCredentialStore.builder(InMemoryCredentialStore.create(), audit).build();
        store.put("apps/billing/db", SecretValue.login("billing", "test-password"));
        assertEquals("test-password", new BillingDatabase(store).password());
        assertEquals(List.of("credential.write:SUCCESS", "credential.read:SUCCESS"), audit.outcomes());
    }
}
// END README
