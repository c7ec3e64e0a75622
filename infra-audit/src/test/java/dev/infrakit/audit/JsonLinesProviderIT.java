package dev.infrakit.audit;

import dev.infrakit.audit.internal.BuiltInAuditSinks;
import dev.infrakit.core.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code jsonl} provider (the provider contract runs in infra-test); each sink it creates gets its own directory. */
class JsonLinesProviderIT {
    private final AtomicInteger directories = new AtomicInteger();

    @TempDir
    Path dir;

    private AuditSinkProvider provider() {
        return new BuiltInAuditSinks.JsonLines();
    }

    private Config workingConfig() {
        return Config.of(Map.of("infrakit.audit.dir", dir.resolve("logs-" + directories.incrementAndGet()).toString(),
                "infrakit.audit.key", Base64.getEncoder().encodeToString(AuditFixtures.KEY)));
    }

    /** What the provider creates is queryable and offers its health check and metrics, whatever wraps it. */
    @Test
    void createsAnAuditLogWithItsCapabilities() {
        try (AuditSink sink = provider().create(workingConfig())) {
            AuditLog log = (AuditLog) sink;
            log.record(AuditFixtures.event(1, AuditEvent.Severity.INFO));
            log.flush();
            assertEquals(1, log.query(AuditQuery.builder().build()).size());
            assertEquals(1, log.stats().written());
            assertTrue(log.healthCheck().isPresent());
            assertTrue(log.metrics().isPresent());
        }
    }
}
