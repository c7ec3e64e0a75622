package dev.infrakit.test.credentials;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.test.contract.CredentialStoreContract;

/** The in-memory store against the credential store contract. */
class InMemoryCredentialStoreContractTest extends CredentialStoreContract {
    @Override
    protected CredentialStore createStore(ManualClock clock) {
        return InMemoryCredentialStore.builder().clock(clock).build();
    }
}
