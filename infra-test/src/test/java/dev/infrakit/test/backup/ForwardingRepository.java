package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.RepositoryLock;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** A repository that forwards every call to another; tests override what they want to change. */
class ForwardingRepository implements BackupRepository {
    private final BackupRepository delegate;

    ForwardingRepository(BackupRepository delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Staging begin(Manifest running) {
        return delegate.begin(running);
    }

    @Override
    public List<Manifest> list() {
        return delegate.list();
    }

    @Override
    public Optional<Manifest> find(String id) {
        return delegate.find(id);
    }

    @Override
    public InputStream open(String id, String artifact) throws IOException {
        return delegate.open(id, artifact);
    }

    @Override
    public void update(Manifest manifest) {
        delegate.update(manifest);
    }

    @Override
    public void delete(String id) {
        delegate.delete(id);
    }

    @Override
    public long usableSpace() {
        return delegate.usableSpace();
    }

    @Override
    public RepositoryLock lock(String purpose) {
        return delegate.lock(purpose);
    }
}
