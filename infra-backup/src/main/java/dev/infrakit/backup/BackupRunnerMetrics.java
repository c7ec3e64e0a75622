package dev.infrakit.backup;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** The meters of a {@link BackupRunner}, read from the runner's own counters when scraped. */
final class BackupRunnerMetrics implements MeterBinder {
    private static final String RUNS = "Backup runs by result";
    private final BackupRunner runner;
    private final BackupMetricNames names;

    static MeterBinder of(BackupRunner runner, BackupMetricNames names) {
        return new BackupRunnerMetrics(runner, names);
    }

    BackupRunnerMetrics(BackupRunner runner, BackupMetricNames names) {
        this.runner = runner;
        this.names = names;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String source = runner.sourceName();
        FunctionCounter.builder(names.runs(), runner, BackupRunner::successes).tag("source", source)
                .tag("result", "success").description(RUNS).register(registry);
        FunctionCounter.builder(names.runs(), runner, BackupRunner::failures).tag("source", source)
                .tag("result", "failure").description(RUNS).register(registry);
        Gauge.builder(names.lastSuccess(), runner, r -> r.lastSuccess() == null ? 0
                : r.lastSuccess().started().getEpochSecond()).tag("source", source).baseUnit("seconds")
                .description("When the last successful backup started, in seconds since the epoch (0: none yet)")
                .register(registry);
        Gauge.builder(names.lastDuration(), runner, r -> r.lastDuration().toMillis() / 1000.0)
                .tag("source", source).baseUnit("seconds").description("How long the last successful backup took")
                .register(registry);
        Gauge.builder(names.lastSize(), runner, r -> r.lastSuccess() == null ? 0 : r.lastSuccess().size())
                .tag("source", source).baseUnit("bytes").description("Size of the last successful backup (0: none yet)")
                .register(registry);
    }
}
