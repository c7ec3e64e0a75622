package dev.infrakit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RefreshAheadTest {

    @Test
    void aValueIsFreshThenDueThenServedOnlyOnErrorThenGone() {
        RefreshAhead t = new RefreshAhead(1_000, 100, 300, 50);
        assertTrue(t.fresh(1_099));
        assertFalse(t.fresh(1_100));
        assertTrue(t.usable(1_299));
        assertFalse(t.usable(1_300));
        assertTrue(t.usableOnError(1_349));
        assertFalse(t.usableOnError(1_350));
    }

    @Test
    void tickerReadingsMayWrapAround() {
        long loaded = Long.MAX_VALUE - 10;
        RefreshAhead t = new RefreshAhead(loaded, 100, 200, 0);
        assertTrue(t.fresh(loaded + 50), "past Long.MAX_VALUE, still fresh");
        assertFalse(t.fresh(loaded + 150));
        assertTrue(t.usable(loaded + 150));
        assertFalse(t.usableOnError(loaded + 200));
    }

    @Test
    void oneBackgroundRefreshAtATimeAndItsEndAllowsTheNext() {
        List<Runnable> queued = new ArrayList<>();
        AtomicInteger runs = new AtomicInteger();
        RefreshAhead t = new RefreshAhead(0, 10, 20, 0);
        assertTrue(t.refreshInBackground(queued::add, runs::incrementAndGet));
        assertFalse(t.refreshInBackground(queued::add, runs::incrementAndGet), "one in flight");
        assertEquals(1, queued.size());
        queued.get(0).run();
        assertEquals(1, runs.get());
        assertThrows(IllegalStateException.class, () -> t.refreshInBackground(Runnable::run, () -> {
            throw new IllegalStateException("source down"); // the direct executor runs it on this thread
        }));
        assertTrue(t.refreshInBackground(Runnable::run, runs::incrementAndGet), "a failed refresh allows the next");
        assertEquals(2, runs.get());
    }

    @Test
    void aRefusedRefreshIsReportedAndLeavesNoneInFlight() {
        RefreshAhead t = new RefreshAhead(0, 10, 20, 0);
        assertThrows(RejectedExecutionException.class, () -> t.refreshInBackground(r -> {
            throw new RejectedExecutionException("full");
        }, () -> { }));
        assertTrue(t.refreshInBackground(Runnable::run, () -> { }));
    }

    @Test
    void retryAfterPostponesTheRefreshButNotTheExpiry() {
        RefreshAhead t = new RefreshAhead(0, 10, 20, 5);
        t.retryAfter(12, 30);
        assertTrue(t.fresh(41));
        assertFalse(t.usable(20), "the expiry stays");
    }

    @Test
    void inconsistentPeriodsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RefreshAhead(0, 30, 20, 0));
        assertThrows(IllegalArgumentException.class, () -> new RefreshAhead(0, -1, 20, 0));
        assertThrows(IllegalArgumentException.class, () -> new RefreshAhead(0, 1, 20, -1));
    }
}
