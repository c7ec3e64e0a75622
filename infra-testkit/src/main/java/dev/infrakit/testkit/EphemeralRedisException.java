package dev.infrakit.testkit;

/**
 * Thrown when the ephemeral Redis server cannot be found, started, stopped or asked something.
 * The message says what failed and, where it applies, how to fix the environment (install
 * {@code redis-server}, or point {@code INFRAKIT_REDIS_SERVER} at it).
 */
public class EphemeralRedisException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that says what failed.
     *
     * @param message what failed and how to fix it
     */
    public EphemeralRedisException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what failed and how to fix it
     * @param cause the underlying failure
     */
    public EphemeralRedisException(String message, Throwable cause) {
        super(message, cause);
    }
}
