package dev.infrakit.core.health;

/** Rounding shared by the built-in checks. */
final class Measure {
    private Measure() {
    }

    /** Nanoseconds as milliseconds with two decimals. */
    static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    /** A ratio as a percentage with one decimal. */
    static double percent(double ratio) {
        return Math.round(ratio * 1000.0) / 10.0;
    }
}
