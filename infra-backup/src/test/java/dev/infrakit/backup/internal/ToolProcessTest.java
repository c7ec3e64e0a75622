package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ToolProcess}: a killed program is a timeout, whatever its pipes do as it dies; a failing sink is thrown. */
class ToolProcessTest {
    @Test
    void aProgramKilledAtTheTimeoutIsReportedAsATimeoutEveryTime() {
        // A program that writes, then hangs: the watchdog kills it while the copy is blocked in a read,
        // and the JDK may close the pipe under that read. Each run must end as a timeout, never as an
        // error about the output.
        for (int run = 0; run < 20; run++) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            ToolProcess.Result result = ToolProcess.run(List.of("sh", "-c", "echo started; sleep 60"), Map.of(), null,
                    sink, Duration.ofMillis(100 + 10 * run));
            assertTrue(result.timedOut(), "run " + run);
            assertEquals(-1, result.exitCode());
            assertTrue(result.describeFailure(Duration.ofMillis(100)).contains("timed out after"));
            assertEquals("started\n", sink.toString());
        }
    }

    @Test
    void aSinkThatFailsIsThrownAndTheProgramIsKilled() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk full");
            }
        };
        long start = System.nanoTime();
        BackupException e = assertThrows(BackupException.class, () -> ToolProcess.run(
                List.of("sh", "-c", "echo data; sleep 60"), Map.of(), null, broken, Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains("Cannot write the output of 'sh -c echo data; sleep 60': disk full"),
                e::getMessage);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(20)) < 0,
                "the program was killed, not waited for");
    }
}
