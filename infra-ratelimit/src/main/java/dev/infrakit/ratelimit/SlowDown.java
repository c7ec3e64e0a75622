package dev.infrakit.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * Delays requests instead of rejecting them: once more than {@code after} tokens of a policy's
 * first limit are in use, each further request is admitted after a delay that grows by
 * {@code step} per request, up to {@code max}: with {@code SlowDown.after(5, 500ms, 20s)} the 6th
 * request waits 500 ms, the 7th 1 s, and so on, the 45th and later 20 s. Delayed requests count
 * against the limit like any other; when the bucket is empty, a request waits for its token too,
 * and one that would wait longer than {@code max} is rejected. Immutable.
 *
 * @param after requests admitted without delay (at least 0)
 * @param step added delay per request beyond {@code after} (positive)
 * @param max the longest delay (at least {@code step})
 */
public record SlowDown(long after, Duration step, Duration max) {

    /** Validates the settings. */
    public SlowDown {
        if (after < 0) {
            throw new IllegalArgumentException("Slow-down must start after 0 or more requests, got " + after);
        }
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(max, "max");
        if (step.isNegative() || step.isZero()) {
            throw new IllegalArgumentException("Slow-down step must be positive, got " + step);
        }
        if (max.compareTo(step) < 0) {
            throw new IllegalArgumentException("Slow-down max " + max + " is below its step " + step);
        }
    }

    /** Shorthand for the canonical constructor. */
    public static SlowDown after(long after, Duration step, Duration max) {
        return new SlowDown(after, step, max);
    }

    /** The delay for the {@code count}-th token in use (1-based), in nanoseconds. */
    long delayNanos(long count) {
        long beyond = count - after;
        if (beyond <= 0) {
            return 0;
        }
        long stepNanos = step.toNanos();
        long maxNanos = max.toNanos();
        return beyond > maxNanos / stepNanos ? maxNanos : Math.min(beyond * stepNanos, maxNanos);
    }
}
