package dev.infrakit.ratelimit;

import dev.infrakit.core.InfrakitException;

/** A rate-limit store failed to decide (for example its database is unreachable). */
public class RateLimitException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed
     * @param cause the underlying failure
     */
    public RateLimitException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * @param message what failed
     */
    public RateLimitException(String message) {
        super(message);
    }
}
