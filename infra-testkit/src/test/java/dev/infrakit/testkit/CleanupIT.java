package dev.infrakit.testkit;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Servers never outlive their JVM: stopped at exit, or swept after a kill -9. */
class CleanupIT {

    private record Child(Process process, long postmasterPid, Path dataDir) {
    }

    private static Child startChild(String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ServerOwnerMain.class.getName(), mode).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("READY ")) {
                String[] parts = line.split(" ", 3);
                return new Child(process, Long.parseLong(parts[1]), Path.of(parts[2]));
            }
        }
        throw new AssertionError("child JVM ended without starting a server:\n" + seen);
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void aNormalExitStopsTheServerAndDeletesItsFiles() throws Exception {
        Child child = startChild("exit");
        assertTrue(child.process().waitFor(120, TimeUnit.SECONDS), "child exits");
        assertEquals(0, child.process().exitValue());
        ProcessHandle.of(child.postmasterPid()).ifPresent(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).join());
        assertFalse(alive(child.postmasterPid()), "postmaster stopped by the shutdown hook");
        assertFalse(Files.exists(child.dataDir().getParent()), "server directory deleted");
    }

    @Test
    void aServerLeftByAKilledJvmIsSweptByTheNextStart() throws Exception {
        Child child = startChild("wait");
        assertNotNull(child.dataDir());
        child.process().destroyForcibly();
        assertTrue(child.process().waitFor(60, TimeUnit.SECONDS));
        assertTrue(alive(child.postmasterPid()), "SIGKILL runs no shutdown hook: the postmaster is orphaned");

        assertTrue(EphemeralPostgres.sweepStaleServers() >= 1);

        assertFalse(alive(child.postmasterPid()), "orphaned postmaster stopped");
        assertFalse(Files.exists(child.dataDir().getParent()), "orphaned server directory deleted");
        assertTrue(EphemeralPostgres.shared().isRunning(), "the live JVM's own server is untouched");
    }
}
