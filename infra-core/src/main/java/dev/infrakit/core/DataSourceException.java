package dev.infrakit.core;

/**
 * A connection pool could not be created or could not reach its database. The message names the
 * URL (with any password parameter masked), the user and the database's own reason; it never
 * contains the password.
 */
public class DataSourceException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed
     * @param cause the driver's or pool's exception
     */
    public DataSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
