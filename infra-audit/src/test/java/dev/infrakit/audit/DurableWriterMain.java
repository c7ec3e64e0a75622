package dev.infrakit.audit;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link CrashIT}: writes DURABLE events numbered from {@code args[1]} for
 * ever, printing {@code ACK n} after each {@code record()} returns, until it is killed.
 */
public final class DurableWriterMain {
    private DurableWriterMain() {
    }

    public static void main(String[] args) {
        JsonLinesAuditSink sink = JsonLinesAuditSink.builder(Path.of(args[0]), AuditFixtures.KEY)
                .auditFiles(64 * 1024, 4).build();
        System.out.println("OPEN repaired=" + sink.repairedTornLines());
        System.out.flush();
        for (int n = Integer.parseInt(args[1]); ; n++) {
            sink.record(AuditFixtures.event(n, n % 3 == 0 ? AuditEvent.Severity.WARN : AuditEvent.Severity.INFO));
            System.out.println("ACK " + n);
            System.out.flush();
        }
    }
}
