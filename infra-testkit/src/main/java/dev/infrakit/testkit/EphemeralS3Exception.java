package dev.infrakit.testkit;

/**
 * Thrown when the ephemeral S3 server (S3Proxy) cannot be found, started or stopped.
 * The message says what failed and, where it applies, how to fix the environment (build
 * {@code infra-testkit-s3proxy}, or point {@code infrakit.s3proxy.dir} at its jars).
 */
public class EphemeralS3Exception extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that says what failed.
     *
     * @param message what failed and how to fix it
     */
    public EphemeralS3Exception(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what failed and how to fix it
     * @param cause the underlying failure
     */
    public EphemeralS3Exception(String message, Throwable cause) {
        super(message, cause);
    }
}
