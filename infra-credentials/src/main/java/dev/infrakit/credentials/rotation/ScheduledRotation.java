package dev.infrakit.credentials.rotation;

import java.time.Instant;
import java.util.Optional;

/**
 * A credential's scheduled rotations, from
 * {@link RotationEngine#schedule(String, RotationSchedule, java.util.concurrent.ScheduledExecutorService)}.
 * Thread-safe.
 */
public interface ScheduledRotation extends AutoCloseable {

    /** The credential. */
    String name();

    /** When the next run is due, or empty once cancelled. */
    Optional<Instant> nextRun();

    /** How many scheduled runs have ended (whatever their outcome). */
    long runs();

    /** Stops scheduling; a run already started finishes. Idempotent. */
    void cancel();

    /** {@link #cancel()}. */
    @Override
    default void close() {
        cancel();
    }
}
