package dev.infrakit.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three {@code serve --jdbc-url … --master-key-file …} instances, started at the same moment on an
 * empty PostgreSQL database, act as one: a
 * token issued by one is accepted by the others, a credential written through one is read through
 * another within 1 s, a subject's rate limit is global (the admitted count exact when it hits all of
 * them at once), and the audit trail they write together verifies as a whole.
 */
class MultiInstanceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int USER_LIMIT = 25;
    private static EphemeralPostgres server;
    private static int databases;
    /** Each test its own database (and master key): instances start on an empty one. */
    private TestDatabase db;
    private final List<DemoService> instances = new ArrayList<>();
    @TempDir
    Path dir;
    private Path keyFile;

    @BeforeAll
    static void startServer() {
        server = EphemeralPostgres.builder().start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private String url() {
        return DemoHttp.jdbcUrl(server, db.name());
    }

    @BeforeEach
    void startInstances() throws Exception {
        db = server.createDatabase("multi" + ++databases);
        keyFile = dir.resolve("master.key");
        MasterKey.generateToFile(keyFile);
        // All three start at once on the empty database, as replicas of a deployment do: schema creation,
        // the admin account and the first signing key must not race.
        instances.addAll(DemoHttp.startTogether(3, i -> List.of("--port", "0", "--warm-up", "0s", "--data-dir",
                dir.resolve("instance-" + i).toString(), "--jdbc-url", url(), "--master-key-file", keyFile.toString(),
                "--audit-checkpoint-key", dir.resolve("audit-checkpoint.key").toString(), "--password-iterations",
                "1000", "--drain", "0s", "--rate-user", USER_LIMIT + "/15m", "--rate-anonymous", "100/15m"),
                Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42")));
    }

    @AfterEach
    void stopInstances() {
        instances.forEach(DemoService::close);
    }

    private static HttpResponse<String> call(DemoService s, String method, String path, String token, String body)
            throws Exception {
        return DemoHttp.call(s.port(), method, path, token, body);
    }

    private static String login(DemoService s, String user, String password) throws Exception {
        return DemoHttp.login(s.port(), user, password);
    }

    @Test
    void threeInstancesActAsOne() throws Exception {
        DemoService one = instances.get(0);
        DemoService two = instances.get(1);
        DemoService three = instances.get(2);

        // A token issued by one instance is accepted by the others (signing keys shared, encrypted).
        String admin = login(one, "admin", "admin-password-42");
        assertEquals(201, call(two, "POST", "/api/v1/users", admin,
                "{\"username\":\"carol\",\"password\":\"carol-password-1\",\"role\":\"user\"}").statusCode());
        String carol = login(three, "carol", "carol-password-1");

        // A credential written through one is read through another within 1 s, every time.
        assertEquals(201, call(one, "PUT", "/api/v1/credentials/shared", admin, "{\"password\":\"v1\"}").statusCode());
        java.time.Instant lastUpdatedAt = java.time.Instant.EPOCH;
        for (int round = 2; round <= 6; round++) {
            DemoService writer = instances.get(round % 3);
            DemoService reader = instances.get((round + 1) % 3);
            // Warm the reader's cache with the old value first: the change must invalidate it.
            assertEquals(200, call(reader, "GET", "/api/v1/credentials/shared", admin, null).statusCode());
            assertEquals(200, call(writer, "PUT", "/api/v1/credentials/shared", admin, "{\"password\":\"v" + round
                    + "\"}").statusCode());
            long written = System.nanoTime();
            String seen = "";
            String versionSeen = "";
            while (!(seen.equals("v" + round) && versionSeen.equals(Integer.toString(round)))
                    && System.nanoTime() - written < 1_000_000_000L) {
                com.fasterxml.jackson.databind.JsonNode body = JSON.readTree(call(reader, "GET",
                        "/api/v2/credentials/shared", admin, null).body());
                seen = body.get("secret").get("password").asText();
                versionSeen = body.get("metadata").get("version").asText();
                java.time.Instant updatedAt = java.time.Instant.parse(body.get("metadata").get("updatedAt").asText());
                if (seen.equals("v" + round)) {
                    // The value and its metadata (cached with it, dropped with it) are never of two writes.
                    assertEquals(Integer.toString(round), versionSeen, body.toString());
                    assertTrue(updatedAt.isAfter(lastUpdatedAt), "updatedAt (metadata) moved on with the value: " + body);
                    lastUpdatedAt = updatedAt;
                }
            }
            assertEquals("v" + round, seen, "written through one instance, read through another within 1 s");
        }

        // carol's budget is global: 40 requests at once, spread over the three instances, admit exactly 25.
        Map<Integer, Integer> statuses = DemoHttp.atOnce(instances, 40, "/api/v1/credentials/shared", carol);
        assertEquals(Map.of(200, USER_LIMIT, 429, 40 - USER_LIMIT), statuses,
                "exactly the user tier's budget across all instances");
        for (DemoService s : instances) {
            assertEquals(429, call(s, "GET", "/api/v1/credentials", carol, null).statusCode(), "spent everywhere");
        }

        // The audit trail written by the three together verifies as a whole: one chain per writer.
        instances.forEach(DemoService::close);
        instances.clear();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of("audit", "verify", "--jdbc-url", url(), "--master-key-file", keyFile.toString(),
                "--checkpoint-public-key", dir.resolve("audit-checkpoint.pub").toString()),
                Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                        StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8).strip();
        assertEquals(0, code, printed + err.toString(StandardCharsets.UTF_8));
        Matcher m = Pattern.compile("OK: (\\d+) records in (\\d+) chains, ends checked against signed checkpoints")
                .matcher(printed);
        assertTrue(m.matches(), printed);
        assertTrue(Integer.parseInt(m.group(1)) >= 40, "every credential read, write, login and denial: " + printed);
        assertTrue(Integer.parseInt(m.group(2)) >= 3, "each instance writes its own chain: " + printed);
    }

    /**
     * Issue "accounts" item 5: a logout, a password change, a revocation of every token and a
     * deleted user, each made through one instance, are honoured by the two others one second
     * after the answer (the promise: every instance within 1 s); each audited with actor and address.
     */
    @Test
    void accountChangesThroughOneInstanceAreHonouredByEveryInstanceWithinOneSecond() throws Exception {
        DemoService one = instances.get(0);
        DemoService two = instances.get(1);
        DemoService three = instances.get(2);
        String admin = login(one, "admin", "admin-password-42");
        for (String user : List.of("lena", "mark", "nina", "otto")) {
            assertEquals(201, call(one, "POST", "/api/v1/users", admin, "{\"username\":\"" + user
                    + "\",\"password\":\"" + user + "-password-1\"}").statusCode());
        }

        // Logout on one: that token is refused by two and three a second later; the user's other token lives.
        String lena = login(two, "lena", "lena-password-1");
        String lenaOther = login(three, "lena", "lena-password-1");
        assertEquals(200, call(two, "GET", "/api/v1/credentials", lena, null).statusCode()); // two has read the list
        assertEquals(204, call(one, "POST", "/api/v1/auth/logout", lena, null).statusCode());
        Thread.sleep(1000);
        assertEquals(401, call(two, "GET", "/api/v1/credentials", lena, null).statusCode());
        assertEquals(401, call(three, "GET", "/api/v1/credentials", lena, null).statusCode());
        assertEquals(200, call(two, "GET", "/api/v1/credentials", lenaOther, null).statusCode());

        // A password change on two: old tokens refused everywhere, the old password at once, the new one works.
        String mark = login(one, "mark", "mark-password-1");
        assertEquals(200, call(three, "GET", "/api/v1/credentials", mark, null).statusCode());
        assertEquals(204, call(two, "PUT", "/api/v1/users/mark/password", mark,
                "{\"currentPassword\":\"mark-password-1\",\"newPassword\":\"mark-password-2\"}").statusCode());
        assertEquals(401, call(three, "POST", "/api/v1/auth/login", null,
                "{\"username\":\"mark\",\"password\":\"mark-password-1\"}").statusCode());
        String markAgain = login(three, "mark", "mark-password-2");
        Thread.sleep(1000);
        assertEquals(401, call(one, "GET", "/api/v1/credentials", mark, null).statusCode());
        assertEquals(401, call(three, "GET", "/api/v1/credentials", mark, null).statusCode());
        assertEquals(200, call(one, "GET", "/api/v1/credentials", markAgain, null).statusCode());

        // Every token of a user, revoked by an admin on three.
        String nina = login(one, "nina", "nina-password-1");
        assertEquals(200, call(two, "GET", "/api/v1/credentials", nina, null).statusCode());
        assertEquals(200, call(three, "DELETE", "/api/v1/users/nina/tokens", admin, null).statusCode());
        Thread.sleep(1000);
        assertEquals(401, call(one, "GET", "/api/v1/credentials", nina, null).statusCode());
        assertEquals(401, call(two, "GET", "/api/v1/credentials", nina, null).statusCode());

        // A user deleted on one: API key refused by the others at once, tokens within a second.
        String otto = login(two, "otto", "otto-password-1");
        HttpResponse<String> created = call(two, "POST", "/api/v1/apikeys", otto, null);
        assertEquals(201, created.statusCode(), created.body());
        String key = JSON.readTree(created.body()).get("key").asText();
        assertEquals(200, call(three, "GET", "/api/v1/credentials", key, null).statusCode());
        assertEquals(204, call(one, "DELETE", "/api/v1/users/otto", admin, null).statusCode());
        assertEquals(401, call(three, "GET", "/api/v1/credentials", key, null).statusCode());
        Thread.sleep(1000);
        assertEquals(401, call(two, "GET", "/api/v1/credentials", otto, null).statusCode());
        assertEquals(401, call(three, "GET", "/api/v1/credentials", otto, null).statusCode());

        // Each change is in the shared trail with who did it and from where.
        for (String type : List.of("token.revoked", "user.password-changed", "user.tokens-revoked", "user.deleted")) {
            HttpResponse<String> found = call(two, "GET", "/api/v1/audit?type=" + type, admin, null);
            assertEquals(200, found.statusCode(), found.body());
            boolean success = false;
            for (com.fasterxml.jackson.databind.JsonNode e : JSON.readTree(found.body()).get("events")) {
                if ("SUCCESS".equals(e.path("outcome").asText())) {
                    success = true;
                    assertEquals("127.0.0.1", e.path("actor").path("ip").asText(), e.toString());
                    assertTrue(List.of("admin", "lena", "mark").contains(e.path("actor").path("id").asText()), e.toString());
                }
            }
            assertTrue(success, type + ": " + found.body());
        }
    }
}
