package dev.infrakit.credentials.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An exact counter for a hot path where even an uncontended atomic add costs as much as the rest
 * of the work: each thread increments its own cell with a plain (opaque) write, and {@link #sum()}
 * adds the cells up. The counter keeps the cells, so the counts of threads that ended are kept
 * (folded into a base).
 */
public final class PerThreadCounter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Cell.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One thread's count, padded so that two threads' cells never share a cache line. */
    @SuppressWarnings("unused")
    static final class Cell {
        long p1, p2, p3, p4, p5, p6, p7;
        long value;
        long q1, q2, q3, q4, q5, q6, q7;
    }

    private static final class Owned {
        final WeakReference<Thread> thread;
        final Cell cell;

        Owned(Thread thread, Cell cell) {
            this.thread = new WeakReference<>(thread);
            this.cell = cell;
        }
    }

    private final ThreadLocal<Cell> local = ThreadLocal.withInitial(this::register);
    private final List<Owned> cells = new ArrayList<>();
    private long base;

    private synchronized Cell register() {
        Cell cell = new Cell();
        cells.add(new Owned(Thread.currentThread(), cell));
        return cell;
    }

    /** Adds one for the calling thread. */
    public void increment() {
        Cell cell = local.get();
        VALUE.setOpaque(cell, cell.value + 1);
    }

    /** The total so far (each thread's latest increments may show a moment late). */
    public synchronized long sum() {
        long total = base;
        for (Iterator<Owned> it = cells.iterator(); it.hasNext();) {
            Owned owned = it.next();
            long value = (long) VALUE.getOpaque(owned.cell);
            if (owned.thread.get() == null) {
                base += value; // the thread ended: its cell will not change again
                it.remove();
            }
            total += value;
        }
        return total;
    }
}
