package dev.infrakit.core;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;

/**
 * Time-ordered, unguessable identifiers (RFC 9562 UUID version 7: 48 bits of Unix milliseconds,
 * then 74 random bits) for events, tokens and requests. Ids sort by the millisecond they were made
 * for, so rows keyed by them are written in order; the random bits come from a DRBG
 * {@link SecureRandom} (NIST SP 800-90A, seeded from the system's entropy when the thread first
 * asks) of the calling thread, so making ids takes no shared lock. {@link UUID#randomUUID()}
 * serialises every thread on one {@code SecureRandom}, and so does any {@code new SecureRandom()} on
 * Linux: its default, {@code NativePRNG}, mixes every instance's output through one shared,
 * synchronised generator. Thread-safe.
 */
public final class TimeOrderedIds {
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(TimeOrderedIds::newGenerator);
    /** The last millisecond a version 7 UUID holds (in the year 10889). */
    public static final Instant LATEST = Instant.ofEpochMilli((1L << 48) - 1);

    private TimeOrderedIds() {
    }

    /** A version 7 UUID for now. */
    public static UUID next() {
        return next(System.currentTimeMillis());
    }

    /** A version 7 UUID for {@code at} (to the millisecond; before 1970 or after 10889 is refused). */
    public static UUID next(Instant at) {
        return next(at.toEpochMilli());
    }

    private static UUID next(long millis) {
        if (millis < 0 || millis >= 1L << 48) {
            throw new IllegalArgumentException("A version 7 UUID holds 1970 to 10889, got "
                    + Instant.ofEpochMilli(millis));
        }
        byte[] random = new byte[10];
        RANDOM.get().nextBytes(random);
        long high = millis << 16 | 0x7000L | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
        long low = 0x8000_0000_0000_0000L | ((random[2] & 0x3FL) << 56);
        for (int i = 3; i < 10; i++) {
            low |= (random[i] & 0xFFL) << (8 * (9 - i));
        }
        return new UUID(high, low);
    }

    /** The calling thread's generator (its algorithm is tested: a shared-lock default must not creep back). */
    static SecureRandom generator() {
        return RANDOM.get();
    }

    private static SecureRandom newGenerator() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) { // every Java 9+ runtime has DRBG
            throw new IllegalStateException("This Java runtime has no DRBG SecureRandom", e);
        }
    }

    /** The millisecond a version 7 UUID was made for. */
    public static Instant instantOf(UUID id) {
        if (id.version() != 7) {
            throw new IllegalArgumentException("Not a version 7 UUID: " + id);
        }
        return Instant.ofEpochMilli(id.getMostSignificantBits() >>> 16);
    }
}
