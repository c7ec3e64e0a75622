package dev.infrakit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infrakit.testkit.EphemeralRedis;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --redis-url} without a database: rate limits and login budgets in Redis, shared by
 * embedded instances (each with its own data directory), a {@code redis} check in {@code /health},
 * service going on (each instance on its own share) while Redis is down, and URLs that are wrong or
 * unreachable refused without showing their password.
 */
class DemoRedisIT {
    private static final String ADMIN_PASSWORD = "admin-password-42";
    @TempDir
    Path dir;

    private DemoService start(String name, String redisUrl, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve(name).toString(),
                "--redis-url", redisUrl, "--password-iterations", "1000", "--drain", "0s", "--trust-proxy"));
        args.addAll(List.of(more));
        return DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> login(DemoService s, String from, String password) throws Exception {
        return DemoHttp.call(s.port(), "POST", "/api/v1/auth/login", null, "{\"username\":\"admin\",\"password\":\""
                + password + "\"}", Map.of("X-Forwarded-For", from));
    }

    private static String redisCheck(DemoService s) throws Exception {
        JsonNode health = DemoHttp.JSON.readTree(DemoHttp.call(s.port(), "GET", "/health", null, null).body());
        return health.get("checks").get("redis").get(0).get("status").asText();
    }

    private static long keysUnder(EphemeralRedis redis, String prefix) {
        String[] reply = redis.command("KEYS", prefix + "*").split("\r?\n");
        return reply.length == 1 && reply[0].isBlank() ? 0 : reply.length;
    }

    @Test
    void twoEmbeddedInstancesShareTheLoginLockAndTheAnonymousBudgetInRedis() throws Exception {
        EphemeralRedis redis = EphemeralRedis.shared();
        redis.command("EVAL", "for _, k in ipairs(redis.call('KEYS', 'infrakit-demo:*')) do redis.call('DEL', k) end "
                + "return 1", "0");
        DemoService a = start("a", redis.uri(), "--rate-anonymous", "30/15m");
        DemoService b = start("b", redis.uri(), "--rate-anonymous", "30/15m");
        try {
            assertEquals("pass", redisCheck(a));
            String attacker = "203.0.113.77";
            for (int i = 0; i < 5; i++) {
                assertEquals(401, login(i % 2 == 0 ? a : b, attacker, "guess-" + i).statusCode());
            }
            assertEquals(429, login(a, attacker, ADMIN_PASSWORD).statusCode(), "5 guesses over two instances");
            assertEquals(429, login(b, attacker, ADMIN_PASSWORD).statusCode());
            assertEquals(200, login(b, "192.0.2.50", ADMIN_PASSWORD).statusCode(), "the real admin from elsewhere");
            assertTrue(keysUnder(redis, "infrakit-demo:") > 0, "the budgets live in Redis");

            // The anonymous tier (30 per 15 minutes per address) is one budget for both instances.
            int admitted = 0;
            for (int i = 0; i < 40; i++) {
                int status = DemoHttp.call((i % 2 == 0 ? a : b).port(), "GET", "/api/v1/credentials", null, null,
                        Map.of("X-Forwarded-For", "198.51.100.20")).statusCode();
                admitted += status == 429 ? 0 : 1;
            }
            // Logins above count in the same tier for their own addresses, not this one.
            assertEquals(30, admitted, "exactly the anonymous budget over both instances");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void whileRedisIsDownEachInstanceLimitsOnItsOwnAndHealthSaysSo() throws Exception {
        try (EphemeralRedis redis = EphemeralRedis.start()) {
            DemoService service = start("down", redis.uri());
            try {
                assertEquals("pass", redisCheck(service));
                String token = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
                redis.stop();
                long before = System.nanoTime();
                assertEquals(200, DemoHttp.call(service.port(), "GET", "/api/v1/credentials", token, null).statusCode(),
                        "served on the instance's own share");
                assertTrue(System.nanoTime() - before < 3_000_000_000L, "within the command timeout, not held");
                assertEquals("warn", redisCheck(service), "degraded, not failed: still serving");
                assertEquals(200, DemoHttp.call(service.port(), "GET", "/health/ready", null, null).statusCode());
                redis.restart();
                long deadline = System.nanoTime() + 20_000_000_000L;
                String status = "warn";
                while (!status.equals("pass") && System.nanoTime() < deadline) {
                    DemoHttp.call(service.port(), "GET", "/api/v1/credentials", token, null);
                    status = redisCheck(service);
                    Thread.sleep(200);
                }
                assertEquals("pass", status, "back in Redis once it is up");
            } finally {
                service.close();
            }
        }
    }

    @Test
    void badAndUnreachableUrlsAreRefusedWithoutTheirPassword() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringBuilder printed = new StringBuilder();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, Main.run(List.of("serve", "--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve("bad").toString(),
                "--redis-url", "http://:hunter2-secret@127.0.0.1:6379"), Map.of(), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--redis-url is redis://"), err.toString(StandardCharsets.UTF_8));

        printed.append(err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, Main.run(List.of("serve", "--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve("bad").toString(),
                "--redis-url", "redis://:hunter2-secret@[not-a-host"), Map.of(), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--redis-url is not a valid Redis URL"),
                err.toString(StandardCharsets.UTF_8));
        for (String hostile : List.of("redis://:hunter2-secret@127.0.0.1:6379\0evil", "redis://:hunter2-secret@host\r\nX: y:1",
                "redis://:hunter2-secret@127.0.0.1:" + "9".repeat(10_000))) {
            printed.append(err.toString(StandardCharsets.UTF_8));
            err.reset();
            assertEquals(2, Main.run(List.of("serve", "--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve("bad").toString(),
                    "--redis-url", hostile), Map.of(), o, e), "NUL, CR LF and a huge port are usage errors: "
                    + err.toString(StandardCharsets.UTF_8));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("--redis-url is not a valid Redis URL"),
                    err.toString(StandardCharsets.UTF_8));
        }
        for (String badNode : List.of("redis://127.0.0.1:0", "redis://127.0.0.1:65536", "redis-cluster://h1:7000,,h2:7001",
                "redis-cluster://:hunter2-secret@h1:7000,:7001", "redis-sentinel://s1:26379,s2:x#primary")) {
            printed.append(err.toString(StandardCharsets.UTF_8));
            err.reset();
            assertEquals(2, Main.run(List.of("serve", "--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve("bad").toString(),
                    "--redis-url", badNode), Map.of(), o, e), badNode);
        }

        printed.append(err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, Main.run(List.of("serve", "--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve("bad").toString()),
                Map.of("INFRAKIT_REDIS_URL", "memcached://:hunter2-secret@127.0.0.1:1"), o, e), "read from the environment");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--redis-url is redis://"), err.toString(StandardCharsets.UTF_8));

        Path file = dir.resolve("redis-url");
        Files.writeString(file, "redis://:hunter2-secret@127.0.0.1:" + closed + "\n");
        printed.append(err.toString(StandardCharsets.UTF_8));
        err.reset();
        int code = Main.run(List.of("serve", "--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve("unreachable").toString(),
                "--redis-url-file", file.toString()), Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD), o, e);
        assertEquals(1, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Cannot open the rate-limit store in Redis"),
                err.toString(StandardCharsets.UTF_8));

        printed.append(err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, Main.run(List.of("serve", "--redis-url", "redis://127.0.0.1:1", "--redis-url-file",
                file.toString()), Map.of(), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not both"), err.toString(StandardCharsets.UTF_8));

        printed.append(out.toString(StandardCharsets.UTF_8)).append(err.toString(StandardCharsets.UTF_8));
        assertFalse(printed.toString().contains("hunter2"), printed.toString());
    }
}
