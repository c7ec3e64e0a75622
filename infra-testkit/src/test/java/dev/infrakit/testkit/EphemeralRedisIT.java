package dev.infrakit.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Redis fixture: a real server, shared or dedicated, stopped and restarted, never outliving its JVM. */
class EphemeralRedisIT {

    private static boolean accepts(int port) {
        return FixtureOwnerMain.accepts(port);
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
        FixtureOwnerMain.assertServerDiesWithItsKilledJvm("redis");
    }
}
