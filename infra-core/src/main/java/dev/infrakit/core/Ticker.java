package dev.infrakit.core;

/**
 * A monotonic nanosecond time source, for measuring elapsed time and scheduling refills; the
 * counterpart of {@link java.time.Clock}, which tells wall-clock time. Every Infrakit component
 * that measures time takes a {@code Ticker} (and a {@code Clock} where it stamps times), so tests
 * drive time with {@link ManualClock} instead of sleeping.
 *
 * <p>Implementations must be thread-safe and never go backwards.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds since an arbitrary, fixed origin; only differences are meaningful. */
    long read();

    /** The system ticker, {@link System#nanoTime()}. */
    static Ticker systemTicker() {
        return SystemTicker.INSTANCE;
    }
}

/** {@link System#nanoTime()}; an enum so it is a serializable singleton. */
enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long read() {
        return System.nanoTime();
    }
}
