package dev.infrakit.core.schedule;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.http.ClientText;

import java.util.Objects;
import java.util.Optional;

/**
 * A cluster-wide lock for scheduled work: several instances of a service schedule the same job
 * (a backup, a key rotation), and {@link #runExclusively} runs it on the one instance that holds the
 * named lock at that moment; the others skip the run without waiting. Built in:
 * {@link LocalClusterLock} (one JVM; one instance, tests) and {@link PostgresClusterLock}
 * (PostgreSQL advisory locks; works through PgBouncer in transaction pooling mode).
 *
 * <p>Contract:
 * <ul>
 *   <li>while a task runs under a name, no other task runs under that name through any lock of the
 *       same cluster (the same JVM's {@code LocalClusterLock} instance, the same PostgreSQL
 *       database and namespace); a second caller gets {@code false} at once, never waits;</li>
 *   <li>the lock is released when the task ends, whether it returns or throws; if the holder
 *       dies (its process is killed, its connection cut), the lock is released with it, so another
 *       instance can run the next time;</li>
 *   <li>it excludes concurrent runs only: it remembers nothing once released. Run-once-per-slot
 *       comes from the task checking, under the lock, whether the slot was already done (the
 *       schedulers wired to it do, from their own stores); see {@link ScheduledJob#start(String,
 *       Schedule, java.util.concurrent.ScheduledExecutorService, java.time.Clock, ClusterLock, String,
 *       java.util.function.Consumer)};</li>
 *   <li>names are checked by {@link #checkName}; thread-safe.</li>
 * </ul>
 *
 * <p>Optional capabilities are {@code default} methods: {@link #healthCheck()} and {@link #close()}.
 * Locks are created by a {@link ClusterLockProvider} found by ServiceLoader, or directly
 * ({@link LocalClusterLock#create()}, {@link PostgresClusterLock#builder}).
 */
public interface ClusterLock extends AutoCloseable {

    /** The longest lock name, in characters. */
    int MAX_NAME_LENGTH = 512;

    /**
     * Runs {@code task} on the calling thread if this instance can take the lock {@code name} now,
     * holding it until the task ends; else does nothing. Never blocks waiting for another holder.
     * An exception of the task is thrown to the caller after the lock is released.
     *
     * @param name the lock's name, as {@link #checkName} accepts
     * @param task what to run while holding it
     * @return whether the task ran ({@code false}: another holder had the lock)
     * @throws IllegalArgumentException if {@code name} is invalid
     * @throws ClusterLockException if the lock cannot be asked for (the database is unreachable):
     *     the task did not run
     */
    boolean runExclusively(String name, Runnable task);

    /** A short name for logs and health, e.g. {@code local} or {@code postgres}. */
    String name();

    /**
     * A health check of what the lock depends on (the database), for a {@code HealthRegistry};
     * empty (the default) when nothing can fail. Each call creates a new check.
     */
    default Optional<HealthCheck> healthCheck() {
        return Optional.empty();
    }

    /** Releases the lock's resources; the default holds none and does nothing. Idempotent. */
    @Override
    default void close() {
    }

    /**
     * Checks a lock name: 1 to {@link #MAX_NAME_LENGTH} characters, no control character (C0, DEL,
     * C1, line or paragraph separators) and no unpaired surrogate, so that two different names
     * never encode to the same bytes.
     *
     * @return {@code name}
     * @throws IllegalArgumentException naming what is wrong (the name itself escaped and cut)
     */
    static String checkName(String name) {
        Objects.requireNonNull(name, "lock name");
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("A cluster lock name must have 1 to " + MAX_NAME_LENGTH
                    + " characters, got " + name.length() + ": '" + ClientText.forLog(name, 80) + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (ClientText.isControl(c)) {
                throw new IllegalArgumentException("A cluster lock name must not contain control characters, got "
                        + String.format("U+%04X", (int) c) + " at index " + i + " in '" + ClientText.forLog(name, 80) + "'");
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("A cluster lock name must be valid UTF-16, got an unpaired surrogate "
                        + String.format("U+%04X", (int) c) + " at index " + i + " in '" + ClientText.forLog(name, 80) + "'");
            }
        }
        return name;
    }
}
