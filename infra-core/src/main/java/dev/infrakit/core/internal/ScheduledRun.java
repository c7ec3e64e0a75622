package dev.infrakit.core.internal;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs a task on a {@link Schedule}: each run arms the next, never before the run just done; a
 * failing run is logged and the schedule goes on; with a {@link ClusterLock}, a run happens only
 * while this instance holds the job's lock, else it is skipped and counted. Behind
 * {@link ScheduledJob#start}.
 */
public final class ScheduledRun implements ScheduledJob {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledRun.class);

    private final String name;
    private final Schedule schedule;
    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final ClusterLock lock;
    private final String lockName;
    private final Consumer<Instant> task;
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private boolean cancelled;
    private Instant next;
    private ScheduledFuture<?> future;

    private ScheduledRun(String name, Schedule schedule, ScheduledExecutorService executor, Clock clock,
            ClusterLock lock, String lockName, Consumer<Instant> task) {
        this.name = Objects.requireNonNull(name, "name");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lock = lock;
        this.lockName = lockName;
        this.task = Objects.requireNonNull(task, "task");
    }

    /** Schedules {@code task} for {@code name} from now on. */
    public static ScheduledRun start(String name, Schedule schedule, ScheduledExecutorService executor,
            Clock clock, Runnable task) {
        Objects.requireNonNull(task, "task");
        ScheduledRun run = new ScheduledRun(name, schedule, executor, clock, null, null, due -> task.run());
        run.arm(clock.instant());
        return run;
    }

    /** Schedules {@code task} for {@code name} from now on, each run under {@code lock}'s {@code lockName}. */
    public static ScheduledRun start(String name, Schedule schedule, ScheduledExecutorService executor,
            Clock clock, ClusterLock lock, String lockName, Consumer<Instant> task) {
        Objects.requireNonNull(lock, "lock");
        ClusterLock.checkName(lockName);
        ScheduledRun run = new ScheduledRun(name, schedule, executor, clock, lock, lockName, task);
        run.arm(clock.instant());
        return run;
    }

    private synchronized void arm(Instant from) {
        if (cancelled) {
            return;
        }
        next = schedule.next(from);
        long delay = Math.max(0, Duration.between(clock.instant(), next).toNanos());
        try {
            future = executor.schedule(this::run, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("Schedule of '{}' stopped: its executor refused the next run", name);
            cancelled = true;
            next = null;
        }
    }

    private void run() {
        Instant due;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            due = next;
        }
        try {
            if (lock == null) {
                task.accept(due);
            } else if (!lock.runExclusively(lockName, () -> task.accept(due))) {
                skipped.incrementAndGet();
                LOG.debug("Scheduled run of '{}' skipped: another instance holds the cluster lock '{}'",
                        ClientText.forLog(name, 200), ClientText.forLog(lockName, 200));
            }
        } catch (RuntimeException e) {
            LOG.warn("Scheduled run of '{}' failed: {}", ClientText.forLog(name, 200), ClientText.forLog(e.getMessage(), 1000));
        } finally {
            runs.incrementAndGet();
            Instant now = clock.instant();
            // Never before the run just done, so an early wake-up cannot run the same slot twice.
            arm(now.isAfter(due) ? now : due);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized Optional<Instant> nextRun() {
        return Optional.ofNullable(next);
    }

    @Override
    public long runs() {
        return runs.get();
    }

    @Override
    public long skipped() {
        return skipped.get();
    }

    @Override
    public synchronized void cancel() {
        cancelled = true;
        next = null;
        if (future != null) {
            future.cancel(false);
        }
    }

    @Override
    public String toString() {
        return "ScheduledJob[" + name + ", " + schedule + (lock == null ? "" : ", lock " + lock.name() + " '" + lockName + "'")
                + "]";
    }
}
