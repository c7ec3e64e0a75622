package dev.infrakit.test.credentials;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.test.contract.CredentialStoreContract;
import org.junit.jupiter.api.Nested;

/**
 * The cache passes the store contract (writes through it invalidate what it cached), caching
 * values only and caching metadata as well.
 */
class CachingCredentialStoreContractTest extends CredentialStoreContract {
    @Override
    protected CredentialStore createStore(ManualClock clock) {
        return CachingCredentialStore.builder(InMemoryCredentialStore.builder().clock(clock).build()).ticker(clock)
                .executor(Runnable::run).build();
    }

    /** With {@code cacheMetadata(true)}: every metadata read after a write through it sees the write. */
    @Nested
    class WithCachedMetadata extends CredentialStoreContract {
        @Override
        protected CredentialStore createStore(ManualClock clock) {
            return CachingCredentialStore.builder(InMemoryCredentialStore.builder().clock(clock).build()).ticker(clock)
                    .executor(Runnable::run).cacheMetadata(true).build();
        }
    }
}
