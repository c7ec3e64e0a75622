package dev.infrakit.audit;

import dev.infrakit.core.InfrakitException;

/** An audit event is invalid, or could not be recorded. Messages never contain secret values. */
public class AuditException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the field
     */
    public AuditException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause the underlying failure
     */
    public AuditException(String message, Throwable cause) {
        super(message, cause);
    }
}
