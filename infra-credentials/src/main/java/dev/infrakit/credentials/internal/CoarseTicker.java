package dev.infrakit.credentials.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * {@link System#nanoTime()} read every 10 ms by one daemon thread, for read paths where a clock
 * read would cost as much as the rest of the work. Reference-counted: the thread runs while at
 * least one user holds it.
 */
public final class CoarseTicker {
    private static final long PERIOD_NANOS = 10_000_000L;
    private static volatile long now = System.nanoTime();
    private static int users;
    private static volatile Thread thread;

    private CoarseTicker() {
    }

    /** The time, at most about 10 ms old; only meaningful between {@link #acquire()} and {@link #release()}. */
    public static long read() {
        return now;
    }

    /** Starts the updating thread if this is the first user. */
    public static synchronized void acquire() {
        if (users++ == 0) {
            now = System.nanoTime();
            Thread t = new Thread(CoarseTicker::run, "infrakit-coarse-ticker");
            t.setDaemon(true);
            thread = t;
            t.start();
        }
    }

    /** Stops the thread when the last user releases it. */
    public static synchronized void release() {
        if (users > 0 && --users == 0) {
            Thread t = thread;
            thread = null;
            t.interrupt();
        }
    }

    private static void run() {
        Thread self = Thread.currentThread();
        while (thread == self && !self.isInterrupted()) {
            now = System.nanoTime();
            LockSupport.parkNanos(PERIOD_NANOS);
        }
    }
}
