package dev.infrakit.benchmarks;

import com.codahale.metrics.health.HealthCheckRegistry;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthReport;
import dev.infrakit.core.health.HealthResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One evaluation of ten health checks: Infrakit's {@link HealthRegistry} (parallel, with a timeout
 * per check) against Dropwizard's {@code HealthCheckRegistry} (sequential, or parallel on an
 * executor; no timeouts, so it has no answer at all while a check hangs and is measured with
 * instant checks only).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HealthRegistryBenchmark {
    static final int CHECKS = 10;
    static final Duration HUNG_TIMEOUT = Duration.ofMillis(100);

    /** Ten checks that answer at once. */
    @State(Scope.Benchmark)
    public static class Instant {
        HealthRegistry infrakit;
        HealthCheckRegistry dropwizard;
        ExecutorService dropwizardPool;

        @Setup
        public void setUp() {
            infrakit = HealthRegistry.builder().build();
            dropwizard = new HealthCheckRegistry();
            dropwizardPool = Executors.newFixedThreadPool(CHECKS);
            for (int i = 0; i < CHECKS; i++) {
                int n = i;
                infrakit.register(HealthCheck.of("check-" + i, () -> HealthResult.up().observed(n, null).build()).build());
                dropwizard.register("check-" + i, new com.codahale.metrics.health.HealthCheck() {
                    @Override
                    protected Result check() {
                        return Result.builder().healthy().withDetail("observed", n).build();
                    }
                });
            }
        }

        @TearDown
        public void tearDown() {
            infrakit.close();
            dropwizardPool.shutdownNow();
        }
    }

    /**
     * Nine instant checks and one that never returns (timeout 100 ms), in a new registry for every
     * evaluation: what the first probe after a dependency hangs costs.
     */
    @State(Scope.Thread)
    public static class FreshHung {
        HealthRegistry infrakit;
        CountDownLatch never;

        @Setup(Level.Invocation)
        public void setUp() {
            never = new CountDownLatch(1);
            infrakit = hungRegistry(never);
        }

        @TearDown(Level.Invocation)
        public void tearDown() {
            never.countDown();
            infrakit.close();
        }
    }

    /**
     * The same ten checks in one registry whose hung check is already running: later probes report
     * it timed out without waiting for it again.
     */
    @State(Scope.Benchmark)
    public static class SteadyHung {
        HealthRegistry infrakit;
        CountDownLatch never;

        @Setup
        public void setUp() {
            never = new CountDownLatch(1);
            infrakit = hungRegistry(never);
            infrakit.check();
        }

        @TearDown
        public void tearDown() {
            never.countDown();
            infrakit.close();
        }
    }

    static HealthRegistry hungRegistry(CountDownLatch never) {
        HealthRegistry registry = HealthRegistry.builder().build();
        for (int i = 0; i < CHECKS - 1; i++) {
            registry.register(HealthCheck.of("check-" + i, () -> HealthResult.up().build()).build());
        }
        registry.register(HealthCheck.of("hung", () -> {
            never.await();
            return HealthResult.up().build();
        }).timeout(HUNG_TIMEOUT).build());
        return registry;
    }

    @Benchmark
    public HealthReport infrakitTenInstant(Instant state) {
        return state.infrakit.check();
    }

    @Benchmark
    public SortedMap<String, com.codahale.metrics.health.HealthCheck.Result> dropwizardTenInstantSequential(Instant state) {
        return state.dropwizard.runHealthChecks();
    }

    @Benchmark
    public Map<String, com.codahale.metrics.health.HealthCheck.Result> dropwizardTenInstantParallel(Instant state) {
        return state.dropwizard.runHealthChecks(state.dropwizardPool);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public HealthReport infrakitNineInstantOneHungFirstProbe(FreshHung state) {
        return state.infrakit.check();
    }

    @Benchmark
    public HealthReport infrakitNineInstantOneHungLaterProbes(SteadyHung state) {
        return state.infrakit.check();
    }
}
