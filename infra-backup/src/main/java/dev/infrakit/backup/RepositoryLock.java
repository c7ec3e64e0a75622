package dev.infrakit.backup;

/** A held repository run lock; closing it releases it. */
public interface RepositoryLock extends AutoCloseable {

    /** Who holds it: pid, host, purpose and since when. */
    String holder();

    /** Releases the lock. Idempotent. */
    @Override
    void close();
}
