package dev.infrakit.core.health;

import dev.infrakit.core.Arguments;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * Checks the free space of the file system holding a path: DEGRADED when less than 10 % is free,
 * DOWN when less than 2 % (both configurable; an absolute minimum in bytes can be added). The
 * observed value is the free percentage; details give free and total bytes. Named
 * {@code disk:<path>}, in the {@link HealthCheck#READINESS} group by default. Thread-safe.
 */
public final class DiskSpaceHealthCheck extends AbstractHealthCheck {
    /** Reads usable and total bytes; a seam for tests. */
    @FunctionalInterface
    interface SpaceReader {
        long[] usableAndTotal(Path path) throws IOException;
    }

    private final Path path;
    private final double degradedBelow;
    private final double downBelow;
    private final long downBelowBytes;
    private final SpaceReader reader;

    private DiskSpaceHealthCheck(Builder b) {
        super(b);
        this.path = b.path;
        this.degradedBelow = b.degradedBelow();
        this.downBelow = b.downBelow();
        this.downBelowBytes = b.downBelowBytes != null ? b.downBelowBytes : 0;
        this.reader = b.reader;
    }

    /** A builder for the file system holding {@code path}. */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    @Override
    public HealthResult check() throws IOException {
        long[] space = reader.usableAndTotal(path);
        long usable = space[0];
        long total = space[1];
        double free = total <= 0 ? 0.0 : (double) usable / total;
        double freePercent = Measure.percent(free);
        HealthResult.Builder result;
        if (free < downBelow || usable < downBelowBytes) {
            result = HealthResult.down("only " + freePercent + "% (" + usable + " bytes) free on " + path);
        } else if (free < degradedBelow) {
            result = HealthResult.degraded("only " + freePercent + "% free on " + path);
        } else {
            result = HealthResult.up();
        }
        return result.observed(freePercent, "%").detail("path", path.toString()).detail("freeBytes", usable)
                .detail("totalBytes", total).build();
    }

    private static long[] readFileStore(Path path) throws IOException {
        FileStore store = Files.getFileStore(path);
        return new long[] {store.getUsableSpace(), store.getTotalSpace()};
    }

    /** Builds a {@link DiskSpaceHealthCheck}; each setting may be given once. Not thread-safe. */
    public static final class Builder extends AbstractHealthCheck.Builder<Builder> {
        private final Path path;
        private Double degradedBelow;
        private Double downBelow;
        private Long downBelowBytes;
        private SpaceReader reader = DiskSpaceHealthCheck::readFileStore;

        private Builder(Path path) {
            super("disk:" + Objects.requireNonNull(path, "path"), Set.of(READINESS));
            this.path = path;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * DEGRADED when the free fraction is below this (default 0.10).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder degradedBelow(double fraction) {
            Arguments.setOnce(degradedBelow, "degradedBelow");
            this.degradedBelow = fraction(fraction, "degradedBelow");
            return this;
        }

        /**
         * DOWN when the free fraction is below this (default 0.02); must not exceed degradedBelow.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder downBelow(double fraction) {
            Arguments.setOnce(downBelow, "downBelow");
            this.downBelow = fraction(fraction, "downBelow");
            return this;
        }

        /**
         * Also DOWN when fewer than this many bytes are free (default 0: off).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder downBelowBytes(long bytes) {
            Arguments.setOnce(downBelowBytes, "downBelowBytes");
            if (bytes < 0) {
                throw new IllegalArgumentException("downBelowBytes must not be negative, got " + bytes);
            }
            this.downBelowBytes = bytes;
            return this;
        }

        private double degradedBelow() {
            return degradedBelow != null ? degradedBelow : 0.10;
        }

        private double downBelow() {
            return downBelow != null ? downBelow : 0.02;
        }

        Builder reader(SpaceReader reader) {
            this.reader = reader;
            return this;
        }

        /**
         * The check.
         *
         * @throws IllegalArgumentException if downBelow exceeds degradedBelow
         */
        public DiskSpaceHealthCheck build() {
            if (downBelow() > degradedBelow()) {
                throw new IllegalArgumentException("downBelow (" + downBelow() + ") must not exceed degradedBelow ("
                        + degradedBelow() + ")");
            }
            return new DiskSpaceHealthCheck(this);
        }
    }

    static double fraction(double value, String what) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(what + " must be a fraction between 0 and 1, got " + value);
        }
        return value;
    }
}
