package dev.infrakit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.EphemeralRedis;
import dev.infrakit.testkit.EphemeralRedisCluster;
import dev.infrakit.testkit.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code serve --jdbc-url … --redis-url redis-cluster://…} instances, started together, keep
 * rate limits and login budgets on one Redis Cluster: a user's budget is global and exact when 40
 * requests hit all three at once, five guesses spread over the three lock the user out of every one,
 * {@code users unlock --redis-url} lifts the lock for all, and nothing of it is in the database.
 */
class MultiInstanceRedisIT {
    private static final int USER_LIMIT = 25;
    private static final String ADMIN_PASSWORD = "admin-password-42";
    @TempDir
    Path dir;
    private TestDatabase db;
    private String redisUrl;
    private final List<DemoService> instances = new ArrayList<>();

    private String url() {
        return DemoHttp.jdbcUrl(EphemeralPostgres.shared(), db.name());
    }

    @BeforeEach
    void startInstances() throws Exception {
        db = EphemeralPostgres.shared().createDatabase("multi_redis");
        Path keyFile = dir.resolve("master.key");
        MasterKey.generateToFile(keyFile);
        redisUrl = "redis-cluster://" + String.join(",", EphemeralRedisCluster.shared().uris().stream()
                .map(uri -> uri.substring("redis://".length())).toList());
        instances.addAll(DemoHttp.startTogether(3, i -> List.of("--port", "0", "--warm-up", "0s", "--data-dir",
                dir.resolve("instance-" + i).toString(), "--jdbc-url", url(), "--redis-url", redisUrl,
                "--master-key-file", keyFile.toString(), "--audit-checkpoint-key",
                dir.resolve("audit-checkpoint.key").toString(), "--password-iterations", "1000", "--drain", "0s",
                "--rate-user", USER_LIMIT + "/15m", "--trust-proxy"), Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)));
    }

    @AfterEach
    void stopInstances() {
        instances.forEach(DemoService::close);
        db.close();
    }

    private HttpResponse<String> login(DemoService s, String user, String password, String from) throws Exception {
        return DemoHttp.call(s.port(), "POST", "/api/v1/auth/login", null, "{\"username\":\"" + user
                + "\",\"password\":\"" + password + "\"}", Map.of("X-Forwarded-For", from));
    }

    @Test
    void threeInstancesOnOneClusterEnforceOneBudget() throws Exception {
        String admin = DemoHttp.login(instances.get(0).port(), "admin", ADMIN_PASSWORD);
        assertEquals(201, DemoHttp.call(instances.get(1).port(), "POST", "/api/v1/users", admin,
                "{\"username\":\"carol\",\"password\":\"carol-password-1\",\"role\":\"user\"}").statusCode());
        String carol = DemoHttp.login(instances.get(2).port(), "carol", "carol-password-1");
        for (DemoService s : instances) {
            JsonNode health = DemoHttp.JSON.readTree(DemoHttp.call(s.port(), "GET", "/health", null, null).body());
            assertEquals("pass", health.get("checks").get("redis").get(0).get("status").asText(), health.toString());
        }

        assertEquals(Map.of(200, USER_LIMIT, 429, 40 - USER_LIMIT),
                DemoHttp.atOnce(instances, 40, "/api/v1/credentials", carol),
                "exactly the user tier's budget across the three instances");
        for (DemoService s : instances) {
            assertEquals(429, DemoHttp.call(s.port(), "GET", "/api/v1/credentials", carol, null).statusCode(),
                    "spent everywhere");
        }

        String attacker = "203.0.113.9";
        for (int i = 0; i < 5; i++) {
            assertEquals(401, login(instances.get(i % 3), "admin", "guess-" + i, attacker).statusCode());
        }
        for (DemoService s : instances) {
            assertEquals(429, login(s, "admin", ADMIN_PASSWORD, attacker).statusCode(), "five guesses over three instances");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of("users", "unlock", "--jdbc-url", url(), "--redis-url", redisUrl, "--master-key-file",
                dir.resolve("master.key").toString(), "--address", attacker, "admin"), Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        for (DemoService s : instances) {
            assertEquals(200, login(s, "admin", ADMIN_PASSWORD, attacker).statusCode(), "unlocked for every instance");
        }

        // Nothing of it in the database: the limits live in Redis alone.
        EphemeralPostgres pg = EphemeralPostgres.shared();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('infrakit_rate_limit') IS NULL")) {
            assertTrue(rs.next() && rs.getBoolean(1), "no rate-limit table in " + pg);
        }
        long keys = 0;
        for (EphemeralRedis primary : EphemeralRedisCluster.shared().primaries()) {
            keys += Long.parseLong(primary.command("DBSIZE").strip());
        }
        assertTrue(keys >= 3, "budgets spread over the cluster's primaries: " + keys);
        assertFalse(out.toString(StandardCharsets.UTF_8).isBlank());
    }
}
