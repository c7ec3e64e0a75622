package dev.infrakit.core.internal;

import dev.infrakit.core.http.ClientText;
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

/**
 * Runs a task on a {@link Schedule}: each run arms the next, never before the run just done; a
 * failing run is logged and the schedule goes on. Behind {@link ScheduledJob#start}.
 */
public final class ScheduledRun implements ScheduledJob {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledRun.class);

    private final String name;
    private final Schedule schedule;
    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final Runnable task;
    private final AtomicLong runs = new AtomicLong();
    private boolean cancelled;
    private Instant next;
    private ScheduledFuture<?> future;

    private ScheduledRun(String name, Schedule schedule, ScheduledExecutorService executor, Clock clock,
            Runnable task) {
        this.name = name;
        this.schedule = schedule;
        this.executor = executor;
        this.clock = clock;
        this.task = task;
    }

    /** Schedules {@code task} for {@code name} from now on. */
    public static ScheduledRun start(String name, Schedule schedule, ScheduledExecutorService executor,
            Clock clock, Runnable task) {
        ScheduledRun run = new ScheduledRun(Objects.requireNonNull(name, "name"), Objects.requireNonNull(schedule,
                "schedule"), Objects.requireNonNull(executor, "executor"), Objects.requireNonNull(clock, "clock"),
                Objects.requireNonNull(task, "task"));
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
            task.run();
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
    public synchronized void cancel() {
        cancelled = true;
        next = null;
        if (future != null) {
            future.cancel(false);
        }
    }

    @Override
    public String toString() {
        return "ScheduledJob[" + name + ", " + schedule + "]";
    }
}
