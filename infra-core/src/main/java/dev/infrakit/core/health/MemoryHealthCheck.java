package dev.infrakit.core.health;

import dev.infrakit.core.Arguments;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks memory use: the JVM heap ({@link #heap()}) or the machine's memory
 * ({@link #system()}). DEGRADED when more than 90 % is used; optionally DOWN above a higher bound.
 * The observed value is the used percentage. In the {@link HealthCheck#LIVENESS} group by default.
 *
 * <p>Heap use is measured as it stood after the last garbage collection (the sum of the heap
 * pools' collection usage), because the heap right before a collection is routinely near full
 * and would raise false alarms; before the first collection, current use is taken. System memory
 * is {@code MemTotal - MemAvailable} from {@code /proc/meminfo} (page cache counts as available),
 * or, inside a container whose memory limit is below the host's, the JVM's container-aware
 * operating-system bean. Thread-safe.
 */
public final class MemoryHealthCheck extends AbstractHealthCheck {
    /** Reads used and maximum bytes; a seam for tests. */
    @FunctionalInterface
    interface UsageReader {
        long[] usedAndMax() throws IOException;
    }

    private final double degradedAbove;
    private final double downAbove;
    private final UsageReader reader;
    private final String what;

    private MemoryHealthCheck(Builder b) {
        super(b);
        this.degradedAbove = b.degradedAbove();
        this.downAbove = b.downAbove();
        this.reader = b.reader;
        this.what = b.what;
    }

    /** A builder for a JVM heap check named {@code heap}. */
    public static Builder heap() {
        return new Builder("heap", "heap", MemoryHealthCheck::heapAfterGc);
    }

    /** A builder for a machine memory check named {@code system-memory}. */
    public static Builder system() {
        return new Builder("system-memory", "system memory", MemoryHealthCheck::systemMemory);
    }

    @Override
    public HealthResult check() throws IOException {
        long[] usage = reader.usedAndMax();
        long used = usage[0];
        long max = usage[1];
        double ratio = max <= 0 ? 0.0 : (double) used / max;
        double percent = Measure.percent(ratio);
        HealthResult.Builder result;
        if (ratio > downAbove) {
            result = HealthResult.down(what + " " + percent + "% used");
        } else if (ratio > degradedAbove) {
            result = HealthResult.degraded(what + " " + percent + "% used");
        } else {
            result = HealthResult.up();
        }
        return result.observed(percent, "%").detail("usedBytes", used).detail("maxBytes", max).build();
    }

    static long[] heapAfterGc() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long max = heap.getMax() > 0 ? heap.getMax() : heap.getCommitted();
        long afterGc = 0;
        boolean collected = false;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                MemoryUsage usage = pool.getCollectionUsage();
                afterGc += usage.getUsed();
                collected |= usage.getCommitted() > 0;
            }
        }
        return new long[] {collected ? afterGc : heap.getUsed(), max};
    }

    static long[] systemMemory() throws IOException {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        long beanTotal = -1;
        long beanFree = -1;
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            com.sun.management.OperatingSystemMXBean sun = (com.sun.management.OperatingSystemMXBean) os;
            beanTotal = sun.getTotalMemorySize();
            beanFree = sun.getFreeMemorySize();
        }
        Path meminfo = Path.of("/proc/meminfo");
        if (Files.isReadable(meminfo)) {
            long total = -1;
            long available = -1;
            List<String> lines = Files.readAllLines(meminfo, StandardCharsets.US_ASCII);
            for (String line : lines) {
                if (line.startsWith("MemTotal:")) {
                    total = kibibytes(line);
                } else if (line.startsWith("MemAvailable:")) {
                    available = kibibytes(line);
                }
            }
            boolean containerLimited = beanTotal > 0 && total > 0 && beanTotal < total;
            if (total > 0 && available >= 0 && !containerLimited) {
                return new long[] {total - available, total};
            }
        }
        if (beanTotal <= 0) {
            throw new IOException("this JVM reports no system memory size");
        }
        return new long[] {beanTotal - beanFree, beanTotal};
    }

    private static long kibibytes(String line) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]) * 1024;
    }

    /** Builds a {@link MemoryHealthCheck}; each setting may be given once. Not thread-safe. */
    public static final class Builder extends AbstractHealthCheck.Builder<Builder> {
        private Double degradedAbove;
        private Double downAbove;
        private UsageReader reader;
        private final String what;

        private Builder(String name, String what, UsageReader reader) {
            super(name, Set.of(LIVENESS));
            this.what = what;
            this.reader = reader;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * DEGRADED when the used fraction exceeds this (default 0.90).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder degradedAbove(double fraction) {
            Arguments.setOnce(degradedAbove, "degradedAbove");
            this.degradedAbove = DiskSpaceHealthCheck.fraction(fraction, "degradedAbove");
            return this;
        }

        /**
         * DOWN when the used fraction exceeds this (default 1.0: never).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder downAbove(double fraction) {
            Arguments.setOnce(downAbove, "downAbove");
            this.downAbove = DiskSpaceHealthCheck.fraction(fraction, "downAbove");
            return this;
        }

        private double degradedAbove() {
            return degradedAbove != null ? degradedAbove : 0.90;
        }

        private double downAbove() {
            return downAbove != null ? downAbove : 1.0;
        }

        Builder reader(UsageReader reader) {
            this.reader = Objects.requireNonNull(reader, "reader");
            return this;
        }

        /**
         * The check.
         *
         * @throws IllegalArgumentException if degradedAbove exceeds downAbove
         */
        public MemoryHealthCheck build() {
            if (degradedAbove() > downAbove()) {
                throw new IllegalArgumentException("degradedAbove (" + degradedAbove() + ") must not exceed downAbove ("
                        + downAbove() + ")");
            }
            return new MemoryHealthCheck(this);
        }
    }
}
