package dev.infrakit.test.readme;

import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.ForwardingCredentialStore;
import dev.infrakit.credentials.Secret;

import java.util.concurrent.atomic.AtomicLong;

/** A user's decorator, for the README's example of running a contract kit: counts reads. */
final class TracingCredentialStore extends ForwardingCredentialStore {
    final AtomicLong reads = new AtomicLong();

    TracingCredentialStore(CredentialStore delegate) {
        super(delegate);
    }

    @Override
    public Secret get(String name) {
        reads.incrementAndGet();
        return super.get(name);
    }
}
