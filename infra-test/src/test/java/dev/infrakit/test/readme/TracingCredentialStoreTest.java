package dev.infrakit.test.readme;

// README infra-test
import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.test.contract.CredentialStoreContract;

/** Every test of the credential store contract, run against our decorator. */
class TracingCredentialStoreTest extends CredentialStoreContract {
    @Override
    protected CredentialStore createStore(ManualClock clock) {
        return new TracingCredentialStore(InMemoryCredentialStore.builder().clock(clock).build());
    }
}
// END README
