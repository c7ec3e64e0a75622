package dev.infrakit.core.schedule;

import java.time.Instant;
import java.util.Optional;

/**
 * A task running on a {@link Schedule} (a rotation, a backup): each run arms the next, never
 * before the run just done; a failing run is logged and the schedule goes on. Thread-safe.
 */
public interface ScheduledJob extends AutoCloseable {

    /** What runs (e.g. the credential rotated, the source backed up). */
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

    /**
     * Runs {@code task} on {@code schedule}, on {@code executor}, with times from {@code clock}
     * (tests drive both), from now on.
     */
    static ScheduledJob start(String name, Schedule schedule, java.util.concurrent.ScheduledExecutorService executor,
            java.time.Clock clock, Runnable task) {
        return dev.infrakit.core.internal.ScheduledRun.start(name, schedule, executor, clock, task);
    }
}
