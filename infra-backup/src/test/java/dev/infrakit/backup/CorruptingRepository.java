package dev.infrakit.backup;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A repository that passes everything to another, but runs a hook before each {@link #open} and
 * can flip the first byte of what {@link #open} returns: corruption in transit.
 */
class CorruptingRepository implements BackupRepository {
    /** Runs before an artifact is opened. */
    interface BeforeOpen {
        void run(String id, String artifact) throws IOException;
    }

    private final BackupRepository delegate;
    private final boolean flipFirstByte;
    private final BeforeOpen beforeOpen;

    CorruptingRepository(BackupRepository delegate, boolean flipFirstByte, BeforeOpen beforeOpen) {
        this.delegate = delegate;
        this.flipFirstByte = flipFirstByte;
        this.beforeOpen = beforeOpen;
    }

    @Override
    public String name() {
        return "corrupting:" + delegate.name();
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
        beforeOpen.run(id, artifact);
        InputStream in = delegate.open(id, artifact);
        if (!flipFirstByte) {
            return in;
        }
        return new FilterInputStream(in) {
            private boolean first = true;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0 && first) {
                    b[off] ^= 0x01;
                    first = false;
                }
                return n;
            }
        };
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
