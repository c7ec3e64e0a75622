package dev.infrakit.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManualClockTest {
    private static final Instant START = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void advanceMovesClockAndTicker() {
        ManualClock clock = ManualClock.at(START);
        assertEquals(START, clock.instant());
        assertEquals(0, clock.read());
        clock.advance(Duration.ofMillis(1500)).advanceNanos(7);
        assertEquals(START.plusMillis(1500).plusNanos(7), clock.instant());
        assertEquals(1_500_000_007L, clock.read());
        assertEquals(START.toEpochMilli() + 1500, clock.millis());
    }

    @Test
    void setInstantMovesOnlyTheWallClock() {
        ManualClock clock = ManualClock.at(START);
        clock.advance(Duration.ofSeconds(10));
        clock.setInstant(START.minus(Duration.ofHours(1)));
        assertEquals(START.minus(Duration.ofHours(1)), clock.instant());
        assertEquals(10_000_000_000L, clock.read(), "the ticker never goes back");
    }

    @Test
    void negativeAdvanceIsRejected() {
        ManualClock clock = ManualClock.create();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> clock.advance(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().contains("setInstant"), e.getMessage());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), clock.instant());
    }

    @Test
    void instantsBeforeTheEpochWork() {
        Instant early = Instant.parse("1969-12-31T23:59:59.250Z");
        ManualClock clock = ManualClock.at(early);
        assertEquals(early, clock.instant());
        assertEquals(early.toEpochMilli(), clock.millis());
    }

    @Test
    void withZoneSharesTime() {
        ManualClock clock = ManualClock.at(START);
        ManualClock paris = clock.withZone(ZoneId.of("Europe/Paris"));
        clock.advance(Duration.ofMinutes(5));
        assertEquals(clock.instant(), paris.instant());
        assertEquals(clock.read(), paris.read());
        assertEquals(ZoneId.of("Europe/Paris"), paris.getZone());
        assertEquals(clock, clock.withZone(clock.getZone()));
    }

    @Test
    void readersNeverSeeTheTickerGoBackWhileAnotherThreadAdvances() throws Exception {
        ManualClock clock = ManualClock.create();
        int readers = 4;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<String> failure = new AtomicReference<>();
        Thread[] threads = new Thread[readers];
        for (int i = 0; i < readers; i++) {
            threads[i] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long last = -1;
                for (int n = 0; n < 200_000; n++) {
                    long now = clock.read();
                    if (now < last) {
                        failure.compareAndSet(null, "ticker went back from " + last + " to " + now);
                    }
                    last = now;
                }
            });
            threads[i].start();
        }
        start.countDown();
        for (int n = 0; n < 200_000; n++) {
            clock.advanceNanos(3);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failure.get());
        assertEquals(600_000L, clock.read());
    }

    @Test
    void systemTickerIsASingletonThatMovesForward() {
        Ticker ticker = Ticker.systemTicker();
        assertSame(ticker, Ticker.systemTicker());
        long a = ticker.read();
        long b = ticker.read();
        assertTrue(b >= a);
    }
}
