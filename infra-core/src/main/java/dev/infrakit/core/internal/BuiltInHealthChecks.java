package dev.infrakit.core.internal;

import dev.infrakit.core.Config;
import dev.infrakit.core.health.DiskSpaceHealthCheck;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthCheckProvider;
import dev.infrakit.core.health.MemoryHealthCheck;

import java.nio.file.Path;

/** The {@link HealthCheckProvider}s infra-core registers with ServiceLoader. */
public final class BuiltInHealthChecks {
    private BuiltInHealthChecks() {
    }

    static double percent(Config config, String key, int defaultPercent) {
        int value = config.getInt(key, defaultPercent);
        if (value < 0 || value > 100) {
            throw config.invalid(key, "expected a percentage between 0 and 100");
        }
        return value / 100.0;
    }

    /**
     * {@code disk-space}: keys under {@code infrakit.health.disk}: {@code path} (default {@code .}),
     * {@code degraded-below-percent} (10), {@code down-below-percent} (2), {@code down-below} (a size, 0).
     */
    public static final class DiskSpace implements HealthCheckProvider {
        @Override
        public String name() {
            return "disk-space";
        }

        @Override
        public String description() {
            return "Free space of the file system holding infrakit.health.disk.path";
        }

        @Override
        public HealthCheck create(Config config) {
            Config disk = config.section("infrakit.health.disk");
            double degraded = percent(disk, "degraded-below-percent", 10);
            double down = percent(disk, "down-below-percent", 2);
            if (down > degraded) {
                throw disk.invalid("down-below-percent", "expected at most degraded-below-percent (" + (int) (degraded * 100) + ")");
            }
            return DiskSpaceHealthCheck.builder(Path.of(disk.getString("path", ".")).toAbsolutePath().normalize())
                    .degradedBelow(degraded).downBelow(down).downBelowBytes(disk.getSize("down-below", 0)).build();
        }
    }

    /** {@code heap}: keys under {@code infrakit.health.heap}: {@code degraded-above-percent} (90), {@code down-above-percent} (100). */
    public static final class Heap implements HealthCheckProvider {
        @Override
        public String name() {
            return "heap";
        }

        @Override
        public String description() {
            return "JVM heap used after the last garbage collection";
        }

        @Override
        public HealthCheck create(Config config) {
            return memory(MemoryHealthCheck.heap(), config.section("infrakit.health.heap"));
        }
    }

    /** {@code system-memory}: keys under {@code infrakit.health.system-memory}, as for {@code heap}. */
    public static final class SystemMemory implements HealthCheckProvider {
        @Override
        public String name() {
            return "system-memory";
        }

        @Override
        public String description() {
            return "Memory used on the machine or container";
        }

        @Override
        public HealthCheck create(Config config) {
            return memory(MemoryHealthCheck.system(), config.section("infrakit.health.system-memory"));
        }
    }

    private static HealthCheck memory(MemoryHealthCheck.Builder builder, Config config) {
        double degraded = percent(config, "degraded-above-percent", 90);
        double down = percent(config, "down-above-percent", 100);
        if (degraded > down) {
            throw config.invalid("degraded-above-percent", "expected at most down-above-percent (" + (int) (down * 100) + ")");
        }
        return builder.degradedAbove(degraded).downAbove(down).build();
    }
}
