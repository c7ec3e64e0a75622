package dev.infrakit.credentials;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link CredentialStore} that forwards every call to another: the base of decorators, which
 * override what they change.
 */
public abstract class ForwardingCredentialStore implements CredentialStore {
    private final CredentialStore delegate;

    /** @param delegate the store calls go to */
    protected ForwardingCredentialStore(CredentialStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The store calls go to. */
    protected CredentialStore delegate() {
        return delegate;
    }

    @Override
    public Secret get(String name) {
        return delegate.get(name);
    }

    @Override
    public Secret get(String name, int version) {
        return delegate.get(name, version);
    }

    @Override
    public int put(String name, SecretValue value, WriteCondition condition) {
        return delegate.put(name, value, condition);
    }

    @Override
    public Optional<CredentialMetadata> metadata(String name) {
        return delegate.metadata(name);
    }

    @Override
    public List<CredentialMetadata> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public void setCustomMetadata(String name, Map<String, String> custom) {
        delegate.setCustomMetadata(name, custom);
    }

    @Override
    public void setMaxVersions(String name, int maxVersions) {
        delegate.setMaxVersions(name, maxVersions);
    }

    @Override
    public void delete(String name, int... versions) {
        delegate.delete(name, versions);
    }

    @Override
    public void undelete(String name, int... versions) {
        delegate.undelete(name, versions);
    }

    @Override
    public void destroy(String name, int... versions) {
        delegate.destroy(name, versions);
    }

    @Override
    public boolean deleteAll(String name) {
        return delegate.deleteAll(name);
    }

    /** The delegate's. */
    @Override
    public java.util.Optional<dev.infrakit.core.health.HealthCheck> healthCheck() {
        return delegate.healthCheck();
    }

    /** The delegate's. */
    @Override
    public java.util.Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
        return delegate.metrics();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
