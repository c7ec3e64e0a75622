package dev.infrakit.core.schedule;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ClusterLock} inside one JVM: every scheduler given the same instance is one "cluster".
 * For a single instance of a service (the default behaviour of the schedulers, made explicit) and
 * for tests. A name is held in a concurrent set while its task runs; a thread dying takes the
 * task's {@code finally} with it, so the name is always released. Thread-safe.
 */
public final class LocalClusterLock implements ClusterLock {
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    private LocalClusterLock() {
    }

    /** A new lock, sharing nothing with other instances. */
    public static LocalClusterLock create() {
        return new LocalClusterLock();
    }

    @Override
    public boolean runExclusively(String name, Runnable task) {
        ClusterLock.checkName(name);
        Objects.requireNonNull(task, "task");
        if (!held.add(name)) {
            return false;
        }
        try {
            task.run();
            return true;
        } finally {
            held.remove(name);
        }
    }

    /** Whether a task runs under {@code name} now (for diagnostics). */
    public boolean isHeld(String name) {
        return held.contains(name);
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public String toString() {
        return "LocalClusterLock[held=" + held.size() + "]";
    }
}
