package dev.infrakit.credentials;

/**
 * Told about writes to a store, including writes made by other processes where the store can see
 * them (PostgreSQL: LISTEN/NOTIFY). Called from the store's notification thread: return quickly.
 */
public interface CredentialChangeListener {

    /** The credential {@code name} was written, deleted or changed in any way. */
    void changed(String name);

    /**
     * Changes may have been missed (the notification connection dropped, or has just been
     * re-established): treat everything as changed.
     */
    void resync();
}
