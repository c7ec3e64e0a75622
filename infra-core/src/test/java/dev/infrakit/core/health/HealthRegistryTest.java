package dev.infrakit.core.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.Notifier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthRegistryTest {

    private static HealthCheck fixed(String name, HealthStatus status) {
        return HealthCheck.of(name, () -> HealthResult.of(status, status == HealthStatus.UP ? null : name + " is " + status)
                .build()).build();
    }

    @Test
    void aHungCheckTimesOutWithoutHoldingBackTheOthers() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger hungStarts = new AtomicInteger();
        try (HealthRegistry registry = HealthRegistry.builder().defaultTimeout(Duration.ofSeconds(5)).build()) {
            for (int i = 0; i < 9; i++) {
                HealthStatus status = i == 3 ? HealthStatus.DEGRADED : i == 5 ? HealthStatus.DOWN : HealthStatus.UP;
                registry.register(fixed("check-" + i, status));
            }
            registry.register(HealthCheck.of("hung", () -> {
                hungStarts.incrementAndGet();
                never.await();
                return HealthResult.up().build();
            }).timeout(Duration.ofMillis(300)).build());

            long start = System.nanoTime();
            HealthReport report = registry.check();
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTrue(elapsedMs < 3000, "answered in " + elapsedMs + "ms");
            assertEquals(10, report.checks().size());
            HealthResult hung = report.checks().get("hung");
            assertEquals(HealthStatus.DOWN, hung.status());
            assertEquals("timed out after 300ms", hung.output().orElseThrow());
            assertEquals(Duration.ofMillis(300), hung.duration().orElseThrow());
            assertEquals(HealthStatus.DEGRADED, report.checks().get("check-3").status());
            assertEquals(HealthStatus.DOWN, report.checks().get("check-5").status());
            assertEquals("check-5 is DOWN", report.checks().get("check-5").output().orElseThrow());
            assertEquals(HealthStatus.UP, report.checks().get("check-8").status());
            assertEquals(HealthStatus.DOWN, report.status());
            assertEquals(503, report.httpStatus());

            // The hung run is still going: the next evaluation neither starts it again nor waits for it.
            long again = System.nanoTime();
            HealthReport second = registry.check();
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - again) < 250, "no second wait");
            assertTrue(second.checks().get("hung").output().orElseThrow().startsWith("timed out after 300ms"));
            assertEquals(1, hungStarts.get(), "a hung check is never started twice");
        } finally {
            never.countDown();
        }
    }

    @Test
    void aggregationIsWorstFirstAndNonCriticalChecksOnlyDegrade() {
        try (HealthRegistry registry = HealthRegistry.builder().build()) {
            assertEquals(HealthStatus.UP, registry.check().status(), "no checks: UP");
            registry.register(fixed("a", HealthStatus.UP));
            registry.register(HealthCheck.of("cache", () -> HealthResult.down("cache gone").build()).critical(false).build());
            HealthReport report = registry.check();
            assertEquals(HealthStatus.DEGRADED, report.status());
            assertEquals(200, report.httpStatus());
            assertEquals(HealthStatus.DOWN, report.checks().get("cache").status(), "the check itself stays DOWN");
            assertFalse(report.isCritical("cache"));
            registry.register(fixed("db", HealthStatus.DOWN));
            assertEquals(HealthStatus.DOWN, registry.check().status());
        }
    }

    @Test
    void aThrowingCheckIsDownWithItsMessageAndNoStackTrace() throws Exception {
        try (HealthRegistry registry = HealthRegistry.builder().build()) {
            registry.register(HealthCheck.of("boom", () -> {
                throw new IllegalStateException("connection\n   refused");
            }).build());
            registry.register(HealthCheck.of("null", () -> null).build());
            registry.register(HealthCheck.of("npe", () -> {
                throw new NullPointerException();
            }).build());
            HealthReport report = registry.check();
            assertEquals("IllegalStateException: connection refused", report.checks().get("boom").output().orElseThrow());
            assertEquals("the check returned no result", report.checks().get("null").output().orElseThrow());
            assertEquals("NullPointerException", report.checks().get("npe").output().orElseThrow());
            String json = report.toJson();
            assertFalse(json.contains("\tat ") || json.contains("at dev.infrakit"), json);
        }
    }

    @Test
    void groupsSelectChecks() {
        try (HealthRegistry registry = HealthRegistry.builder().build()) {
            registry.register(HealthCheck.of("db", () -> HealthResult.down("x").build())
                    .groups(HealthCheck.READINESS).build());
            registry.register(HealthCheck.of("heap", () -> HealthResult.up().build())
                    .groups(HealthCheck.LIVENESS).build());
            assertEquals(List.of("heap"), List.copyOf(registry.check(HealthCheck.LIVENESS).checks().keySet()));
            assertEquals(HealthStatus.UP, registry.check(HealthCheck.LIVENESS).status());
            assertEquals(HealthStatus.DOWN, registry.check(HealthCheck.READINESS).status());
            assertEquals(2, registry.check().checks().size());
            assertTrue(registry.hasGroup(HealthCheck.READINESS));
            assertFalse(registry.hasGroup("other"));
        }
    }

    @Test
    void namesAreUniqueAndSettingsValidated() {
        try (HealthRegistry registry = HealthRegistry.builder().build()) {
            registry.register(fixed("db", HealthStatus.UP));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> registry.register(fixed("db", HealthStatus.UP)));
            assertEquals("A health check named 'db' is already registered", e.getMessage());
            assertTrue(registry.unregister("db"));
            assertFalse(registry.unregister("db"));
        }
        assertThrows(IllegalArgumentException.class, () -> HealthRegistry.builder().defaultTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> HealthRegistry.builder().backgroundEvaluation(Duration.ofSeconds(10), Duration.ofSeconds(5)));
        assertThrows(IllegalStateException.class,
                () -> HealthRegistry.builder().cacheTtl(Duration.ofSeconds(1)).backgroundEvaluation(Duration.ofSeconds(1),
                        Duration.ofSeconds(3)));
        assertThrows(IllegalArgumentException.class, () -> HealthCheck.of(" ", () -> null));
    }

    @Test
    void cachedResultsAreReusedWithinTheTtl() {
        ManualClock time = ManualClock.create();
        AtomicInteger runs = new AtomicInteger();
        try (HealthRegistry registry = HealthRegistry.builder().cacheTtl(Duration.ofSeconds(10)).ticker(time).clock(time)
                .build()) {
            registry.register(HealthCheck.of("counted", () -> HealthResult.up().observed(runs.incrementAndGet(), null)
                    .build()).build());
            registry.check();
            time.advance(Duration.ofSeconds(9));
            assertEquals(1, registry.check().checks().get("counted").observedValue().orElseThrow());
            time.advance(Duration.ofSeconds(1));
            assertEquals(2, registry.check().checks().get("counted").observedValue().orElseThrow());
            assertEquals(2, runs.get());
        }
    }

    @Test
    void backgroundResultsAreReadFromTheLastRoundAndTurnDownWhenStale() {
        ManualClock time = ManualClock.create();
        AtomicReference<Runnable> round = new AtomicReference<>();
        AtomicReference<Duration> period = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger cancelled = new AtomicInteger();
        HealthRegistry registry = HealthRegistry.builder().ticker(time).clock(time)
                .backgroundEvaluation(Duration.ofMinutes(1), Duration.ofMinutes(3))
                .periodicScheduler((task, every) -> {
                    round.set(task);
                    period.set(every);
                    return cancelled::incrementAndGet;
                }).build();
        try {
            assertEquals(Duration.ofMinutes(1), period.get());
            registry.register(HealthCheck.of("db", () -> HealthResult.up().observed(runs.incrementAndGet(), null)
                    .build()).build());
            HealthResult before = registry.check().checks().get("db");
            assertEquals(HealthStatus.DOWN, before.status());
            assertEquals("not evaluated yet", before.output().orElseThrow());
            assertEquals(0, runs.get(), "reports never run checks in background mode");

            round.get().run();
            assertEquals(HealthStatus.UP, registry.check().status());
            registry.check();
            assertEquals(1, runs.get());

            time.advance(Duration.ofMinutes(3).plusSeconds(1));
            HealthResult stale = registry.check().checks().get("db");
            assertEquals(HealthStatus.DOWN, stale.status());
            assertEquals("stale: last evaluated 181s ago (maximum age 180s)", stale.output().orElseThrow());
            assertEquals(1, stale.observedValue().orElseThrow(), "the stale result keeps its observation");

            registry.refresh();
            assertEquals(HealthStatus.UP, registry.check().status());
            assertEquals(2, runs.get());
        } finally {
            registry.close();
        }
        assertEquals(1, cancelled.get(), "close() cancels the background task");
    }

    @Test
    void theDefaultSchedulerRunsRoundsInTheBackground() throws Exception {
        CountDownLatch ran = new CountDownLatch(2);
        try (HealthRegistry registry = HealthRegistry.builder()
                .backgroundEvaluation(Duration.ofMillis(20), Duration.ofSeconds(60)).build()) {
            registry.register(HealthCheck.of("ticking", () -> {
                ran.countDown();
                return HealthResult.up().build();
            }).build());
            assertTrue(ran.await(30, TimeUnit.SECONDS), "two background rounds ran");
            assertEquals(HealthStatus.UP, registry.check().status());
        }
    }

    @Test
    void notificationsOnTransitionsOnlyAndNotMoreOftenThanTheInterval() throws Exception {
        ManualClock time = ManualClock.create();
        List<Notification> sent = Collections.synchronizedList(new ArrayList<>());
        Notifier recorder = new Notifier() {
            @Override
            public void send(Notification notification) {
                sent.add(notification);
            }

            @Override
            public String name() {
                return "recorder";
            }
        };
        AtomicReference<HealthStatus> status = new AtomicReference<>(HealthStatus.UP);
        HealthRegistry registry = HealthRegistry.builder().ticker(time).clock(time).serviceId("billing")
                .notifier(recorder, Duration.ofMinutes(5)).build();
        registry.register(HealthCheck.of("db", () -> HealthResult.of(status.get(),
                status.get() == HealthStatus.UP ? null : "connection refused").build()).build());
        registry.check();                               // UP at start: not news
        status.set(HealthStatus.DOWN);
        registry.check();                               // DOWN: sent
        registry.check();                               // still DOWN: nothing
        for (int i = 0; i < 10; i++) {                  // flapping within the interval: nothing
            time.advance(Duration.ofSeconds(10));
            status.set(i % 2 == 0 ? HealthStatus.UP : HealthStatus.DOWN);
            registry.check();
        }
        time.advance(Duration.ofMinutes(5));
        status.set(HealthStatus.UP);
        registry.check();                               // interval over and status differs: recovered
        registry.check();
        registry.close();                               // drains the notification queue

        assertEquals(2, sent.size(), sent.toString());
        Notification down = sent.get(0);
        assertEquals(Notification.Severity.CRITICAL, down.severity());
        assertEquals("Health check 'db' is DOWN", down.title());
        assertEquals("connection refused", down.message());
        assertEquals("health:db", down.source());
        assertEquals(Map.of("previous", "UP", "status", "DOWN", "critical", "true", "service", "billing"), down.fields());
        assertEquals(Notification.Severity.INFO, sent.get(1).severity());
        assertEquals("Health check 'db' recovered", sent.get(1).title());
    }

    @Test
    void aFailingNotifierIsCountedAndNeverBreaksTheCaller() throws Exception {
        CountDownLatch tried = new CountDownLatch(1);
        Notifier broken = new Notifier() {
            @Override
            public void send(Notification notification) {
                tried.countDown();
                throw new IllegalStateException("smtp down");
            }

            @Override
            public String name() {
                return "broken";
            }
        };
        HealthRegistry registry = HealthRegistry.builder().notifier(broken, Duration.ZERO).build();
        registry.register(fixed("db", HealthStatus.DOWN));
        assertEquals(HealthStatus.DOWN, registry.check().status());
        assertTrue(tried.await(10, TimeUnit.SECONDS));
        registry.close();
        assertEquals(1, registry.failedNotifications());
    }

    @Test
    void aFullNotificationQueueDropsAndCounts() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        Notifier slow = new Notifier() {
            @Override
            public void send(Notification notification) {
                started.countDown();
                try {
                    blocked.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public String name() {
                return "slow";
            }
        };
        HealthRegistry registry = HealthRegistry.builder().notifier(slow, Duration.ZERO).notificationQueueSize(1).build();
        for (int i = 0; i < 4; i++) {
            registry.register(fixed("down-" + i, HealthStatus.DOWN));
        }
        registry.check("nothing");
        registry.check();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        blocked.countDown();
        registry.close();
        // 4 transitions: one being sent, one queued, the rest dropped, or fewer dropped if the
        // sender drained in between; never lost silently.
        assertTrue(registry.droppedNotifications() >= 1 && registry.droppedNotifications() <= 2,
                "dropped " + registry.droppedNotifications());
    }

    @Test
    void aRejectingExecutorReportsDown() {
        try (HealthRegistry registry = HealthRegistry.builder().executor(command -> {
            throw new java.util.concurrent.RejectedExecutionException("saturated");
        }).build()) {
            registry.register(fixed("db", HealthStatus.UP));
            HealthResult result = registry.check().checks().get("db");
            assertEquals(HealthStatus.DOWN, result.status());
            assertTrue(result.output().orElseThrow().contains("rejected"), result.toString());
        }
    }

    @Test
    void rendersHealthJson() throws Exception {
        ManualClock time = ManualClock.create();
        try (HealthRegistry registry = HealthRegistry.builder().clock(time).ticker(time).serviceId("api").build()) {
            registry.register(HealthCheck.of("disk", () -> HealthResult.degraded("93% full").observed(7.0, "%")
                    .detail("path", "/var").build()).build());
            registry.register(HealthCheck.of("db", () -> HealthResult.up().observed(1.5, "ms").build()).build());
            registry.register(HealthCheck.of("cache", () -> HealthResult.down("gone").build()).critical(false).build());
            JsonNode json = new ObjectMapper().readTree(registry.check().toJson());
            assertEquals("warn", json.get("status").asText());
            assertEquals("api", json.get("serviceId").asText());
            assertEquals("2026-01-01T00:00:00Z", json.get("time").asText());
            JsonNode disk = json.get("checks").get("disk").get(0);
            assertEquals("warn", disk.get("status").asText());
            assertEquals("93% full", disk.get("output").asText());
            assertEquals(7.0, disk.get("observedValue").asDouble());
            assertEquals("%", disk.get("observedUnit").asText());
            assertEquals("/var", disk.get("details").get("path").asText());
            assertTrue(disk.has("durationMs"));
            JsonNode db = json.get("checks").get("db").get(0);
            assertEquals("pass", db.get("status").asText());
            assertFalse(db.has("output"), "no output when passing");
            assertFalse(db.has("critical"));
            JsonNode cache = json.get("checks").get("cache").get(0);
            assertEquals("fail", cache.get("status").asText());
            assertFalse(cache.get("critical").asBoolean());
        }
    }

    @Test
    void closedRegistryRefusesToEvaluate() {
        HealthRegistry registry = HealthRegistry.builder().build();
        registry.close();
        assertThrows(IllegalStateException.class, registry::check);
    }
}
