package dev.infrakit.test.auth;

import dev.infrakit.auth.ApiKeyStore;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.test.contract.ApiKeyStoreContract;

/** The in-memory API key store against the API key store contract. */
class InMemoryApiKeyStoreContractTest extends ApiKeyStoreContract {
    @Override
    protected ApiKeyStore createStore() {
        return InMemoryApiKeyStore.create();
    }
}
