package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static dev.infrakit.audit.AuditFixtures.numbers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLinesAuditSinkIT {

    @Test
    void everyEventInAuditLogAndWarnAndAboveInSecurityLogEachChained(@TempDir Path dir) throws Exception {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build()) {
            for (int n = 0; n < 20; n++) {
                sink.record(event(n, n % 5 == 0 ? AuditEvent.Severity.WARN : AuditEvent.Severity.INFO));
            }
            assertEquals(20, sink.stats().written());
        }
        assertEquals(IntStream.range(0, 20).boxed().collect(Collectors.toList()), numbers(dir.resolve("audit.log")));
        assertEquals(List.of(0, 5, 10, 15), numbers(dir.resolve("security.log")));
        AuditVerifier.Result audit = AuditVerifier.verifyFiles(dir, "audit.log", KEY);
        assertTrue(audit.ok(), audit.toString());
        assertEquals(21, audit.recordsChecked(), "20 events and the link record");
        assertTrue(AuditVerifier.verifyFiles(dir, "security.log", KEY).ok());
        assertFalse(AuditVerifier.verifyFiles(dir, "audit.log", "another-key-of-at-least-32-bytes!!".getBytes(
                StandardCharsets.UTF_8)).ok(), "a different key does not verify");
    }

    @Test
    void rotatesAtTheSizeLimitKeepsTheNewestFilesAndStaysVerifiable(@TempDir Path dir) throws Exception {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).auditFiles(4096, 3).securityFiles(4096, 2)
                .build()) {
            for (int n = 0; n < 200; n++) {
                sink.record(event(n, AuditEvent.Severity.ERROR));
            }
        }
        for (String name : List.of("audit.log", "audit.log.1", "audit.log.2", "security.log", "security.log.1")) {
            assertTrue(Files.exists(dir.resolve(name)), name);
            assertTrue(Files.size(dir.resolve(name)) <= 4096, name + " is " + Files.size(dir.resolve(name)) + " bytes");
        }
        assertFalse(Files.exists(dir.resolve("audit.log.3")), "retention keeps 3 files");
        assertFalse(Files.exists(dir.resolve("security.log.2")));
        List<Integer> kept = new ArrayList<>();
        for (String name : List.of("audit.log.2", "audit.log.1", "audit.log")) {
            kept.addAll(numbers(dir.resolve(name)));
        }
        assertEquals(199, kept.get(kept.size() - 1));
        for (int i = 1; i < kept.size(); i++) {
            assertEquals(kept.get(i - 1) + 1, kept.get(i), "no gap across rotated files");
        }
        AuditVerifier.Result result = AuditVerifier.verifyFiles(dir, "audit.log", KEY);
        assertTrue(result.ok(), result.toString());
        assertTrue(AuditVerifier.verifyFiles(dir, "security.log", KEY).ok());
    }

    @Test
    void reopeningContinuesTheChainAndRepairsATornLastLine(@TempDir Path dir) throws Exception {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build()) {
            for (int n = 0; n < 5; n++) {
                sink.record(event(n, AuditEvent.Severity.INFO));
            }
        }
        Files.writeString(dir.resolve("audit.log"), "{\"seq\":7,\"event\":{\"id\":\"torn", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        assertFalse(AuditVerifier.verifyFiles(dir, "audit.log", KEY).ok(), "the torn line is seen");
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build()) {
            assertEquals(1, sink.repairedTornLines());
            for (int n = 5; n < 10; n++) {
                sink.record(event(n, AuditEvent.Severity.INFO));
            }
        }
        assertEquals(IntStream.range(0, 10).boxed().collect(Collectors.toList()), numbers(dir.resolve("audit.log")));
        AuditVerifier.Result result = AuditVerifier.verifyFiles(dir, "audit.log", KEY);
        assertTrue(result.ok(), result.toString());
        assertEquals(11, result.lastSequence());
    }

    @Test
    void durableGroupCommitWithSixteenWriters(@TempDir Path dir) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int base = t * 100;
                futures.add(pool.submit(() -> {
                    for (int n = base; n < base + 100; n++) {
                        sink.record(event(n, AuditEvent.Severity.INFO));
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            assertEquals(1600, sink.stats().written(), "every record() returned after its event was written");
        } finally {
            pool.shutdownNow();
        }
        List<Integer> numbers = numbers(dir.resolve("audit.log"));
        assertEquals(1600, numbers.size());
        assertEquals(1600, numbers.stream().distinct().count());
        assertTrue(AuditVerifier.verifyFiles(dir, "audit.log", KEY).ok());
    }

    @Test
    void asyncRejectNeverDropsSilently(@TempDir Path dir) throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).durability(Durability.ASYNC)
                .queue(Durability.QueueFull.REJECT, 2).build();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int base = t * 2000;
                futures.add(pool.submit(() -> {
                    for (int n = base; n < base + 2000; n++) {
                        try {
                            sink.record(event(n, AuditEvent.Severity.INFO));
                            accepted.incrementAndGet();
                        } catch (AuditException e) {
                            assertTrue(e.getMessage().startsWith("Audit queue full"), e.getMessage());
                            refused.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            sink.close();
        }
        assertEquals(8000, accepted.get() + refused.get());
        assertEquals(refused.get(), sink.stats().rejected(), "every refusal is counted");
        assertEquals(accepted.get(), sink.stats().written(), "every accepted event is written");
        assertEquals(accepted.get(), numbers(dir.resolve("audit.log")).size());
        assertTrue(AuditVerifier.verifyFiles(dir, "audit.log", KEY).ok());
    }

    @Test
    void asyncBlockAcceptsEverythingAndFlushMakesItDurable(@TempDir Path dir) throws Exception {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).durability(Durability.ASYNC)
                .queue(Durability.QueueFull.BLOCK, 4).build()) {
            for (int n = 0; n < 500; n++) {
                sink.record(event(n, AuditEvent.Severity.INFO));
            }
            sink.flush();
            assertEquals(0, sink.stats().queued());
            assertEquals(500, numbers(dir.resolve("audit.log")).size(), "flushed events are in the file");
        }
    }

    @Test
    void secretsNeverReachAnyFile(@TempDir Path dir) throws Exception {
        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl";
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build()) {
            sink.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "login.failed").actor(Actor.user("alice"))
                    .action("login").outcome(AuditEvent.Outcome.FAILURE).severity(AuditEvent.Severity.WARN)
                    .request("headers", Map.of("Authorization", "Bearer " + jwt, "Cookie", "sid=c00kie-value"))
                    .detail("password", "hunter2").detail("note", "token was " + jwt).build());
        }
        for (String name : List.of("audit.log", "security.log")) {
            String content = Files.readString(dir.resolve(name));
            for (String secret : List.of(jwt, "hunter2", "c00kie-value")) {
                assertFalse(content.contains(secret), name + " leaks " + secret);
            }
        }
    }

    @Test
    void withoutTheChainLinesHoldOnlySequenceAndEvent(@TempDir Path dir) throws Exception {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).chained(false).build()) {
            sink.record(event(1, AuditEvent.Severity.INFO));
        }
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).chained(false).build()) {
            sink.record(event(2, AuditEvent.Severity.INFO));
            assertEquals(2, sink.query(AuditQuery.builder().build()).size());
        }
        List<String> lines = Files.readAllLines(dir.resolve("audit.log"));
        assertEquals(2, lines.size(), "no link records");
        assertTrue(lines.get(0).startsWith("{\"seq\":1,\"event\":") && !lines.get(0).contains("\"mac\""), lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"seq\":2,"), "the sequence continues after reopening");
        assertFalse(AuditVerifier.verifyFiles(dir, "audit.log", KEY).ok(), "nothing to verify without the chain");
    }

    @Test
    void badSettingsAndUseAfterClose(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> JsonLinesAuditSink.builder(dir, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> JsonLinesAuditSink.builder(dir, KEY).auditFiles(100, 3));
        assertThrows(IllegalArgumentException.class, () -> JsonLinesAuditSink.builder(dir, KEY).auditFiles(4096, 0));
        JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build();
        sink.close();
        sink.close();
        assertEquals("This audit sink is closed", assertThrows(AuditException.class,
                () -> sink.record(event(1, AuditEvent.Severity.INFO))).getMessage());
    }
}
