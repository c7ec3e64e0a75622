package dev.infrakit.examples;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.lang.management.ManagementFactory;

/**
 * The demo's Prometheus registry, set up so that {@code /metrics} passes {@code promtool check
 * metrics} ({@code PromtoolIT}). Two of Micrometer's system meters break Prometheus' naming rules
 * as they come:
 * <ul>
 * <li>{@code process.cpu.time} (ProcessorMetrics) counts nanoseconds, so it is exposed as
 *     {@code process_cpu_time_ns_total}, an abbreviated unit where Prometheus wants the base unit.
 *     It is replaced by {@code process.cpu} in seconds: {@code process_cpu_seconds_total}, the name
 *     Prometheus' own client libraries give the same value.</li>
 * <li>{@code system.cpu.count} is a gauge whose name ends in {@code _count}, which Prometheus keeps
 *     for histograms and summaries: renamed {@code system.cpus.available}
 *     ({@code Runtime.availableProcessors()}, which it is).</li>
 * </ul>
 * Every Infrakit meter has a description, so each series has its {@code # HELP}.
 */
final class DemoMetrics {
    private DemoMetrics() {
    }

    /**
     * A Prometheus registry with the two fixes above, which apply to the meters bound to it later
     * (ProcessorMetrics included), and the process CPU time in seconds.
     */
    static PrometheusMeterRegistry create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config()
                .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")
                        && "ns".equals(id.getBaseUnit())))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus.available") : id;
                    }
                });
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the JVM process").register(registry);
        }
        return registry;
    }
}
