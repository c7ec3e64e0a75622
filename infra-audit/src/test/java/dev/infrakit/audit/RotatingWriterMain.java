package dev.infrakit.audit;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a child JVM by {@link RotationCrashIT}: writes DURABLE events numbered from
 * {@code args[1]} to small rotating files, printing {@code ACK n} after each {@code record()}
 * returns. At step {@code args[2]} of its rotations (counting from 1) it prints
 * {@code STEP k <step>} and stops there, for the parent to kill it with SIGKILL.
 */
public final class RotatingWriterMain {
    static final long FILE_SIZE = 4096;
    static final int FILES = 4;

    private RotatingWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        int stopAt = Integer.parseInt(args[2]);
        AtomicInteger steps = new AtomicInteger();
        ChainedLog.rotationSteps = step -> {
            int k = steps.incrementAndGet();
            if (k == stopAt) {
                System.out.println("STEP " + k + " " + step);
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        JsonLinesAuditSink sink = JsonLinesAuditSink.builder(Path.of(args[0]), AuditFixtures.KEY)
                .auditFiles(FILE_SIZE, FILES).securityFiles(FILE_SIZE, FILES).build();
        System.out.println("OPEN");
        System.out.flush();
        for (int n = Integer.parseInt(args[1]); ; n++) {
            // INFO only: security.log does not rotate, so the steps counted are audit.log's.
            sink.record(AuditFixtures.event(n, AuditEvent.Severity.INFO));
            System.out.println("ACK " + n);
            System.out.flush();
        }
    }
}
