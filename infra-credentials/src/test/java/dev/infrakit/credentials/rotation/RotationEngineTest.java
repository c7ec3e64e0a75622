package dev.infrakit.credentials.rotation;

import dev.infrakit.core.fixtures.ManualScheduler;
import dev.infrakit.core.schedule.LocalClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.CredentialNotFoundException;
import dev.infrakit.credentials.ForwardingCredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.WriteCondition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotationEngineTest {
    private static final String NAME = "apps/billing/db";
    private static final String INITIAL = "initial-password-1";

    private ManualClock clock;
    private CrashingStore store;
    private FakeStrategy strategy;
    private RecordingAuditSink sink;
    private RotationEngine engine;

    /** Can crash right after a put of the rotated credential succeeded (before the engine records it). */
    static final class CrashingStore extends ForwardingCredentialStore {
        final AtomicBoolean crashAfterPut = new AtomicBoolean();

        CrashingStore(CredentialStore delegate) {
            super(delegate);
        }

        @Override
        public int put(String name, SecretValue value, WriteCondition condition) {
            int version = super.put(name, value, condition);
            if (name.equals(NAME) && crashAfterPut.compareAndSet(true, false)) {
                throw new Crash("after the PENDING put");
            }
            return version;
        }
    }

    @BeforeEach
    void setUp() {
        clock = ManualClock.create();
        store = new CrashingStore(InMemoryCredentialStore.builder().clock(clock).build());
        store.put(NAME, SecretValue.login("billing", INITIAL));
        strategy = new FakeStrategy(INITIAL);
        sink = new RecordingAuditSink();
        engine = engine(strategy);
    }

    private RotationEngine engine(RotationStrategy s) {
        return RotationEngine.builder(store).strategy(NAME, s).auditSink(sink).clock(clock)
                .lease(Duration.ofMinutes(5)).build();
    }

    private String password(Secret secret) {
        return secret.value().password().orElseThrow();
    }

    /** CURRENT is exactly one readable version, and the target accepts its password. */
    private void assertConsistent() {
        RotationStatus status = engine.status(NAME);
        Secret current = engine.current(NAME);
        assertEquals(status.current(), current.version());
        assertEquals(password(current), strategy.target.get(), "the target must accept CURRENT");
    }

    private void assertNoSecretInAudit() {
        List<String> secrets = new ArrayList<>();
        secrets.add(INITIAL);
        for (int i = 1; i <= strategy.counter.get(); i++) {
            secrets.add("pw-" + i + "-secret");
        }
        for (AuditEvent event : sink.events) {
            String text = event + " " + event.details() + " " + event.reason().orElse("");
            for (String s : secrets) {
                assertFalse(text.contains(s), "audit event leaks a secret: " + event.type());
            }
        }
    }

    @Test
    void happyPathLabelsAndAudit() {
        RotationResult result = engine.rotate(NAME);

        assertEquals(RotationResult.Outcome.ROTATED, result.outcome());
        assertFalse(result.resumed());
        assertEquals(2, result.currentVersion());
        assertEquals(1, result.previousVersion());
        assertEquals(2, engine.current(NAME).version());
        assertEquals(1, engine.previous(NAME).orElseThrow().version());
        assertTrue(engine.pending(NAME).isEmpty());
        assertEquals(INITIAL, password(engine.previous(NAME).orElseThrow()));
        assertEquals("pw-1-secret", password(engine.current(NAME)));
        assertEquals(List.of("create", "apply", "test"), strategy.calls);
        RotationStatus status = engine.status(NAME);
        assertFalse(status.inProgress());
        assertEquals("ROTATED", status.lastOutcome());
        assertEquals(result.rotationId(), status.lastRotationId());
        assertConsistent();

        assertEquals(List.of("rotation.started:PENDING", "rotation.started:SUCCESS", "rotation.created:PENDING",
                "rotation.created:SUCCESS", "rotation.applied:PENDING", "rotation.applied:SUCCESS",
                "rotation.tested:PENDING", "rotation.tested:SUCCESS", "rotation.finished:PENDING",
                "rotation.finished:SUCCESS"), sink.typesAndOutcomes());
        for (int i = 0; i < sink.events.size(); i++) {
            AuditEvent e = sink.events.get(i);
            assertEquals(result.rotationId(), e.details().get("rotationId"));
            assertEquals("credential", e.resource().orElseThrow().type());
            if (i % 2 == 1) {
                assertEquals(sink.events.get(i - 1).id().toString(), e.details().get(AuditEvent.PENDING_ID));
            }
        }
        assertEquals(2, sink.events.get(7).details().get("pendingVersion"));
        assertNoSecretInAudit();
    }

    @Test
    void secondRotationMovesPrevious() {
        engine.rotate(NAME);
        RotationResult second = engine.rotate(NAME);

        assertEquals(3, second.currentVersion());
        assertEquals(2, second.previousVersion());
        assertEquals("pw-2-secret", password(engine.current(NAME)));
        assertEquals("pw-1-secret", password(engine.previous(NAME).orElseThrow()));
        assertConsistent();
    }

    @Test
    void beforeAnyRotationCurrentIsTheNewestVersion() {
        assertEquals(1, engine.current(NAME).version());
        assertTrue(engine.previous(NAME).isEmpty());
        assertTrue(engine.pending(NAME).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> engine.rotate("apps/none"), "no strategy registered");
    }

    @Test
    void missingCredentialIsRefused() {
        RotationEngine e = RotationEngine.builder(store).strategy("apps/missing", strategy).build();
        assertThrows(CredentialNotFoundException.class, () -> e.rotate("apps/missing"));
    }

    @Test
    void retryingAFinishedRotationByIdDoesNothing() {
        engine.rotate(NAME, "change-42");
        RotationResult again = engine.rotate(NAME, "change-42");
        assertEquals(RotationResult.Outcome.ALREADY_ROTATED, again.outcome());
        assertEquals(2, engine.current(NAME).version());
        assertEquals(1, strategy.counter.get());
    }

    /** The process dies between two steps; the next run (after the lease, or by id) finishes the rotation. */
    @ParameterizedTest
    @ValueSource(strings = {"before create", "after create", "after put", "before apply", "after apply",
            "before test", "after test"})
    void crashBetweenStepsResumes(String point) {
        arm(point);
        assertThrows(Crash.class, () -> engine.rotate(NAME));

        RotationStatus during = engine.status(NAME);
        assertTrue(during.inProgress());
        assertEquals(1, during.current(), "CURRENT unchanged while the rotation is unfinished");
        assertEquals(1, engine.current(NAME).version());

        // Within the lease another run refuses to start a second rotation.
        RotationEngine other = engine(strategy);
        assertThrows(RotationInProgressException.class, () -> other.rotate(NAME));

        clock.advance(Duration.ofMinutes(6));
        RotationResult result = other.rotate(NAME);
        assertEquals(RotationResult.Outcome.ROTATED, result.outcome());
        assertTrue(result.resumed());
        assertEquals(during.rotationId(), result.rotationId());
        assertEquals(2, engine.current(NAME).version(), "the PENDING stored before a crash is adopted, not duplicated");
        assertEquals(1, engine.previous(NAME).orElseThrow().version());
        assertTrue(engine.pending(NAME).isEmpty());
        assertConsistent();
        assertEquals("rotation.finished", sink.types().get(sink.types().size() - 1));
        assertNoSecretInAudit();
    }

    @ParameterizedTest
    @ValueSource(strings = {"before create", "after put", "after apply", "before test"})
    void crashedRotationResumesAtOnceByItsId(String point) {
        arm(point);
        assertThrows(Crash.class, () -> engine.rotate(NAME, "deploy-7"));
        RotationResult result = engine.rotate(NAME, "deploy-7");
        assertEquals(RotationResult.Outcome.ROTATED, result.outcome());
        assertEquals(2, result.currentVersion());
        assertConsistent();
    }

    private void arm(String point) {
        if (point.equals("after put")) {
            store.crashAfterPut.set(true);
        } else if (point.startsWith("before ")) {
            strategy.crashBefore = point.substring(7);
        } else {
            strategy.crashAfter = point.substring(6);
        }
    }

    @Test
    void differentPendingRefusesToStart() {
        strategy.crashAfter = "apply";
        assertThrows(Crash.class, () -> engine.rotate(NAME, "first"));
        RotationInProgressException e = assertThrows(RotationInProgressException.class,
                () -> engine.rotate(NAME, "second"));
        assertEquals("first", e.rotationId());
        assertThrows(RotationInProgressException.class, () -> engine.rotate(NAME));
        assertEquals(2, engine.pending(NAME).orElseThrow().version());
        // The newest version is PENDING; label-aware readers still get CURRENT.
        assertEquals(2, store.get(NAME).version());
        assertEquals(1, engine.current(NAME).version());
    }

    @Test
    void failedTestRollsBackAndRecordsTheFailure() {
        strategy.failAt = "test";
        RotationException e = assertThrows(RotationException.class, () -> engine.rotate(NAME));
        assertTrue(e.getMessage().contains("rolled back"), e.getMessage());
        assertFalse(e.getMessage().contains("pw-1-secret"), "the message must mask the password");

        RotationStatus status = engine.status(NAME);
        assertFalse(status.inProgress());
        assertEquals(1, status.current());
        assertEquals(0, status.pending());
        assertEquals("ROLLED_BACK", status.lastOutcome());
        assertTrue(status.lastFailure().contains("****"), status.lastFailure());
        assertConsistent();
        assertThrows(CredentialNotFoundException.class, () -> store.get(NAME, 2), "failed PENDING soft-deleted");
        assertEquals(List.of("rotation.started:PENDING", "rotation.started:SUCCESS", "rotation.created:PENDING",
                "rotation.created:SUCCESS", "rotation.applied:PENDING", "rotation.applied:SUCCESS",
                "rotation.tested:PENDING", "rotation.failed:FAILURE", "rotation.rolled-back:PENDING",
                "rotation.rolled-back:SUCCESS"), sink.typesAndOutcomes());
        AuditEvent failed = sink.events.get(7);
        assertEquals(AuditEvent.Outcome.FAILURE, failed.outcome());
        assertEquals("test", failed.details().get("step"));
        assertEquals(sink.events.get(6).id().toString(), failed.details().get(AuditEvent.PENDING_ID),
                "the failure is the outcome of the step's PENDING event");
        assertNoSecretInAudit();

        strategy.failAt = null;
        assertEquals(3, engine.rotate(NAME).currentVersion());
        assertConsistent();
    }

    @Test
    void failedApplyRollsBack() {
        strategy.failAt = "apply";
        assertThrows(RotationException.class, () -> engine.rotate(NAME));
        assertTrue(strategy.calls.contains("rollback"));
        assertEquals(1, engine.status(NAME).current());
        assertConsistent();
    }

    @Test
    void failedCreateChangesNothing() {
        strategy.failAt = "create";
        RotationException e = assertThrows(RotationException.class, () -> engine.rotate(NAME));
        assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
        assertFalse(strategy.calls.contains("rollback"));
        assertEquals("FAILED", engine.status(NAME).lastOutcome());
        assertEquals(1, store.metadata(NAME).orElseThrow().currentVersion());
        assertEquals(List.of("rotation.started:PENDING", "rotation.started:SUCCESS", "rotation.created:PENDING",
                "rotation.failed:FAILURE"), sink.typesAndOutcomes());
    }

    @Test
    void failedRollbackIsRetriedByTheNextRun() {
        strategy.failAt = "test";
        strategy.rollbackFails = true;
        RotationException e = assertThrows(RotationException.class, () -> engine.rotate(NAME));
        assertTrue(e.getMessage().contains("rollback failed"), e.getMessage());
        assertEquals("FAILED", engine.status(NAME).step());
        assertEquals(1, engine.current(NAME).version());

        strategy.rollbackFails = false;
        strategy.failAt = null;
        clock.advance(Duration.ofMinutes(6));
        RotationResult result = engine.rotate(NAME);
        assertEquals(RotationResult.Outcome.ROLLED_BACK, result.outcome());
        assertEquals(1, result.currentVersion());
        assertConsistent();
        assertEquals(2, sink.types().stream().filter("rotation.failed"::equals).count());
        assertEquals("rotation.rolled-back", sink.types().get(sink.types().size() - 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"before rollback", "after rollback"})
    void crashDuringRollbackIsRolledBackByTheNextRun(String point) {
        strategy.failAt = "test";
        arm(point);
        assertThrows(Crash.class, () -> engine.rotate(NAME));
        strategy.failAt = null;
        clock.advance(Duration.ofMinutes(6));
        RotationResult result = engine.rotate(NAME);
        assertEquals(RotationResult.Outcome.ROLLED_BACK, result.outcome());
        assertEquals(1, engine.current(NAME).version());
        assertTrue(engine.pending(NAME).isEmpty());
        assertConsistent();
        assertEquals(3, engine.rotate(NAME).currentVersion());
        assertConsistent();
    }

    @Test
    void ownerThatLostItsRotationStops() {
        // Engine A stalls in create; its lease runs out and B takes over and finishes.
        RotationEngine b = engine(strategy);
        AtomicBoolean first = new AtomicBoolean(true);
        strategy.onCreate = () -> {
            if (first.compareAndSet(true, false)) {
                clock.advance(Duration.ofMinutes(6));
                assertEquals(RotationResult.Outcome.ROTATED, b.rotate(NAME).outcome());
            }
        };
        RotationException e = assertThrows(RotationException.class, () -> engine.rotate(NAME));
        assertTrue(e.getMessage().contains("another engine"), e.getMessage());
        assertEquals(2, engine.current(NAME).version());
        assertTrue(engine.pending(NAME).isEmpty());
        assertConsistent();
    }

    /** Many engines (one per thread) over one store rotate at once: exactly one rotation happens. */
    @Test
    void concurrentRotationsFromSeveralEnginesMakeExactlyOne() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 20; round++) {
                setUp();
                CountDownLatch losersDone = new CountDownLatch(threads - 1);
                CountDownLatch go = new CountDownLatch(1);
                // The winner waits in create until every other thread has been refused, so the
                // rotations overlap for sure.
                strategy.onCreate = () -> {
                    try {
                        losersDone.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                AtomicInteger refused = new AtomicInteger();
                List<Future<RotationResult>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    RotationEngine e = engine(strategy);
                    results.add(pool.submit(() -> {
                        go.await();
                        try {
                            return e.rotate(NAME);
                        } catch (RotationInProgressException refusedHere) {
                            refused.incrementAndGet();
                            losersDone.countDown();
                            return null;
                        }
                    }));
                }
                go.countDown();
                int rotated = 0;
                for (Future<RotationResult> f : results) {
                    if (f.get(30, TimeUnit.SECONDS) != null) {
                        rotated++;
                    }
                }
                assertEquals(1, rotated, "round " + round);
                assertEquals(threads - 1, refused.get());
                assertEquals(1, strategy.counter.get(), "one PENDING created");
                assertEquals(2, engine.current(NAME).version());
                assertEquals(1, engine.previous(NAME).orElseThrow().version());
                assertEquals(2, store.metadata(NAME).orElseThrow().currentVersion());
                assertConsistent();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void listenersAreToldAfterFinishAndOneFailingDoesNotBreakTheRotation() {
        List<String> told = new ArrayList<>();
        engine.addListener((name, previous, current) -> {
            throw new IllegalStateException("listener bug");
        });
        engine.addListener((name, previous, current) -> told.add(name + " v" + previous.version() + "->v"
                + current.version() + " " + current.value().password().orElseThrow()));
        engine.rotate(NAME);
        assertEquals(List.of(NAME + " v1->v2 pw-1-secret"), told);
        assertEquals(1, engine.listenerFailures());
    }

    @Test
    void periodicScheduleRotatesOnTheManualClock() {
        ManualScheduler scheduler = new ManualScheduler(clock);
        ScheduledJob scheduled = engine.schedule(NAME, Schedule.every(Duration.ofHours(1)), scheduler);
        Instant start = clock.instant();
        assertEquals(start.plus(Duration.ofHours(1)), scheduled.nextRun().orElseThrow());

        scheduler.advance(Duration.ofMinutes(59));
        assertEquals(1, engine.current(NAME).version());
        scheduler.advance(Duration.ofMinutes(1));
        assertEquals(2, engine.current(NAME).version());
        scheduler.advance(Duration.ofHours(3));
        assertEquals(5, engine.current(NAME).version());
        assertEquals(4, scheduled.runs());
        assertEquals(start.plus(Duration.ofHours(5)), scheduled.nextRun().orElseThrow());

        scheduled.cancel();
        assertTrue(scheduled.nextRun().isEmpty());
        scheduler.advance(Duration.ofHours(5));
        assertEquals(5, engine.current(NAME).version());
    }

    @Test
    void twoInstancesSharingAClusterLockRotateOncePerSlot() {
        ManualScheduler scheduler = new ManualScheduler(clock);
        LocalClusterLock lock = LocalClusterLock.create();
        RotationEngine other = engine(strategy);
        List<ScheduledJob> jobs = List.of(engine.schedule(NAME, Schedule.cron("0 * * * *"), scheduler, lock),
                other.schedule(NAME, Schedule.cron("0 * * * *"), scheduler, lock));
        scheduler.advance(Duration.ofHours(3));
        assertEquals(3, strategy.counter.get(), "one rotation per hour, not one per instance");
        assertEquals(4, engine.current(NAME).version());
        assertEquals(6, jobs.get(0).runs() + jobs.get(1).runs(), "both instances woke every hour");
        assertTrue(engine.status(NAME).lastRotationId().startsWith("scheduled:2026-01-01T03:00"),
                engine.status(NAME).lastRotationId());
        assertConsistent();
        jobs.forEach(ScheduledJob::cancel);
    }

    @Test
    void withoutTheLockTwoInstancesRotateTwicePerSlot() {
        ManualScheduler scheduler = new ManualScheduler(clock);
        RotationEngine other = engine(strategy);
        List<ScheduledJob> jobs = List.of(engine.schedule(NAME, Schedule.cron("0 * * * *"), scheduler),
                other.schedule(NAME, Schedule.cron("0 * * * *"), scheduler));
        scheduler.advance(Duration.ofHours(2));
        assertEquals(4, strategy.counter.get(), "today's behaviour, what the lock is for");
        jobs.forEach(ScheduledJob::cancel);
    }

    @Test
    void aScheduledRotationWhileAnotherInstanceHoldsTheLockIsSkippedAndCounted() {
        ManualScheduler scheduler = new ManualScheduler(clock);
        LocalClusterLock lock = LocalClusterLock.create();
        ScheduledJob job = engine.schedule(NAME, Schedule.cron("0 * * * *"), scheduler, lock);
        assertTrue(lock.runExclusively("rotation of " + NAME, () -> scheduler.advance(Duration.ofHours(1))));
        assertEquals(1, job.skipped());
        assertEquals(0, strategy.counter.get());
        scheduler.advance(Duration.ofHours(1));
        assertEquals(1, strategy.counter.get());
        assertEquals(1, job.skipped());
        assertThrows(IllegalArgumentException.class, () -> engine.schedule("unknown", Schedule.cron("0 * * * *"),
                scheduler, lock));
        job.cancel();
    }

    @Test
    void cronScheduleRotatesAndSurvivesAFailingRun() {
        ManualScheduler scheduler = new ManualScheduler(clock); // clock at 2026-01-01T00:00Z
        ScheduledJob scheduled = engine.schedule(NAME, Schedule.cron("30 3 * * *"), scheduler);
        assertEquals(Instant.parse("2026-01-01T03:30:00Z"), scheduled.nextRun().orElseThrow());

        strategy.failAt = "test";
        scheduler.advance(Duration.ofHours(4));
        assertEquals(1, engine.current(NAME).version(), "the failed run rolled back");
        assertEquals(Instant.parse("2026-01-02T03:30:00Z"), scheduled.nextRun().orElseThrow());

        strategy.failAt = null;
        scheduler.advance(Duration.ofDays(1));
        assertEquals(3, engine.current(NAME).version());
        assertEquals(2, scheduled.runs());
        assertEquals(1, scheduler.pending());
        scheduled.close();
        assertEquals(0, scheduler.pending());
    }

    /** The strategy call a step's event stands for, if any. */
    private static String call(String type) {
        switch (type) {
            case "rotation.created":
                return "create";
            case "rotation.applied":
                return "apply";
            case "rotation.tested":
                return "test";
            default:
                return null;
        }
    }

    /** A step whose PENDING event the sink refuses is not taken; the next run, with the sink back, finishes. */
    @ParameterizedTest
    @ValueSource(strings = {"rotation.started", "rotation.created", "rotation.applied", "rotation.tested",
            "rotation.finished"})
    void aStepWhosePendingEventIsRefusedIsNotTaken(String type) {
        sink.refuseWhen = e -> e.type().equals(type) && e.outcome() == AuditEvent.Outcome.PENDING;
        String target = strategy.target.get();
        int versions = store.metadata(NAME).orElseThrow().currentVersion();
        dev.infrakit.audit.AuditException e = assertThrows(dev.infrakit.audit.AuditException.class,
                () -> engine.rotate(NAME, "r-1"));
        assertFalse(e instanceof dev.infrakit.credentials.OutcomeNotRecordedException, e.getMessage());
        assertEquals(1, engine.current(NAME).version(), "CURRENT unchanged");
        String call = call(type);
        if (call != null) {
            assertFalse(strategy.calls.contains(call), type + ": " + strategy.calls);
        }
        if (type.equals("rotation.started")) {
            assertFalse(engine.status(NAME).inProgress(), "not even started");
        }
        if (type.equals("rotation.started") || type.equals("rotation.created")) {
            assertEquals(versions, store.metadata(NAME).orElseThrow().currentVersion(), "no PENDING version stored");
        }
        if (type.equals("rotation.started") || type.equals("rotation.created") || type.equals("rotation.applied")) {
            assertEquals(target, strategy.target.get(), "the target was not changed");
        }
        assertFalse(sink.typesAndOutcomes().contains(type + ":SUCCESS"));

        sink.refuseWhen = null;
        RotationResult result = engine.rotate(NAME, "r-1");
        assertEquals(RotationResult.Outcome.ROTATED, result.outcome());
        assertEquals(2, result.currentVersion());
        assertConsistent();
    }

    /** A step done whose outcome the sink refuses stops the run as a crash would; the next run finishes. */
    @ParameterizedTest
    @ValueSource(strings = {"rotation.started", "rotation.created", "rotation.applied", "rotation.tested"})
    void aStepWhoseOutcomeIsRefusedStopsTheRunAsACrashWould(String type) {
        sink.refuseWhen = e -> e.type().equals(type) && e.outcome() == AuditEvent.Outcome.SUCCESS;
        dev.infrakit.audit.AuditException e = assertThrows(dev.infrakit.audit.AuditException.class,
                () -> engine.rotate(NAME, "r-2"));
        assertFalse(e instanceof dev.infrakit.credentials.OutcomeNotRecordedException, "the rotation is not done");
        assertTrue(e.getMessage().contains("stopped after step " + type.substring(9)), e.getMessage());
        assertTrue(engine.status(NAME).inProgress());
        assertEquals(1, engine.current(NAME).version(), "CURRENT unchanged");
        assertTrue(sink.typesAndOutcomes().contains(type + ":PENDING"));

        sink.refuseWhen = null;
        assertThrows(RotationInProgressException.class, () -> engine(strategy).rotate(NAME), "within the lease");
        RotationResult result = engine.rotate(NAME, "r-2");
        assertEquals(RotationResult.Outcome.ROTATED, result.outcome());
        assertEquals(2, result.currentVersion(), "the stored PENDING version is adopted, not duplicated");
        assertConsistent();
    }

    @Test
    void aFinishedRotationWhoseOutcomeIsRefusedStandsAndConsumersAreTold() {
        List<Integer> told = new ArrayList<>();
        engine.addListener((name, previous, current) -> told.add(current.version()));
        sink.refuseWhen = e -> e.type().equals("rotation.finished") && e.outcome() == AuditEvent.Outcome.SUCCESS;
        dev.infrakit.credentials.OutcomeNotRecordedException e = assertThrows(
                dev.infrakit.credentials.OutcomeNotRecordedException.class, () -> engine.rotate(NAME));
        assertEquals("rotation.finished", e.operation());
        assertEquals(NAME, e.target());
        assertEquals(2, e.version().orElseThrow());
        assertFalse(e.getMessage().contains("pw-1-secret"), e.getMessage());
        assertEquals(2, engine.current(NAME).version(), "the rotation stands");
        assertFalse(engine.status(NAME).inProgress());
        assertEquals(List.of(2), told, "consumers get the new CURRENT all the same");
        assertConsistent();
        assertEquals("rotation.finished:PENDING", sink.typesAndOutcomes().get(sink.events.size() - 1));
    }

    @Test
    void aFailureOrRollbackThatCannotBeRecordedIsLeftToTheNextRun() {
        strategy.failAt = "test";
        sink.refuseWhen = e -> e.type().equals("rotation.failed");
        dev.infrakit.audit.AuditException unrecorded = assertThrows(dev.infrakit.audit.AuditException.class,
                () -> engine.rotate(NAME, "r-3"));
        assertTrue(unrecorded.getMessage().contains("nothing was rolled back"), unrecorded.getMessage());
        assertFalse(strategy.calls.contains("rollback"), "no unaudited rollback");
        assertEquals("APPLIED", engine.status(NAME).step(), "as a crash during the test step leaves it");

        sink.refuseWhen = e -> e.type().equals("rotation.rolled-back") && e.outcome() == AuditEvent.Outcome.PENDING;
        dev.infrakit.audit.AuditException refused = assertThrows(dev.infrakit.audit.AuditException.class,
                () -> engine.rotate(NAME, "r-3"));
        assertFalse(refused instanceof dev.infrakit.credentials.OutcomeNotRecordedException, refused.getMessage());
        assertFalse(strategy.calls.contains("rollback"), "its PENDING event refused: not rolled back");
        assertEquals("FAILED", engine.status(NAME).step(), "the failure is recorded; the rollback is due");

        sink.refuseWhen = null;
        strategy.failAt = null;
        RotationResult result = engine.rotate(NAME, "r-3");
        assertEquals(RotationResult.Outcome.ROLLED_BACK, result.outcome());
        assertTrue(strategy.calls.contains("rollback"));
        assertEquals(1, engine.current(NAME).version());
        assertConsistent();
    }

    @Test
    void builderRefusesASettingGivenTwice() {
        RotationEngine.Builder b = RotationEngine.builder(store).clock(clock);
        assertThrows(IllegalStateException.class, () -> b.clock(clock));
        b.strategy(NAME, strategy);
        assertThrows(IllegalArgumentException.class, () -> b.strategy(NAME, strategy));
        assertThrows(IllegalArgumentException.class, () -> b.lease(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.strategy("bad//name", strategy));
        assertThrows(IllegalArgumentException.class, () -> engine.rotate(NAME, "bad id with spaces"));
    }

    @Test
    void oneStatusReadGivesTheLabelsOfEveryVersion() {
        engine.rotate(NAME);
        engine.rotate(NAME);
        RotationStatus status = engine.status(NAME);
        assertEquals(java.util.Set.of(), status.labels(1), "v1 is neither CURRENT nor PREVIOUS any more");
        assertEquals(java.util.Set.of(RotationStatus.Label.PREVIOUS), status.labels(2));
        assertEquals(java.util.Set.of(RotationStatus.Label.CURRENT), status.labels(3));
        assertEquals(java.util.Set.of(), status.labels(0));
        assertEquals(java.util.Set.of(), status.labels(4));
    }

    @Test
    void listingThroughTheEngineHidesItsStateAndDeleteRemovesBoth() {
        store.put("apps/other", SecretValue.login("o", "other-password"));
        engine.rotate(NAME);
        assertTrue(store.list("").stream().anyMatch(m -> m.name().startsWith(RotationEngine.STATE_PREFIX)),
                "the store itself shows the state");
        assertEquals(java.util.List.of("apps/billing/db", "apps/other"), engine.list("").stream()
                .map(dev.infrakit.credentials.CredentialMetadata::name).sorted().collect(java.util.stream.Collectors.toList()));
        assertTrue(engine.delete(NAME));
        assertTrue(store.metadata(NAME).isEmpty());
        assertTrue(store.metadata(RotationEngine.stateName(NAME)).isEmpty(), "its labels went with it");
        assertFalse(engine.delete(NAME));
        store.put(NAME, SecretValue.login("billing", "a-new-start-password"));
        assertEquals(1, engine.status(NAME).current(), "a new credential of the name starts without old labels");
    }
}
