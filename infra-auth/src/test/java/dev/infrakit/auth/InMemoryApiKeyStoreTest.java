package dev.infrakit.auth;

import dev.infrakit.auth.contract.ApiKeyStoreContract;

/** The API key store contract in memory. */
class InMemoryApiKeyStoreTest extends ApiKeyStoreContract {
    @Override
    protected ApiKeyStore createStore() {
        return InMemoryApiKeyStore.create();
    }
}
