package dev.infrakit.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 9562 version 7: the layout, the order by time, uniqueness across threads, the range. */
class TimeOrderedIdsTest {
    @Test
    void anIdIsAVersion7UuidOfItsMillisecond() {
        Instant at = Instant.parse("2026-12-07T11:30:00.123Z");
        UUID id = TimeOrderedIds.next(at);
        assertEquals(7, id.version());
        assertEquals(2, id.variant(), "the RFC 4122/9562 variant");
        assertEquals(at, TimeOrderedIds.instantOf(id));
        assertTrue(id.toString().startsWith("01a25044-8f3b-7"), id.toString()); // 0x01A250448F3B ms, version 7
        assertEquals(id, UUID.fromString(id.toString()));
        assertThrows(IllegalArgumentException.class, () -> TimeOrderedIds.instantOf(UUID.randomUUID()));
        assertThrows(IllegalArgumentException.class, () -> TimeOrderedIds.next(Instant.parse("1969-12-31T23:59:59Z")));
        assertEquals(TimeOrderedIds.LATEST, TimeOrderedIds.instantOf(TimeOrderedIds.next(TimeOrderedIds.LATEST)));
        assertThrows(IllegalArgumentException.class, () -> TimeOrderedIds.next(TimeOrderedIds.LATEST.plusMillis(1)));
    }

    @Test
    void idsSortByTheirMillisecondAsStringsAndAsUuids() {
        List<UUID> ids = new ArrayList<>();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 1000; i++) {
            ids.add(TimeOrderedIds.next(t.plusMillis(i * 7L)));
        }
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(ids.get(i - 1).toString().compareTo(ids.get(i).toString()) < 0, "as text");
            assertTrue(Long.compareUnsigned(ids.get(i - 1).getMostSignificantBits(), ids.get(i)
                    .getMostSignificantBits()) < 0, "as numbers");
        }
    }

    @Test
    void twoThreadsMakingIdsInTheSameMillisecondsNeverCollide() throws Exception {
        Set<UUID> all = ConcurrentHashMap.newKeySet();
        Instant same = Instant.parse("2026-12-07T00:00:00Z");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            threads.add(new Thread(() -> {
                Set<UUID> mine = new HashSet<>();
                for (int i = 0; i < 100_000; i++) {
                    mine.add(TimeOrderedIds.next(same));
                }
                all.addAll(mine);
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(200_000, all.size(), "74 random bits per id: no collision in 200,000 of one millisecond");
        Set<Long> randomParts = new HashSet<>();
        all.forEach(id -> randomParts.add(id.getLeastSignificantBits()));
        assertEquals(200_000, randomParts.size());
    }

    @Test
    void eachThreadHasAGeneratorOfItsOwnThatSharesNoLock() throws Exception {
        java.security.SecureRandom mine = TimeOrderedIds.generator();
        // NativePRNG, Linux's default SecureRandom, funnels every instance through one synchronised
        // generator: the lock UUID.randomUUID() was replaced to avoid. DRBG instances share nothing.
        assertEquals("DRBG", mine.getAlgorithm());
        assertTrue(mine == TimeOrderedIds.generator(), "one per thread, kept");
        java.util.concurrent.atomic.AtomicReference<java.security.SecureRandom> other =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> other.set(TimeOrderedIds.generator()));
        t.start();
        t.join();
        assertTrue(other.get() != null && other.get() != mine, "another thread gets another generator");
    }
}
