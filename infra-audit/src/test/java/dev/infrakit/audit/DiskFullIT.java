package dev.infrakit.audit;

import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full disk (Linux's /dev/full answers every write with ENOSPC) surfaces to callers and health. */
class DiskFullIT {

    @Test
    void aFullDiskIsThrownToTheCallerAndTurnsHealthDown(@TempDir Path dir) throws Exception {
        assertTrue(Files.isWritable(Path.of("/dev/full")), "this test needs Linux's /dev/full");
        Files.createSymbolicLink(dir.resolve("audit.log"), Path.of("/dev/full"));
        JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY).build();
        AuditException first = assertThrows(AuditException.class, () -> sink.record(event(1, AuditEvent.Severity.INFO)));
        assertTrue(first.getMessage().contains("No space left on device"), first.getMessage());
        AuditException later = assertThrows(AuditException.class, () -> sink.record(event(2, AuditEvent.Severity.INFO)));
        assertTrue(later.getMessage().contains("failed earlier and accepts no more events"), later.getMessage());
        HealthResult health = sink.healthCheck().orElseThrow().check();
        assertEquals(HealthStatus.DOWN, health.status());
        assertTrue(health.output().orElseThrow().startsWith("audit log write failed"), health.toString());
        assertEquals(0, sink.stats().written());
        assertThrows(AuditException.class, sink::close, "closing reports the failure too");
    }
}
