package dev.infrakit.credentials.rotation;

import dev.infrakit.credentials.SecretValue;

/**
 * How one kind of credential is rotated: the steps {@link RotationEngine} drives, after the AWS
 * Secrets Manager model (create, apply, test; the engine finishes by moving the labels).
 *
 * <p>Every method may be called more than once for the same rotation (a retry after a crash, or
 * a takeover by another engine), so each must be idempotent: {@link #apply} with the same PENDING
 * value twice must leave the target as once. Methods throw any {@link RuntimeException} to fail the
 * step; its message must not contain a secret value (the engine also masks the values it knows).
 *
 * <p>Implementations must be thread-safe: one engine may rotate several credentials at once.
 */
public interface RotationStrategy {

    /**
     * Makes the new value from the CURRENT one (e.g. the same username with a new password). The
     * engine writes it as the PENDING version; nothing may be changed on the target system yet.
     */
    SecretValue create(RotationContext context);

    /** Makes the target system accept {@link RotationContext#pending()} (e.g. {@code ALTER ROLE}). */
    void apply(RotationContext context);

    /** Checks that {@link RotationContext#pending()} works on the target system (e.g. logs in with it). */
    void test(RotationContext context);

    /**
     * Undoes {@link #apply} after a failed apply or test, so that CURRENT (and, where the strategy
     * keeps it working, PREVIOUS) works again. Also idempotent. The default does nothing, for
     * strategies whose apply changes nothing that CURRENT depends on.
     */
    default void rollback(RotationContext context) {
    }
}
