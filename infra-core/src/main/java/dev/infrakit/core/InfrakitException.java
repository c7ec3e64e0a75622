package dev.infrakit.core;

/**
 * Root of every exception Infrakit throws. Unchecked: each module has a small hierarchy below it,
 * and every message says what went wrong in terms a user can act on. Messages never contain
 * secret values.
 */
public class InfrakitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong and, where possible, how to fix it
     */
    public InfrakitException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong and, where possible, how to fix it
     * @param cause the underlying failure
     */
    public InfrakitException(String message, Throwable cause) {
        super(message, cause);
    }
}
