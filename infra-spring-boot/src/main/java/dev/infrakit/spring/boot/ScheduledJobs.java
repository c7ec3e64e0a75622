package dev.infrakit.spring.boot;

import dev.infrakit.core.schedule.ScheduledJob;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Several {@link ScheduledJob}s as one bean: the earliest next run, the runs and skips of all,
 * cancelled together.
 */
final class ScheduledJobs implements ScheduledJob {

    private final String name;
    private final List<ScheduledJob> jobs;

    ScheduledJobs(String name, List<ScheduledJob> jobs) {
        this.name = name;
        this.jobs = List.copyOf(jobs);
    }

    /** The jobs, in the order given. */
    List<ScheduledJob> jobs() {
        return jobs;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<Instant> nextRun() {
        return jobs.stream().flatMap(job -> job.nextRun().stream()).min(Instant::compareTo);
    }

    @Override
    public long runs() {
        return jobs.stream().mapToLong(ScheduledJob::runs).sum();
    }

    @Override
    public long skipped() {
        return jobs.stream().mapToLong(ScheduledJob::skipped).sum();
    }

    @Override
    public void cancel() {
        jobs.forEach(ScheduledJob::cancel);
    }

    @Override
    public String toString() {
        return "ScheduledJobs[" + name + ", " + jobs.size() + " jobs]";
    }
}
