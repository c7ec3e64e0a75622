package dev.infrakit.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The generic cell rate algorithm on a {@code long[]} of "theoretical arrival times" (TAT), one
 * element per limit of a policy, in nanoseconds relative to the store's origin (so never
 * negative, and {@link #RETIRED} is free as a marker).
 *
 * <p>A limit with emission interval T (ns per token) and window W = capacity × T admits a request
 * of n permits at time now when {@code max(tat, now) + n·T - now <= W}, and then sets
 * {@code tat = max(tat, now) + n·T}. A TAT at or before now means a full bucket, so a fresh
 * {@code long[]} of zeros is a full bucket and a full bucket can be dropped without changing any
 * answer. Each limit is one volatile read and one compare-and-set: no lock, no allocation.
 *
 * <p>Several limits are committed in order, each by its own CAS; when limit k rejects, the costs
 * already taken from limits 0..k-1 are given back (a concurrent request may briefly see those
 * tokens taken, which can only make it stricter, never looser). Admission with a delay (a
 * reservation, or slow-down) is the same arithmetic with a window stretched by the acceptable wait.
 *
 * <p>A bucket being dropped by the sweep is first marked by CASing element 0 to {@link #RETIRED}
 * (only when it is full); a request that meets the marker, or finds it after committing a
 * multi-limit bucket, starts again on the key's current bucket, returning {@code null} here.
 */
final class Gcra {
    static final long RETIRED = Long.MIN_VALUE;
    private static final VarHandle TAT = MethodHandles.arrayElementVarHandle(long[].class);

    private Gcra() {
    }

    static long get(long[] state, int i) {
        return (long) TAT.getVolatile(state, i);
    }

    static boolean cas(long[] state, int i, long expected, long next) {
        return TAT.compareAndSet(state, i, expected, next);
    }

    /**
     * Yes/no decision with no acceptable delay.
     *
     * @return 1 admitted, 0 rejected, -1 the bucket was retired (look it up again)
     */
    static int tryAcquire(long[] state, RateLimitPolicy policy, long now, long permits) {
        if (policy.size() == 1 && !policy.hasSlowDown()) {
            Limit limit = policy.limit(0);
            long cost = permits * limit.intervalNanos();
            long window = limit.windowNanos();
            for (;;) {
                long tat = (long) TAT.getVolatile(state, 0);
                if (tat == RETIRED) {
                    return -1;
                }
                long next = (tat > now ? tat : now) + cost;
                if (next - now > window) {
                    return 0;
                }
                if (TAT.compareAndSet(state, 0, tat, next)) {
                    return 1;
                }
                // Lost the race: pause before retrying so contending cores stop trading the line.
                Thread.onSpinWait();
            }
        }
        long outcome = commit(state, policy, now, permits, 0);
        if (outcome == RETIRED_SIGNAL) {
            return -1;
        }
        return outcome >= 0 ? 1 : 0;
    }

    private static final long RETIRED_SIGNAL = Long.MIN_VALUE;

    /**
     * Takes the cost from each limit in order while each admits within {@code maxWait}.
     *
     * @return when admitted, the delay in nanoseconds (0 or more); when rejected (the costs
     *     already taken were given back), {@code -(k + 1)} for the rejecting limit k; or
     *     {@link #RETIRED_SIGNAL}
     */
    private static long commit(long[] state, RateLimitPolicy policy, long now, long permits, long maxWait) {
        int n = policy.size();
        SlowDown slowDown = policy.slowDownOrNull();
        long admittedDelay = 0;
        for (int i = 0; i < n; i++) {
            Limit limit = policy.limit(i);
            long interval = limit.intervalNanos();
            long cost = permits * interval;
            long window = limit.windowNanos();
            for (;;) {
                long tat = (long) TAT.getVolatile(state, i);
                if (tat == RETIRED) {
                    giveBack(state, policy, i, permits);
                    return RETIRED_SIGNAL;
                }
                long next = (tat > now ? tat : now) + cost;
                long ahead = next - now;
                long wait = ahead - window;
                long delay = wait > 0 ? wait : 0;
                if (i == 0 && slowDown != null) {
                    delay = Math.max(delay, slowDown.delayNanos(ceilDiv(ahead, interval)));
                }
                if (delay > maxWait) {
                    giveBack(state, policy, i, permits);
                    return -(i + 1);
                }
                if (TAT.compareAndSet(state, i, tat, next)) {
                    admittedDelay = Math.max(admittedDelay, delay);
                    break;
                }
            }
        }
        if (n > 1 && (long) TAT.getVolatile(state, 0) == RETIRED) {
            return RETIRED_SIGNAL;
        }
        return admittedDelay;
    }

    /** Returns the cost taken from limits 0..upTo-1. */
    private static void giveBack(long[] state, RateLimitPolicy policy, int upTo, long permits) {
        for (int j = 0; j < upTo; j++) {
            long cost = permits * policy.limit(j).intervalNanos();
            for (;;) {
                long tat = (long) TAT.getVolatile(state, j);
                if (tat == RETIRED || TAT.compareAndSet(state, j, tat, tat - cost)) {
                    break;
                }
            }
        }
    }

    /**
     * Full decision, admitting with a delay of up to {@code maxWait} nanoseconds.
     *
     * @return the decision, or {@code null} if the bucket was retired (look it up again)
     */
    static Decision acquire(long[] state, RateLimitPolicy policy, long now, long permits, long maxWait) {
        // Kept small so the JIT inlines it, and the usual case with it, into the store's path.
        if (policy.size() == 1 && !policy.hasSlowDown()) {
            return decideOneLimit(state, policy, now, permits, maxWait);
        }
        return decideAnyPolicy(state, policy, now, permits, maxWait);
    }

    private static Decision decideAnyPolicy(long[] state, RateLimitPolicy policy, long now, long permits,
            long maxWait) {
        long outcome = commit(state, policy, now, permits, maxWait);
        if (outcome == RETIRED_SIGNAL) {
            return null;
        }
        boolean admitted = outcome >= 0;
        int taken = admitted ? policy.size() : (int) -(outcome + 1);
        // Describe the outcome from the state now; for an admitted request the state includes it.
        int binding = 0;
        long minRemaining = Long.MAX_VALUE;
        long resetAfter = 0;
        long retryAfter = 0;
        SlowDown slowDown = policy.slowDownOrNull();
        for (int i = 0; i < policy.size(); i++) {
            Limit limit = policy.limit(i);
            long interval = limit.intervalNanos();
            long window = limit.windowNanos();
            long tat = (long) TAT.getVolatile(state, i);
            if (tat == RETIRED) {
                return null;
            }
            long ahead = tat > now ? tat - now : 0;
            resetAfter = Math.max(resetAfter, ahead);
            long remaining = ahead >= window ? 0 : (window - ahead) / interval;
            if (admitted) {
                if (remaining < minRemaining) {
                    minRemaining = remaining;
                    binding = i;
                }
            } else {
                // Time until this limit could take the request within maxWait.
                long needed = ahead + permits * interval - window - maxWait;
                if (needed > retryAfter) {
                    retryAfter = needed;
                    binding = i;
                    minRemaining = remaining;
                }
            }
        }
        if (admitted) {
            return Decision.admitted(policy, binding, minRemaining, resetAfter, outcome);
        }
        if (retryAfter <= 0) {
            binding = Math.min(taken, policy.size() - 1);
            Limit first = policy.limit(0);
            if (slowDown != null) {
                // Rejected because the slow-down delay exceeds what the caller accepts: wait until
                // enough tokens refill that the delay fits.
                long ahead = Math.max(0, get(state, 0) - now);
                long count = ceilDiv(ahead + permits * first.intervalNanos(), first.intervalNanos());
                long acceptable = slowDown.after() + maxWait / slowDown.step().toNanos();
                retryAfter = (count - acceptable) * first.intervalNanos();
            }
            long ahead = Math.max(0, get(state, binding) - now);
            Limit limit = policy.limit(binding);
            minRemaining = ahead >= limit.windowNanos() ? 0 : (limit.windowNanos() - ahead) / limit.intervalNanos();
        }
        return Decision.rejected(policy, binding, minRemaining, resetAfter, retryAfter);
    }

    /**
     * The usual case, one limit without slow-down, decided and described from the state this
     * request read (and, when admitted, the state its own compare-and-set left) without reading it
     * again: the same figures as the general path. {@code null} if the bucket was retired.
     */
    private static Decision decideOneLimit(long[] state, RateLimitPolicy policy, long now, long permits,
            long maxWait) {
        Limit limit = policy.limit(0);
        long interval = limit.intervalNanos();
        long cost = permits * interval;
        long window = limit.windowNanos();
        for (;;) {
            long tat = (long) TAT.getVolatile(state, 0);
            if (tat == RETIRED) {
                return null;
            }
            long before = tat > now ? tat - now : 0;
            long ahead = before + cost;
            long wait = ahead - window;
            if (wait > maxWait) {
                long remaining = before >= window ? 0 : (window - before) / interval;
                return Decision.rejected(policy, 0, remaining, before, wait - maxWait);
            }
            if (TAT.compareAndSet(state, 0, tat, now + ahead)) {
                long remaining = wait >= 0 ? 0 : -wait / interval;
                return Decision.admitted(policy, 0, remaining, ahead, wait > 0 ? wait : 0);
            }
            Thread.onSpinWait();
        }
    }

    static long ceilDiv(long a, long b) {
        return a <= 0 ? 0 : (a - 1) / b + 1;
    }

    /** Whether every limit's bucket is full at {@code now}. */
    static boolean isFull(long[] state, long now) {
        for (int i = 0; i < state.length; i++) {
            long tat = (long) TAT.getVolatile(state, i);
            if (tat == RETIRED || tat > now) {
                return false;
            }
        }
        return true;
    }

    /**
     * Marks a full bucket as retired so it can be dropped: CAS element 0 to {@link #RETIRED},
     * then confirm the other limits are still full; if not, restore element 0.
     */
    static boolean retireIfFull(long[] state, long now) {
        long first = (long) TAT.getVolatile(state, 0);
        if (first == RETIRED || first > now || !TAT.compareAndSet(state, 0, first, RETIRED)) {
            return false;
        }
        for (int i = 1; i < state.length; i++) {
            if ((long) TAT.getVolatile(state, i) > now) {
                TAT.setVolatile(state, 0, first);
                return false;
            }
        }
        return true;
    }

    /** The TAT of limit {@code i} after the sweep or a migration marked it, for conversion. */
    static long retireElement(long[] state, int i) {
        for (;;) {
            long tat = (long) TAT.getVolatile(state, i);
            if (tat == RETIRED || TAT.compareAndSet(state, i, tat, RETIRED)) {
                return tat;
            }
        }
    }

    /** Adds {@code nanos} of spent time to limit {@code i} (used when merging a migrated bucket). */
    static void add(long[] state, int i, long now, long nanos, long window) {
        for (;;) {
            long tat = (long) TAT.getVolatile(state, i);
            if (tat == RETIRED) {
                return;
            }
            long base = tat > now ? tat : now;
            long next = Math.min(base + nanos, now + window);
            if (TAT.compareAndSet(state, i, tat, next)) {
                return;
            }
        }
    }
}
