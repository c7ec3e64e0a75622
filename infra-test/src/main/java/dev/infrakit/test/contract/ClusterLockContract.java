package dev.infrakit.test.contract;

import dev.infrakit.core.schedule.ClusterLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link ClusterLock} implementations, in infra-test: what
 * {@link ClusterLock}'s Javadoc promises, tried on two handles of one cluster (two instances of a
 * service).
 * <ul>
 *   <li><b>exclusion</b>: while a task runs under a name through one handle, the other handle's
 *   {@code runExclusively} of that name returns {@code false} without running its task and without
 *   waiting (well within {@link #refusalWithin()}); other names stay free; once the task ends the
 *   name is free again through either handle;</li>
 *   <li><b>many callers</b>: 8 threads over both handles, each asking 50 times for one name, never
 *   run two tasks at once;</li>
 *   <li><b>release on failure</b>: a task's exception reaches the caller, the very exception, and
 *   the name is free after it;</li>
 *   <li><b>names</b>: {@link ClusterLock#checkName} is applied: {@code null}, empty, over
 *   {@link ClusterLock#MAX_NAME_LENGTH} characters, a control character or an unpaired surrogate
 *   is refused with {@code IllegalArgumentException} (null: {@code NullPointerException}) and the
 *   task does not run; a name of exactly the maximum length, and one with letters outside the
 *   BMP, work;</li>
 *   <li><b>name and close</b>: {@code name()} is not blank; {@code close()} may be called twice.</li>
 * </ul>
 * Extend it: {@link #createLock()} returns a new handle on the one cluster of the test (for a
 * lock within one JVM, the same instance each time; for a database lock, a lock over a pool of
 * its own on the same database).
 */
public abstract class ClusterLockContract {
    private final List<ClusterLock> created = new ArrayList<>();

    /** For subclasses. */
    protected ClusterLockContract() {
    }

    /** A handle on the test's cluster: every handle this returns excludes every other. */
    protected abstract ClusterLock createLock() throws Exception;

    /** How long a refused {@code runExclusively} may take at most (a round trip). Default 5 s. */
    protected Duration refusalWithin() {
        return Duration.ofSeconds(5);
    }

    private ClusterLock handle() throws Exception {
        ClusterLock lock = createLock();
        created.add(lock);
        return lock;
    }

    @AfterEach
    void closeLocks() {
        for (ClusterLock lock : created) {
            lock.close();
        }
    }

    /** Runs {@code task} under {@code name} on another thread and returns once it holds the lock. */
    private static Holder hold(ClusterLock lock, String name) throws InterruptedException {
        Holder holder = new Holder();
        holder.future = holder.thread.submit(() -> lock.runExclusively(name, () -> {
            holder.holding.countDown();
            try {
                holder.release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertTrue(holder.holding.await(30, TimeUnit.SECONDS), "the first handle takes a free lock");
        return holder;
    }

    private static final class Holder {
        final ExecutorService thread = Executors.newSingleThreadExecutor();
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        Future<Boolean> future;

        boolean end() throws Exception {
            release.countDown();
            try {
                return future.get(30, TimeUnit.SECONDS);
            } finally {
                thread.shutdownNow();
            }
        }
    }

    @Test
    void aHeldNameIsRefusedToTheOtherHandleAtOnceAndFreeAfter() throws Exception {
        ClusterLock first = handle();
        ClusterLock second = handle();
        Holder holder = hold(first, "contract:nightly");
        try {
            AtomicInteger ran = new AtomicInteger();
            long start = System.nanoTime();
            assertFalse(second.runExclusively("contract:nightly", ran::incrementAndGet), "held elsewhere: refused");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(0, ran.get(), "a refused task does not run");
            assertTrue(took.compareTo(refusalWithin()) <= 0, "refused without waiting for the holder, took " + took);
            assertTrue(second.runExclusively("contract:other", ran::incrementAndGet), "another name is free");
            assertEquals(1, ran.get());
        } finally {
            assertTrue(holder.end(), "the holder's task ran");
        }
        AtomicInteger ran = new AtomicInteger();
        assertTrue(second.runExclusively("contract:nightly", ran::incrementAndGet), "free once released");
        assertTrue(first.runExclusively("contract:nightly", ran::incrementAndGet), "through either handle");
        assertEquals(2, ran.get());
    }

    @Test
    void manyCallersOnBothHandlesNeverRunTwoTasksAtOnce() throws Exception {
        ClusterLock[] handles = {handle(), handle()};
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                ClusterLock lock = handles[t % 2];
                futures.add(threads.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        lock.runExclusively("contract:busy", () -> {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            ran.incrementAndGet();
                            Thread.yield();
                            inside.decrementAndGet();
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1, most.get(), "never two tasks under one name at once");
        assertTrue(ran.get() >= 1, "some task ran");
    }

    @Test
    void aTasksExceptionReachesTheCallerAndReleasesTheName() throws Exception {
        ClusterLock first = handle();
        ClusterLock second = handle();
        IllegalStateException thrown = new IllegalStateException("contract: the task failed");
        IllegalStateException caught = assertThrows(IllegalStateException.class,
                () -> first.runExclusively("contract:failing", () -> {
                    throw thrown;
                }));
        assertSame(thrown, caught, "the task's own exception");
        AtomicInteger ran = new AtomicInteger();
        assertTrue(second.runExclusively("contract:failing", ran::incrementAndGet), "released after the exception");
        assertEquals(1, ran.get());
    }

    @Test
    void badNamesAreRefusedAndTheTaskDoesNotRun() throws Exception {
        ClusterLock lock = handle();
        AtomicInteger ran = new AtomicInteger();
        assertThrows(NullPointerException.class, () -> lock.runExclusively(null, ran::incrementAndGet));
        for (String bad : List.of("", "x".repeat(ClusterLock.MAX_NAME_LENGTH + 1), "nightly\u0000job", "line\nbreak",
                "del\u007f", "c1\u0085", "lone\ud800surrogate", "\udc00")) {
            assertThrows(IllegalArgumentException.class, () -> lock.runExclusively(bad, ran::incrementAndGet),
                    () -> "refused: " + bad.length() + " characters");
        }
        assertEquals(0, ran.get(), "no task ran under a bad name");
        assertTrue(lock.runExclusively("x".repeat(ClusterLock.MAX_NAME_LENGTH), ran::incrementAndGet));
        assertTrue(lock.runExclusively("rotation of \ud83d\udd11 key", ran::incrementAndGet));
        assertEquals(2, ran.get());
    }

    @Test
    void hasANameAndClosesTwice() throws Exception {
        ClusterLock lock = createLock();
        assertFalse(lock.name().isBlank(), "name() is not blank");
        lock.close();
        lock.close();
    }
}
