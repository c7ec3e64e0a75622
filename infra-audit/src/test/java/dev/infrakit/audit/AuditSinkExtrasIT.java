package dev.infrakit.audit;

import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import dev.infrakit.core.Providers;
import dev.infrakit.core.health.HealthStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditSinkExtrasIT {

    private static AuditEvent at(Instant time, String actor, String type, String resourceId) {
        return AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, type).timestamp(time).actor(Actor.user(actor))
                .action("read").resource(Resource.of("credential", resourceId)).build();
    }

    @Test
    void queriesNewestFirstAcrossRotatedFiles(@TempDir Path dir) {
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).auditFiles(8192, 5).build()) {
            for (int i = 0; i < 120; i++) {
                sink.record(at(t0.plusSeconds(i * 60L), i % 3 == 0 ? "alice" : "bob", i % 2 == 0 ? "data.read" : "data.write",
                        "db-" + (i % 4)));
            }
            assertTrue(Files.exists(dir.resolve("audit.log.1")), "the events span rotated files");
            List<AuditRecord> alice = sink.query(AuditQuery.builder().actor("alice").limit(5).build());
            assertEquals(5, alice.size());
            assertEquals(t0.plusSeconds(117 * 60L), alice.get(0).time(), "newest first");
            assertTrue(alice.stream().allMatch(r -> r.actorId().equals("alice")));
            for (int i = 1; i < alice.size(); i++) {
                assertTrue(alice.get(i - 1).time().isAfter(alice.get(i).time()));
            }
            List<AuditRecord> window = sink.query(AuditQuery.builder()
                    .between(t0.plusSeconds(10 * 60L), t0.plusSeconds(20 * 60L)).type("data.write")
                    .resource("credential", "db-1").build());
            List<Instant> times = new ArrayList<>();
            window.forEach(r -> times.add(r.time()));
            assertEquals(List.of(t0.plusSeconds(17 * 60L), t0.plusSeconds(13 * 60L)), times);
            assertTrue(window.get(0).json().contains("\"db-1\""));
            assertEquals(120, sink.query(AuditQuery.builder().limit(10_000).build()).size(), "all, over every file");
        }
        assertThrows(IllegalArgumentException.class, () -> AuditQuery.builder().limit(0).build());
    }

    @Test
    void metricsAndHealth(@TempDir Path dir) throws Exception {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build()) {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            sink.metrics().orElseThrow().bindTo(meters);
            for (int i = 0; i < 3; i++) {
                sink.record(AuditFixtures.event(i, AuditEvent.Severity.INFO));
            }
            assertEquals(3.0, meters.get("infrakit.audit.events").tag("outcome", "written").functionCounter().count());
            assertTrue(meters.get("infrakit.audit.sync").functionTimer().count() >= 3, "one sync per durable batch");
            assertEquals(0.0, meters.get("infrakit.audit.queue").gauge().value());
            assertEquals(HealthStatus.UP, sink.healthCheck().orElseThrow().check().status());
        }
    }

    @Test
    void providersBuildSinksFromConfig(@TempDir Path dir) throws Exception {
        Path keyFile = Files.writeString(dir.resolve("audit.key"), Base64.getEncoder().encodeToString(KEY));
        try (AuditSink sink = Providers.load(AuditSinkProvider.class, Config.of(Map.of("infrakit.audit.sink", "jsonl",
                "infrakit.audit.dir", dir.resolve("logs").toString(), "infrakit.audit.key-file", keyFile.toString(),
                "infrakit.audit.durability", "async", "infrakit.audit.audit.max-size", "1MB")))) {
            sink.record(AuditFixtures.event(1, AuditEvent.Severity.WARN));
            sink.flush();
        }
        assertTrue(AuditVerifier.verifyFiles(dir.resolve("logs"), "security.log", KEY).ok());
        ConfigException noKey = assertThrows(ConfigException.class, () -> Providers.load(AuditSinkProvider.class,
                Config.of(Map.of("infrakit.audit.sink", "jsonl", "infrakit.audit.dir", dir.toString()))));
        assertEquals("infrakit.audit.key", noKey.key());
        ConfigException shortKey = assertThrows(ConfigException.class, () -> Providers.load(AuditSinkProvider.class,
                Config.of(Map.of("infrakit.audit.sink", "jsonl", "infrakit.audit.dir", dir.toString(),
                        "infrakit.audit.key", Base64.getEncoder().encodeToString(new byte[8])))));
        assertFalse(shortKey.getMessage().contains(Base64.getEncoder().encodeToString(new byte[8])), "the key is masked");
        ConfigException journal = assertThrows(ConfigException.class, () -> Providers.load(AuditSinkProvider.class,
                Config.of(Map.of("infrakit.audit.sink", "jsonl", "infrakit.audit.dir", dir.toString(),
                        "infrakit.audit.key-file", keyFile.toString(), "infrakit.audit.journal-size", "1KB"))));
        assertEquals("infrakit.audit.journal-size", journal.key());
        try (AuditSink durable = Providers.load(AuditSinkProvider.class, Config.of(Map.of("infrakit.audit.sink", "jsonl",
                "infrakit.audit.dir", dir.resolve("durable").toString(), "infrakit.audit.key-file", keyFile.toString(),
                "infrakit.audit.journal-size", "128KiB")))) {
            durable.record(AuditFixtures.event(3, AuditEvent.Severity.INFO));
        }
        assertEquals(128 * 1024, Files.size(dir.resolve("durable").resolve("audit.log.journal")));
        try (AuditSink log = Providers.load(AuditSinkProvider.class, Config.of(Map.of("infrakit.audit.sink", "slf4j")))) {
            log.record(AuditFixtures.event(2, AuditEvent.Severity.ERROR));
            assertEquals("slf4j:infrakit.audit", log.name());
        }
    }

    @Test
    void fanOutReachesEverySinkAndReportsFailures(@TempDir Path dir) {
        MemoryAuditLog recording = MemoryAuditLog.create("recording", Redactor.defaults());
        AuditSink failing = new AuditSink() {
            @Override
            public void record(AuditEvent event) {
                throw new AuditException("disk full");
            }

            @Override
            public void flush() {
            }

            @Override
            public String name() {
                return "failing";
            }

            @Override
            public void close() {
            }
        };
        AuditSink both = AuditSinks.fanOut(failing, recording);
        AuditException e = assertThrows(AuditException.class, () -> both.record(AuditFixtures.event(1,
                AuditEvent.Severity.INFO)));
        assertEquals("Recording an audit event failed in 1 of 2 sinks: disk full", e.getMessage());
        assertEquals(List.of("data.read"), recording.events().stream().map(AuditEvent::type).toList(),
                "the healthy sink still got the event");
        assertEquals("fan-out(failing, recording)", both.name());
    }
}
