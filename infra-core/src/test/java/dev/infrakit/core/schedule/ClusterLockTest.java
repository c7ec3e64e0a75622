package dev.infrakit.core.schedule;

import dev.infrakit.core.Config;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.Providers;
import dev.infrakit.core.fixtures.ClusterLockRace;
import dev.infrakit.core.fixtures.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterLockTest {

    @Test
    void aSecondCallerIsRefusedAtOnceWhileTheNameIsHeld() {
        LocalClusterLock lock = LocalClusterLock.create();
        AtomicInteger inner = new AtomicInteger();
        assertTrue(lock.runExclusively("job", () -> {
            assertTrue(lock.isHeld("job"));
            assertFalse(lock.runExclusively("job", inner::incrementAndGet), "held: refused, not waited for");
            assertTrue(lock.runExclusively("other job", inner::incrementAndGet), "other names are independent");
        }));
        assertEquals(1, inner.get());
        assertFalse(lock.isHeld("job"));
        assertTrue(lock.runExclusively("job", inner::incrementAndGet), "released after the task");
    }

    @Test
    void aThrowingTaskReleasesTheLockAndItsExceptionReachesTheCaller() {
        LocalClusterLock lock = LocalClusterLock.create();
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> lock.runExclusively("job", () -> {
                    throw new IllegalStateException("boom");
                }));
        assertEquals("boom", thrown.getMessage());
        assertFalse(lock.isHeld("job"));
        assertTrue(lock.runExclusively("job", () -> { }));
    }

    @Test
    void racingInstancesRunEachRoundExactlyOnce() throws Exception {
        LocalClusterLock lock = LocalClusterLock.create();
        int[] ran = ClusterLockRace.race(List.of(lock, lock, lock, lock), "race", 200);
        int[] once = new int[200];
        Arrays.fill(once, 1);
        assertArrayEquals(once, ran);
    }

    @Test
    void separateLocalLocksShareNothing() {
        LocalClusterLock a = LocalClusterLock.create();
        LocalClusterLock b = LocalClusterLock.create();
        AtomicInteger runs = new AtomicInteger();
        assertTrue(a.runExclusively("job", () -> assertTrue(b.runExclusively("job", runs::incrementAndGet))));
        assertEquals(1, runs.get());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nul\u0000name", "line\nbreak", "carriage\rreturn", "tab\tname", "esc\u001b[31m",
            "del\u007f", "nel\u0085", "ls\u2028", "ps\u2029", "lone\ud800surrogate", "\udc00low first"})
    void hostileNamesAreRefusedWithAnEscapedMessage(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalClusterLock.create().runExclusively(name, () -> { }));
        assertTrue(e.getMessage().startsWith("A cluster lock name must "), e.getMessage());
        assertTrue(e.getMessage().chars().noneMatch(c -> dev.infrakit.core.http.ClientText.isControl((char) c)),
                "no raw control character in: " + e.getMessage());
    }

    @Test
    void emptyAndHugeNamesAreRefusedAndTheLongestAllowedWorks() {
        LocalClusterLock lock = LocalClusterLock.create();
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> lock.runExclusively("", () -> { }));
        assertEquals("A cluster lock name must have 1 to 512 characters, got 0: ''", empty.getMessage());
        String huge = "x".repeat(1_000_000);
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> lock.runExclusively(huge, () -> { }));
        assertTrue(tooLong.getMessage().startsWith("A cluster lock name must have 1 to 512 characters, got 1000000: 'xxx"),
                tooLong.getMessage());
        assertTrue(tooLong.getMessage().length() < 200, "the name is cut in the message");
        assertThrows(IllegalArgumentException.class, () -> lock.runExclusively("y".repeat(513), () -> { }));
        assertThrows(NullPointerException.class, () -> lock.runExclusively(null, () -> { }));
        AtomicInteger runs = new AtomicInteger();
        assertTrue(lock.runExclusively("z".repeat(512), runs::incrementAndGet));
        assertTrue(lock.runExclusively("emoji \ud83d\udd12 'quoted'; DROP TABLE x; --", runs::incrementAndGet));
        assertEquals(2, runs.get());
    }

    @Test
    void twoSchedulersSharingALockSkipTheRunThatOverlapsAndCountIt() {
        ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        ManualScheduler scheduler = new ManualScheduler(clock);
        LocalClusterLock lock = LocalClusterLock.create();
        List<Instant> ran = new ArrayList<>();
        ScheduledJob job = ScheduledJob.start("job", Schedule.every(Duration.ofMinutes(1)), scheduler, clock, lock,
                "shared-job", ran::add);
        // Another instance holds the lock while this one's run falls due.
        assertTrue(lock.runExclusively("shared-job", () -> scheduler.advance(Duration.ofMinutes(1))));
        assertEquals(List.of(), ran);
        assertEquals(1, job.skipped());
        assertEquals(1, job.runs());
        scheduler.advance(Duration.ofMinutes(1));
        assertEquals(List.of(Instant.parse("2026-01-01T00:02:00Z")), ran, "the task gets its slot's due time");
        assertEquals(1, job.skipped());
        assertEquals(2, job.runs());
        assertTrue(job.toString().contains("lock local 'shared-job'"), job.toString());
        job.cancel();
    }

    @Test
    void twoSchedulersSharingALockAndTheirStoreRunOncePerSlot() {
        ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        ManualScheduler scheduler = new ManualScheduler(clock);
        LocalClusterLock lock = LocalClusterLock.create();
        AtomicReference<Instant> lastDone = new AtomicReference<>(Instant.MIN);
        List<String> ran = new ArrayList<>();
        List<ScheduledJob> jobs = new ArrayList<>();
        for (String instance : List.of("a", "b")) {
            jobs.add(ScheduledJob.start("job " + instance, Schedule.cron("*/5 * * * *"), scheduler, clock, lock, "job",
                    due -> {
                        if (!lastDone.get().isBefore(due)) {
                            return; // the other instance did this slot
                        }
                        ran.add(instance + " " + due);
                        lastDone.set(clock.instant());
                    }));
        }
        scheduler.advance(Duration.ofMinutes(60));
        assertEquals(12, ran.size(), String.valueOf(ran));
        assertEquals(24, jobs.get(0).runs() + jobs.get(1).runs());
        jobs.forEach(ScheduledJob::cancel);
    }

    @Test
    void aLockThatCannotBeAskedIsAFailedRunAndTheScheduleGoesOn() {
        ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        ManualScheduler scheduler = new ManualScheduler(clock);
        com.zaxxer.hikari.HikariDataSource closedPool = new com.zaxxer.hikari.HikariDataSource();
        closedPool.close();
        PostgresClusterLock unreachable = PostgresClusterLock.builder(closedPool).build();
        ClusterLockException e = assertThrows(ClusterLockException.class, () -> unreachable.runExclusively("job", () -> { }));
        assertTrue(e.getMessage().startsWith("Could not ask for the cluster lock 'job': no database connection: "),
                e.getMessage());
        ScheduledJob job = ScheduledJob.start("job", Schedule.every(Duration.ofMinutes(1)), scheduler, clock, unreachable,
                "job", due -> { });
        scheduler.advance(Duration.ofMinutes(3));
        assertEquals(3, job.runs());
        assertEquals(0, job.skipped(), "a failure is not a skip");
        job.cancel();
    }

    @Test
    void aBadLockNameIsRefusedWhenScheduling() {
        ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        ManualScheduler scheduler = new ManualScheduler(clock);
        assertThrows(IllegalArgumentException.class, () -> ScheduledJob.start("job", Schedule.every(Duration.ofMinutes(1)),
                scheduler, clock, LocalClusterLock.create(), "bad\nname", due -> { }));
        assertEquals(0, scheduler.pending());
    }

    @Test
    void theLocalProviderIsFoundByName() {
        try (ClusterLock lock = Providers.load(ClusterLockProvider.class, Config.of(Map.of("infrakit.schedule.lock", "local")))) {
            assertInstanceOf(LocalClusterLock.class, lock);
            assertEquals("local", lock.name());
            assertTrue(lock.healthCheck().isEmpty());
        }
    }
}
