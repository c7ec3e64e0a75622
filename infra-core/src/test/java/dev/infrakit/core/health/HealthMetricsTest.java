package dev.infrakit.core.health;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthMetricsTest {

    @Test
    void gaugePerCheckAndTimerPerRun() {
        AtomicReference<HealthStatus> status = new AtomicReference<>(HealthStatus.UP);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (HealthRegistry health = HealthRegistry.builder().build()) {
            health.register(HealthCheck.of("db", () -> HealthResult.of(status.get(), "x").build()).build());
            new HealthMetrics(health).bindTo(meters);
            health.register(HealthCheck.of("late", () -> HealthResult.degraded("slow").build()).build());

            assertTrue(Double.isNaN(meters.get("infrakit.health.status").tag("check", "db").gauge().value()));
            health.check();
            assertEquals(1.0, meters.get("infrakit.health.status").tag("check", "db").gauge().value());
            assertEquals(0.5, meters.get("infrakit.health.status").tag("check", "late").gauge().value(),
                    "checks registered after binding get a gauge too");
            status.set(HealthStatus.DOWN);
            health.check();
            assertEquals(0.0, meters.get("infrakit.health.status").tag("check", "db").gauge().value());
            meters.getMeters().forEach(m -> assertNotNull(m.getId().getDescription(),
                    m.getId().getName() + " has no description (Prometheus HELP; promtool wants one)"));
            Timer up = meters.get("infrakit.health.check.duration").tag("check", "db").tag("status", "UP").timer();
            Timer down = meters.get("infrakit.health.check.duration").tag("check", "db").tag("status", "DOWN").timer();
            assertEquals(1, up.count());
            assertEquals(1, down.count());
        }
    }

    @Test
    void namesCanBeChanged() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (HealthRegistry health = HealthRegistry.builder().build()) {
            health.register(HealthCheck.of("db", () -> HealthResult.up().build()).build());
            new HealthMetrics(health, HealthMetricNames.custom().status("app.health").duration("app.health.time").build())
                    .bindTo(meters);
            health.check();
            assertNotNull(meters.find("app.health").tag("check", "db").gauge());
            assertNotNull(meters.find("app.health.time").tag("check", "db").timer());
        }
        assertEquals("infrakit.health.status", HealthMetricNames.ofDefaults().status());
    }
}
