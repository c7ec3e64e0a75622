package dev.infrakit.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Redis fixture: a real server, shared or dedicated, stopped and restarted, never outliving its JVM. */
class EphemeralRedisIT {

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void theSharedServerAnswersAndIsOnePerJvm() {
        EphemeralRedis redis = EphemeralRedis.shared();
        assertSame(redis, EphemeralRedis.shared());
        assertEquals("PONG", redis.command("PING"));
        assertEquals("OK", redis.command("SET", "testkit:greeting", "héllo wörld"));
        assertEquals("héllo wörld", redis.command("GET", "testkit:greeting"));
        assertNull(redis.command("GET", "testkit:absent"));
        assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
        EphemeralRedisException error = assertThrows(EphemeralRedisException.class, () -> redis.command("NOSUCHCOMMAND"));
        assertTrue(error.getMessage().contains("unknown command"), error.getMessage());
    }

    @Test
    void aDedicatedServerStopsRefusingConnectionsAndRestartsEmptyOnItsPort() {
        try (EphemeralRedis redis = EphemeralRedis.start()) {
            assertEquals("OK", redis.command("SET", "k", "v"));
            int port = redis.port();
            redis.stop();
            assertFalse(redis.isRunning());
            assertFalse(accepts(port), "stopped: connections refused");
            assertThrows(EphemeralRedisException.class, () -> redis.command("PING"));
            redis.restart();
            assertEquals(port, redis.port());
            assertEquals("PONG", redis.command("PING"));
            assertNull(redis.command("GET", "k"), "nothing kept on disk");
        }
    }

    @Test
    void asRootTheServerRunsAsAnUnprivilegedUser() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            return; // the server runs as the JVM's own unprivileged user: nothing to check
        }
        EphemeralRedis redis = EphemeralRedis.shared();
        String pid = redis.command("INFO", "server").lines().filter(line -> line.startsWith("process_id:"))
                .findFirst().orElseThrow().substring("process_id:".length()).strip();
        String status = java.nio.file.Files.readString(Path.of("/proc", pid, "status"));
        String uid = status.lines().filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow();
        assertFalse(uid.matches("Uid:\\s+0\\s.*"), "the server's uid is not root: " + uid);
    }

    @Test
    void aServerDiesWithItsJvmEvenWhenTheJvmIsKilled() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                RedisOwnerMain.class.getName()).redirectErrorStream(true).start();
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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (accepts(port) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(accepts(port), "the server went with its killed JVM");
        } finally {
            child.destroyForcibly();
        }
    }
}
