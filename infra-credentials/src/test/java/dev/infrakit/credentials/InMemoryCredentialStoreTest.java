package dev.infrakit.credentials;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.contract.CredentialStoreContract;

class InMemoryCredentialStoreTest extends CredentialStoreContract {
    @Override
    protected CredentialStore createStore(ManualClock clock) {
        return InMemoryCredentialStore.builder().clock(clock).build();
    }
}
