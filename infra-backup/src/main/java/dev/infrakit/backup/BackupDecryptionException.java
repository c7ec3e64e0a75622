package dev.infrakit.backup;

/**
 * An encrypted backup artifact cannot be read: it is not one, it names a key that is not held, or a
 * chunk fails authentication (altered, reordered, truncated, extended, or another key). The message
 * says which, and which chunk; it never holds key material or plaintext.
 */
public class BackupDecryptionException extends BackupException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed */
    public BackupDecryptionException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause the underlying failure
     */
    public BackupDecryptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
