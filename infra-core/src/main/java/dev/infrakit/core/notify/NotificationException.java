package dev.infrakit.core.notify;

import dev.infrakit.core.InfrakitException;

/** A notification could not be delivered. The message never holds secrets (webhook URLs, passwords). */
public class NotificationException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed
     */
    public NotificationException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause the underlying failure
     */
    public NotificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
