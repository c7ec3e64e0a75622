package dev.infrakit.spring.boot;

import dev.infrakit.core.schedule.ScheduledJob;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * A {@link ScheduledJob} on a daemon thread of its own, which closing the job also stops: a bean
 * that schedules work owns its thread, and the context's shutdown ends both. (No executor bean:
 * one would make Spring Boot's own task executor back off.)
 */
final class OwnedThreadJob implements ScheduledJob {

    private final ScheduledJob job;
    private final ScheduledExecutorService executor;

    private OwnedThreadJob(ScheduledJob job, ScheduledExecutorService executor) {
        this.job = job;
        this.executor = executor;
    }

    /** Starts {@code start}'s job on a new daemon thread named {@code threadName}. */
    static ScheduledJob start(String threadName, Function<ScheduledExecutorService, ScheduledJob> start) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
        try {
            return new OwnedThreadJob(start.apply(executor), executor);
        } catch (RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    @Override
    public String name() {
        return job.name();
    }

    @Override
    public Optional<Instant> nextRun() {
        return job.nextRun();
    }

    @Override
    public long runs() {
        return job.runs();
    }

    @Override
    public long skipped() {
        return job.skipped();
    }

    /**
     * Cancels the job and stops its thread; a run already started finishes, and the call waits up to
     * ten seconds for it (so a context that closes does not pull files from under a run that is just
     * ending; a longer run goes on, on its daemon thread). Idempotent.
     */
    @Override
    public void cancel() {
        job.cancel();
        executor.shutdown();
        try {
            executor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "OwnedThreadJob[" + job.name() + "]";
    }
}
