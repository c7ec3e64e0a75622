package dev.infrakit.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A JVM that starts a dedicated server — {@code redis} or {@code s3} — prints {@code READY <port>}
 * and waits to be killed: {@link EphemeralRedisIT} and {@link EphemeralS3IT} kill it with SIGKILL
 * and check the server went with it.
 */
public final class FixtureOwnerMain {
    private FixtureOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = args[0].equals("s3") ? EphemeralS3.start().port() : EphemeralRedis.start().port();
        System.out.println("READY " + port);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Whether something accepts connections on {@code port} of 127.0.0.1. */
    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts a JVM owning a {@code kind} server, kills it with SIGKILL, and checks the server went with it. */
    static void assertServerDiesWithItsKilledJvm(String kind) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                FixtureOwnerMain.class.getName(), kind).redirectErrorStream(true).start();
        int port = -1;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                seen.append(line).append('\n');
                if (line.startsWith("READY ")) {
                    port = Integer.parseInt(line.substring("READY ".length()).strip());
                    break;
                }
            }
            assertTrue(port > 0, "the child started a server:\n" + seen);
            assertTrue(accepts(port));
            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (accepts(port) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(accepts(port), "the " + kind + " server went with its killed JVM");
        } finally {
            child.destroyForcibly();
        }
    }
}
