package dev.infrakit.credentials;

/**
 * A stored record failed its check on read: its ciphertext was modified, it was moved to another
 * name or version, or it was encrypted with a key that is not in the key ring. Never retried: the
 * store's contents or its key configuration need attention.
 */
public class CredentialIntegrityException extends CredentialException {
    private static final long serialVersionUID = 1L;

    /** @param message which record, and what failed */
    public CredentialIntegrityException(String message) {
        super(message);
    }

    /**
     * @param message which record, and what failed
     * @param cause the underlying failure
     */
    public CredentialIntegrityException(String message, Throwable cause) {
        super(message, cause);
    }
}
