package dev.infrakit.testkit;

/**
 * Thrown when the ephemeral PostgreSQL server cannot be found, started, stopped or used. The
 * message says what failed and, where it applies, how to fix the environment (install the server
 * binaries, point {@code INFRAKIT_PG_BIN} at them, or set {@code INFRAKIT_TEST_JDBC_URL}).
 */
public class EphemeralPostgresException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that says what failed.
     *
     * @param message what failed and how to fix it
     */
    public EphemeralPostgresException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what failed and how to fix it
     * @param cause the underlying failure
     */
    public EphemeralPostgresException(String message, Throwable cause) {
        super(message, cause);
    }
}
