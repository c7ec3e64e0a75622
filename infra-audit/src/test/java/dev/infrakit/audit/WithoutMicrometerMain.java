package dev.infrakit.audit;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Run by {@link WithoutMicrometerIT} in a JVM without Micrometer: records, flushes, queries and
 * checks the built-in sinks, then asks for their metrics. Prints {@code OK} when everything but
 * {@code metrics()} worked and {@code metrics()} needed Micrometer.
 */
public final class WithoutMicrometerMain {
    private WithoutMicrometerMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Class.forName("io.micrometer.core.instrument.binder.MeterBinder");
            System.out.println("Micrometer is on the class path: the test proves nothing");
            return;
        } catch (ClassNotFoundException expected) {
            // as intended
        }
        AuditEvent event = AuditEvent.builder(AuditEvent.Category.ADMIN, "policy.changed").actor(Actor.system())
                .action("update").build();
        try (JsonLinesAuditSink files = JsonLinesAuditSink.builder(Path.of(args[0]), AuditFixtures.KEY).build();
             MemoryAuditLog memory = MemoryAuditLog.create();
             CondensingAuditSink condensing = CondensingAuditSink.builder(files).types("auth.invalid-token")
                     .window(Duration.ofMinutes(1)).build()) {
            for (AuditSink sink : new AuditSink[] {files, memory, condensing}) {
                sink.record(event);
                sink.flush();
                sink.healthCheck().ifPresent(check -> {
                    try {
                        check.check();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            if (files.query(AuditQuery.builder().build()).size() != 2 || memory.stats().written() != 1
                    || files.stats().written() != 2) {
                System.out.println("unexpected contents");
                return;
            }
            try {
                files.metrics();
                System.out.println("metrics() worked without Micrometer");
                return;
            } catch (NoClassDefFoundError expected) {
                // only metrics() needs Micrometer
            }
        }
        System.out.println("OK");
    }
}
