package dev.infrakit.core.schedule;

import dev.infrakit.core.InfrakitException;

/** A {@link ClusterLock} could not be asked for (its database is unreachable, its query failed). */
public class ClusterLockException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with {@code message} and its {@code cause}.
     *
     * @param message what failed, without secrets
     * @param cause the underlying failure
     */
    public ClusterLockException(String message, Throwable cause) {
        super(message, cause);
    }
}
