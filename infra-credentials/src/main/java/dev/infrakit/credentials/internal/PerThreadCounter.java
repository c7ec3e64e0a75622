package dev.infrakit.credentials.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * An exact counter for a hot path where even an uncontended atomic add costs as much as the rest
 * of the work. A thread claims the cell its id maps to (once, with a compare-and-set) and from then
 * on increments it with a plain (opaque) write: no atomic instruction and no cache line shared with
 * another thread. A thread whose slot another thread holds counts in a {@link LongAdder} instead.
 * Cells are never released, so the counts of threads that ended are kept.
 */
public final class PerThreadCounter {
    private static final int SLOTS = 256;
    private static final VarHandle VALUE;
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(Cell[].class);

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
        final long owner;
        long value;
        long q1, q2, q3, q4, q5, q6, q7;

        Cell(long owner) {
            this.owner = owner;
        }
    }

    private final Cell[] cells = new Cell[SLOTS];
    private final LongAdder shared = new LongAdder();

    /** Adds one for the calling thread. */
    public void increment() {
        long id = Thread.currentThread().getId();
        Cell cell = cells[(int) id & (SLOTS - 1)];
        if (cell != null && cell.owner == id) {
            VALUE.setOpaque(cell, cell.value + 1);
        } else {
            claimOrShare(id);
        }
    }

    private void claimOrShare(long id) {
        int slot = (int) id & (SLOTS - 1);
        if (CELLS.getAcquire(cells, slot) == null) {
            Cell mine = new Cell(id);
            mine.value = 1;
            if (CELLS.compareAndSet(cells, slot, null, mine)) {
                return;
            }
        }
        shared.increment();
    }

    /** The total so far (a thread's latest increments may show a moment late). */
    public long sum() {
        long total = shared.sum();
        for (int i = 0; i < SLOTS; i++) {
            Cell cell = (Cell) CELLS.getAcquire(cells, i);
            if (cell != null) {
                total += (long) VALUE.getOpaque(cell);
            }
        }
        return total;
    }
}
