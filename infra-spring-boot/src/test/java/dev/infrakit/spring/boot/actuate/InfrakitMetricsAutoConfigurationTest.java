package dev.infrakit.spring.boot.actuate;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.MemoryAuditLog;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.infrakit.core.schedule.LocalClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class InfrakitMetricsAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InfrakitMetricsAutoConfiguration.class));

    @Test
    void noInfrakitBeansNoBinders() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeterBinder.class));
    }

    @Test
    void everyInfrakitBeansMetersAreBoundOnTheRegistry() {
        runner.withBean(RateLimiter.class, () -> RateLimiter.of(RateLimitPolicy.parse("client", "5/1s")))
                .withBean(AuditSink.class, MemoryAuditLog::create)
                .withBean(HealthRegistry.class, () -> HealthRegistry.builder().build()
                        .register(HealthCheck.of("db", () -> HealthResult.up().build()).build()))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasBean("infrakitRateLimitMetrics").hasBean("infrakitHealthMetrics")
                            .hasBean("infrakitAuditMetrics");
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    context.getBeansOfType(MeterBinder.class).values().forEach(binder -> binder.bindTo(registry));
                    context.getBean(RateLimiter.class).tryAcquire("192.0.2.1");
                    context.getBean(HealthRegistry.class).check();
                    assertThat(registry.getMeters()).extracting(meter -> meter.getId().getName())
                            .anyMatch(name -> name.startsWith("infrakit.ratelimit"))
                            .anyMatch(name -> name.startsWith("infrakit.health"));
                });
    }

    @Test
    void aBinderOfTheSameNameReplacesOursAndWithoutMicrometerThereAreNone() {
        MeterBinder own = registry -> registry.counter("own").increment();
        runner.withBean(RateLimiter.class, () -> RateLimiter.of(RateLimitPolicy.parse("client", "5/1s")))
                .withBean("infrakitRateLimitMetrics", MeterBinder.class, () -> own)
                .run(context -> assertThat(context).getBean("infrakitRateLimitMetrics").isSameAs(own));
        runner.withBean(RateLimiter.class, () -> RateLimiter.of(RateLimitPolicy.parse("client", "5/1s")))
                .withClassLoader(new FilteredClassLoader(MeterBinder.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("infrakitRateLimitMetrics"));
    }

    @Test
    void everyScheduledJobsRunsAndSkippedRunsAreCounted() {
        LocalClusterLock lock = LocalClusterLock.create();
        AtomicInteger ran = new AtomicInteger();
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try {
            // Due every millisecond: runs come as fast as the executor takes them.
            Schedule often = after -> after.plusMillis(1);
            runner.withBean("nightlyReport", ScheduledJob.class, () -> ScheduledJob.start("report", often, executor,
                            java.time.Clock.systemUTC(), lock, "report", due -> ran.incrementAndGet()))
                    .run(context -> {
                        assertThat(context).hasNotFailed().hasBean("infrakitScheduledJobMetrics");
                        SimpleMeterRegistry registry = new SimpleMeterRegistry();
                        context.getBeansOfType(MeterBinder.class).values().forEach(binder -> binder.bindTo(registry));
                        ScheduledJob job = context.getBean(ScheduledJob.class);
                        // Another instance holds the lock for a while: the runs in that time are skipped.
                        lock.runExclusively("report", () -> {
                            long until = System.nanoTime() + 300_000_000L;
                            while (job.skipped() < 3 && System.nanoTime() < until) {
                                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                            }
                        });
                        long deadline = System.nanoTime() + 10_000_000_000L;
                        while (ran.get() < 3 && System.nanoTime() < deadline) {
                            Thread.sleep(5);
                        }
                        job.cancel();
                        double runs = registry.get("infrakit.scheduled.job.runs").tag("job", "nightlyReport")
                                .functionCounter().count();
                        double skipped = registry.get("infrakit.scheduled.job.skipped").tag("job", "nightlyReport")
                                .functionCounter().count();
                        assertThat(skipped).isGreaterThanOrEqualTo(3).isEqualTo(job.skipped());
                        assertThat(ran.get()).isGreaterThanOrEqualTo(3);
                        assertThat(runs).isEqualTo(job.runs()).isGreaterThanOrEqualTo(skipped + 3);
                    });
        } finally {
            executor.shutdownNow();
        }
    }
}
