package dev.infrakit.test.credentials;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.test.RecordingAuditSink;
import dev.infrakit.test.contract.CredentialStoreContract;

/** The audited store passes the store contract. */
class AuditedCredentialStoreContractTest extends CredentialStoreContract {
    @Override
    protected CredentialStore createStore(ManualClock clock) {
        return AuditedCredentialStore.builder(InMemoryCredentialStore.builder().clock(clock).build(),
                new RecordingAuditSink()).build();
    }
}
