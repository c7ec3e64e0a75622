package dev.infrakit.backup;

import dev.infrakit.core.InfrakitException;

/** A backup, copy, verification or restore failed; the message says which step and why. */
public class BackupException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed */
    public BackupException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause the underlying failure
     */
    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
