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

    /**
     * How many scheduled runs were skipped because another instance held the job's
     * {@link ClusterLock} (counted in {@link #runs()} too); always 0 without a lock.
     */
    default long skipped() {
        return 0;
    }

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

    /**
     * Runs {@code task} on {@code schedule} as {@link #start(String, Schedule,
     * java.util.concurrent.ScheduledExecutorService, java.time.Clock, Runnable)} does, each run only
     * if this instance holds {@code lock}'s lock {@code lockName} ({@link ClusterLock#runExclusively}):
     * with every instance scheduling the same job on one shared lock, runs that overlap execute
     * once. A run that finds the lock held elsewhere is skipped: logged at debug, counted in
     * {@link #skipped()}, not an error. {@code task} receives the run's due time (its slot), so
     * that, under the lock, it can check whether another instance already did this slot (the lock
     * remembers nothing once released) and return without doing it again. Slots coincide across
     * instances only for schedules aligned to the clock ({@link Schedule#cron}, {@code dailyAt},
     * {@code weeklyAt}); {@link Schedule#every} counts from each instance's start.
     *
     * @throws IllegalArgumentException if {@code lockName} is not a valid lock name
     */
    static ScheduledJob start(String name, Schedule schedule, java.util.concurrent.ScheduledExecutorService executor,
            java.time.Clock clock, ClusterLock lock, String lockName, java.util.function.Consumer<Instant> task) {
        return dev.infrakit.core.internal.ScheduledRun.start(name, schedule, executor, clock, lock, lockName, task);
    }
}
