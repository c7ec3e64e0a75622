package dev.infrakit.credentials;

/**
 * A store that reports changes to its credentials, made through any instance that shares it.
 * {@link CachingCredentialStore} subscribes when its store implements this, so that writes made
 * elsewhere invalidate its cache.
 */
public interface CredentialChanges {

    /**
     * Starts telling {@code listener} about changes; closing the returned handle stops it.
     *
     * @throws CredentialException if the subscription cannot be set up
     */
    AutoCloseable subscribe(CredentialChangeListener listener);
}
