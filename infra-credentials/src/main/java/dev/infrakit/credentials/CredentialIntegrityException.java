package dev.infrakit.credentials;

/**
 * A stored record failed its check on read: its ciphertext or metadata was modified, it was moved to
 * another name or version, it was encrypted with a key that is not in the key ring, or (in a
 * {@link FileCredentialStore}) it is an older copy put back, i.e. rolled back. Never retried: the
 * store's contents or its key configuration need attention. The message names the credential and
 * the file, never a value.
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
