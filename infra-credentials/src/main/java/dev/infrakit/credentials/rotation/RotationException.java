package dev.infrakit.credentials.rotation;

import dev.infrakit.credentials.CredentialException;

/**
 * A rotation failed or could not run. The message names the credential, the rotation's id and the
 * step, never a secret value.
 */
public class RotationException extends CredentialException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong */
    public RotationException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public RotationException(String message, Throwable cause) {
        super(message, cause);
    }
}
