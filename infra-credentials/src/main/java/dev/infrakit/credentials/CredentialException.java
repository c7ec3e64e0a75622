package dev.infrakit.credentials;

import dev.infrakit.core.InfrakitException;

/**
 * A credential store operation failed. Subclasses say why; messages name the credential and the
 * version, never a secret value.
 */
public class CredentialException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong */
    public CredentialException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public CredentialException(String message, Throwable cause) {
        super(message, cause);
    }
}
