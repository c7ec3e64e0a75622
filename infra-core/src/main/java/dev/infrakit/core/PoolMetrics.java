package dev.infrakit.core;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Plugs HikariCP's Micrometer tracker into a pool's configuration. A class of its own because
 * verifying {@link DataSources} must not load HikariCP's tracker interface: then the SQL-script
 * helpers of {@code DataSources} run without HikariCP and Micrometer on the class path.
 */
final class PoolMetrics {
    private PoolMetrics() {
    }

    static void track(HikariConfig hikari, MeterRegistry registry) {
        hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
    }
}
