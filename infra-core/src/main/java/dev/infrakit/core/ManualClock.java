package dev.infrakit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} and a {@link Ticker} that only move when told to, for tests that must not sleep.
 *
 * <p>{@link #advance(Duration)} moves both the wall clock and the ticker. {@link #setInstant(Instant)}
 * moves only the wall clock, forwards or backwards, the way an NTP correction does, while the
 * ticker stays monotonic; use it to test behaviour across clock jumps.
 *
 * <pre>{@code
 * ManualClock time = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
 * RateLimiter limiter = RateLimiter.builder().ticker(time).build();
 * time.advance(Duration.ofMinutes(15));
 * }</pre>
 *
 * <p>Thread-safe: several threads may read while one advances.
 */
public final class ManualClock extends Clock implements Ticker {
    private final AtomicLong epochNanos;
    private final AtomicLong tickerNanos;
    private final ZoneId zone;

    private ManualClock(AtomicLong epochNanos, AtomicLong tickerNanos, ZoneId zone) {
        this.epochNanos = epochNanos;
        this.tickerNanos = tickerNanos;
        this.zone = zone;
    }

    /** A clock at {@code start}, in UTC, with its ticker at 0. */
    public static ManualClock at(Instant start) {
        return new ManualClock(new AtomicLong(toEpochNanos(start)), new AtomicLong(), ZoneOffset.UTC);
    }

    /** A clock at 2026-01-01T00:00:00Z, in UTC, with its ticker at 0. */
    public static ManualClock create() {
        return at(Instant.parse("2026-01-01T00:00:00Z"));
    }

    private static long toEpochNanos(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    /**
     * Moves the wall clock and the ticker forward.
     *
     * @throws IllegalArgumentException if {@code amount} is negative: the ticker never goes back
     */
    public ManualClock advance(Duration amount) {
        long nanos = amount.toNanos();
        if (nanos < 0) {
            throw new IllegalArgumentException("Cannot advance by a negative duration (" + amount
                    + "); use setInstant to move the wall clock back");
        }
        tickerNanos.addAndGet(nanos);
        epochNanos.addAndGet(nanos);
        return this;
    }

    /** Moves the wall clock and the ticker forward by {@code nanos} nanoseconds. */
    public ManualClock advanceNanos(long nanos) {
        return advance(Duration.ofNanos(nanos));
    }

    /** Sets the wall clock to {@code instant} (forwards or backwards); the ticker does not move. */
    public ManualClock setInstant(Instant instant) {
        epochNanos.set(toEpochNanos(instant));
        return this;
    }

    /** {@inheritDoc} The ticker's reading, in nanoseconds. */
    @Override
    public long read() {
        return tickerNanos.get();
    }

    @Override
    public Instant instant() {
        long nanos = epochNanos.get();
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    @Override
    public long millis() {
        return Math.floorDiv(epochNanos.get(), 1_000_000L);
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** A view in another zone that shares this clock's time and ticker. */
    @Override
    public ManualClock withZone(ZoneId zone) {
        return new ManualClock(epochNanos, tickerNanos, Objects.requireNonNull(zone, "zone"));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ManualClock && ((ManualClock) other).epochNanos == epochNanos
                && ((ManualClock) other).zone.equals(zone);
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(epochNanos) * 31 + zone.hashCode();
    }

    @Override
    public String toString() {
        return "ManualClock[" + instant() + ", ticker=" + read() + "ns, " + zone + "]";
    }
}
