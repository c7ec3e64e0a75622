package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo service on embedded defaults, started in-process on a free port, called over HTTP. */
class DemoServiceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_PASSWORD = "admin-password-" + "not-in-any-log";
    @TempDir
    Path data;
    private DemoService service;

    @BeforeEach
    void start() throws Exception {
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "300ms", "--rate-anonymous", "5/15m"),
                Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        return DemoHttp.call(service.port(), method, path, token, body);
    }

    private String login(String user, String password) throws Exception {
        HttpResponse<String> r = call("POST", "/api/v1/auth/login", null, "{\"username\":\"" + user + "\",\"password\":\""
                + password + "\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("Bearer", body.get("tokenType").asText());
        assertEquals(900, body.get("expiresIn").asInt());
        return body.get("accessToken").asText();
    }

    @Test
    void theCredentialApiEndToEnd() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        assertEquals(201, call("POST", "/api/v1/users", admin, "{\"username\":\"alice\",\"password\":\"alice-password-1\","
                + "\"role\":\"user\"}").statusCode());
        assertEquals(409, call("POST", "/api/v1/users", admin, "{\"username\":\"alice\",\"password\":\"alice-password-1\"}")
                .statusCode());
        String alice = login("alice", "alice-password-1");

        HttpResponse<String> put = call("PUT", "/api/v1/credentials/billing-db", admin,
                "{\"username\":\"billing\",\"password\":\"db-secret-1\"}");
        assertEquals(201, put.statusCode(), put.body());
        assertEquals(200, call("PUT", "/api/v1/credentials/billing-db", admin, "{\"username\":\"billing\","
                + "\"password\":\"db-secret-2\"}").statusCode());
        assertEquals(403, call("PUT", "/api/v1/credentials/billing-db", alice, "{\"a\":\"b\"}").statusCode());

        HttpResponse<String> get = call("GET", "/api/v1/credentials/billing-db", alice, null);
        assertEquals(200, get.statusCode());
        JsonNode v1 = JSON.readTree(get.body());
        assertEquals(2, v1.get("version").asInt());
        assertEquals("db-secret-2", v1.get("credentials").get("password").asText());
        // RFC 9745: a structured date, deprecated since 2026-11-22 (the day v2 shipped), not the draft's "true".
        assertEquals("@1795305600", get.headers().firstValue("Deprecation").orElseThrow());
        assertEquals("</api/v2/credentials/billing-db>; rel=\"successor-version\"",
                get.headers().firstValue("Link").orElseThrow());
        assertTrue(get.headers().firstValue("RateLimit-Policy").orElseThrow().contains("\"user\""));

        JsonNode v2 = JSON.readTree(call("GET", "/api/v2/credentials/billing-db", alice, null).body());
        assertEquals("billing-db", v2.get("name").asText());
        assertEquals("[\"CURRENT\"]", v2.get("metadata").get("labels").toString());

        JsonNode rotated = JSON.readTree(call("POST", "/api/v1/credentials/billing-db/rotate", admin, null).body());
        assertEquals(3, rotated.get("version").asInt());
        JsonNode after = JSON.readTree(call("GET", "/api/v1/credentials/billing-db", alice, null).body());
        assertEquals(3, after.get("version").asInt(), "the rotation is read at once");
        assertFalse(after.get("credentials").get("password").asText().equals("db-secret-2"));
        String versions = call("GET", "/api/v1/credentials/billing-db/versions", alice, null).body();
        assertTrue(versions.contains("\"labels\":[\"PREVIOUS\"]") && versions.contains("\"labels\":[\"CURRENT\"]"),
                versions);
        String list = call("GET", "/api/v1/credentials", alice, null).body();
        assertTrue(list.startsWith("[{\"app\":\"billing-db\",\"version\":3,\"updatedAt\":"), list);

        HttpResponse<String> key = call("POST", "/api/v1/apikeys", alice, null);
        assertEquals(201, key.statusCode());
        String apiKey = JSON.readTree(key.body()).get("key").asText();
        assertEquals(200, call("GET", "/api/v1/credentials/billing-db", apiKey, null).statusCode());
        String keyId = JSON.readTree(key.body()).get("id").asText();
        assertEquals(204, call("DELETE", "/api/v1/apikeys/" + keyId, alice, null).statusCode());
        assertEquals(401, call("GET", "/api/v1/credentials/billing-db", apiKey, null).statusCode(), "revoked");

        assertEquals(204, call("DELETE", "/api/v1/credentials/billing-db", admin, null).statusCode());
        assertEquals(404, call("GET", "/api/v1/credentials/billing-db", admin, null).statusCode());

        JsonNode audit = JSON.readTree(call("GET", "/api/v1/audit?actor=alice&limit=50", admin, null).body());
        List<String> types = Stream.of(audit.get("events")).flatMap(a -> {
            List<String> t = new java.util.ArrayList<>();
            a.forEach(e -> t.add(e.get("type").asText()));
            return t.stream();
        }).collect(Collectors.toList());
        assertTrue(types.contains("credential.read"), types.toString());
        assertEquals(403, call("GET", "/api/v1/audit", alice, null).statusCode());
        String files = readAll(data.resolve("audit"));
        for (String secret : List.of("db-secret-1", "db-secret-2", ADMIN_PASSWORD, "alice-password-1", apiKey, alice)) {
            assertFalse(files.contains(secret), "no secret in the audit files");
        }
        assertTrue(files.contains("login.succeeded") && files.contains("credential.write"));

        HttpResponse<String> metrics = call("GET", "/metrics", null, null);
        assertEquals(200, metrics.statusCode());
        String scrape = metrics.body();
        for (String expected : List.of("http_server_requests_seconds{method=\"GET\",outcome=\"SUCCESS\",status=\"200\",uri=\"/api/v1/credentials/{app}\",quantile=\"0.95\"}",
                "http_server_requests_seconds_count{method=\"POST\",outcome=\"CLIENT_ERROR\",status=\"409\",uri=\"/api/v1/users\"}",
                "infrakit_credentials_cache_requests_total", "jvm_memory_used_bytes", "disk_free_bytes")) {
            assertTrue(scrape.contains(expected), expected + " in\n" + scrape.substring(0, Math.min(3000, scrape.length())));
        }
        assertFalse(scrape.contains("billing-db"), "no app name in a metric label");

        // The alert rules and the dashboard use metric names the service really exposes.
        for (String file : List.of("alerts.yml", "grafana-dashboard.json")) {
            String text = Files.readString(Path.of("monitoring", file));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "\\b(http_server_requests_seconds\\w*|infrakit_\\w+|jvm_memory_\\w+|disk_\\w+)").matcher(text);
            int names = 0;
            while (m.find()) {
                String name = m.group(1);
                names++;
                if (!name.startsWith("infrakit_backup_")) { // backups run only with --backup-repo
                    assertTrue(scrape.contains(name), file + " uses " + name + ", which /metrics does not expose");
                }
            }
            assertTrue(names >= 5, file);
        }
    }

    @Test
    void aMissingCredentialIsNamedByItsAppNotByTheStoresInternalName() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        for (String path : List.of("/api/v1/credentials/no-such-app", "/api/v2/credentials/no-such-app",
                "/api/v1/credentials/no-such-app/versions", "/api/v1/credentials/no-such-app/rotate")) {
            HttpResponse<String> r = call(path.endsWith("rotate") ? "POST" : "GET", path, admin, null);
            assertEquals(404, r.statusCode(), path);
            String detail = JSON.readTree(r.body()).get("detail").asText();
            assertEquals("No credential no-such-app.", detail, path);
        }
    }

    @Test
    void passwordAndUserNameRulesAreCheckedBeforeAnythingIsRecorded() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        for (String password : List.of("eleven-char", "x".repeat(1025))) {
            HttpResponse<String> r = call("POST", "/api/v1/users", admin, "{\"username\":\"carol\",\"password\":\""
                    + password + "\"}");
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("A password has 12 to 1024 characters.", JSON.readTree(r.body()).get("detail").asText());
        }
        for (String name : List.of("ab", "Carol", "1carol", "carol smith", "c".repeat(65))) {
            HttpResponse<String> r = call("POST", "/api/v1/users", admin, "{\"username\":\"" + name
                    + "\",\"password\":\"long-enough-password\"}");
            assertEquals(400, r.statusCode(), name);
            assertTrue(JSON.readTree(r.body()).get("detail").asText().startsWith("A user name is 3 to 64"), r.body());
        }
        assertEquals(201, call("POST", "/api/v1/users", admin, "{\"username\":\"c.a_r-ol\",\"password\":\""
                + "x".repeat(1024) + "\"}").statusCode());
        JsonNode created = JSON.readTree(call("GET", "/api/v1/audit?type=user.created", admin, null).body());
        assertEquals(2, created.get("events").size(), "the one account created, PENDING and outcome; no refused one");
    }

    @Test
    void aDeletedCredentialRecreatedStartsAgainAtVersionOneWithoutHistory() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        call("PUT", "/api/v1/credentials/again", admin, "{\"a\":\"1\"}");
        call("PUT", "/api/v1/credentials/again", admin, "{\"a\":\"2\"}");
        assertEquals(204, call("DELETE", "/api/v1/credentials/again", admin, null).statusCode());
        HttpResponse<String> recreated = call("PUT", "/api/v1/credentials/again", admin, "{\"a\":\"3\"}");
        assertEquals(201, recreated.statusCode());
        assertEquals(1, JSON.readTree(recreated.body()).get("version").asInt());
        JsonNode versions = JSON.readTree(call("GET", "/api/v1/credentials/again/versions", admin, null).body());
        assertEquals(1, versions.get("versions").size(), versions.toString());
    }

    @Test
    void anAuditLimitOutsideOneToAThousandIs400NamingIt() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        for (String limit : List.of("-1", "0", "1001", "2147483648", "ten")) {
            HttpResponse<String> r = call("GET", "/api/v1/audit?limit=" + limit, admin, null);
            assertEquals(400, r.statusCode(), "limit=" + limit + ": " + r.body());
            assertEquals("limit is 1 to 1000, got " + limit + ".", JSON.readTree(r.body()).get("detail").asText());
        }
        for (String limit : List.of("1", "1000")) {
            assertEquals(200, call("GET", "/api/v1/audit?limit=" + limit, admin, null).statusCode(), limit);
        }
        JsonNode one = JSON.readTree(call("GET", "/api/v1/audit?limit=1", admin, null).body());
        assertEquals(1, one.get("events").size());
    }

    @Test
    void errorsAreProblemsWithTheirStatus() throws Exception {
        HttpResponse<String> anonymous = call("GET", "/api/v1/credentials/x", null, null);
        assertEquals(401, anonymous.statusCode());
        assertEquals("Bearer", anonymous.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals("application/problem+json", anonymous.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("nosniff", anonymous.headers().firstValue("X-Content-Type-Options").orElseThrow());
        assertEquals(401, call("POST", "/api/v1/auth/login", null, "{\"username\":\"admin\",\"password\":\"wrong\"}")
                .statusCode());
        String admin = login("admin", ADMIN_PASSWORD);
        assertEquals(400, call("PUT", "/api/v1/credentials/x", admin, "{not json").statusCode());
        assertEquals(413, call("PUT", "/api/v1/credentials/x", admin, "{\"a\":\"" + "x".repeat(70_000) + "\"}")
                .statusCode());
        assertEquals(404, call("GET", "/api/v1/nothing", admin, null).statusCode());
        HttpResponse<String> invalidToken = call("GET", "/api/v1/credentials/x", "not.a.token", null);
        assertEquals(401, invalidToken.statusCode(), "an invalid token is anonymous");
        assertFalse(invalidToken.body().contains("at dev."), "never a stack trace");
    }

    @Test
    void anonymousCallersAreRateLimitedByAddress() throws Exception {
        int limited = 0;
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> r = call("GET", "/api/v1/credentials", null, null);
            if (r.statusCode() == 429) {
                limited++;
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
            } else {
                assertEquals(401, r.statusCode());
            }
        }
        assertEquals(3, limited, "5 per window for anonymous callers");
    }

    /** Admitted requests until the first 429, which must carry Retry-After and the RateLimit headers. */
    private int admittedUntilLimited(String token) throws Exception {
        for (int admitted = 0; admitted < 1000; admitted++) {
            HttpResponse<String> r = call("GET", "/api/v1/credentials", token, null);
            assertTrue(r.headers().firstValue("RateLimit-Policy").isPresent(), "RateLimit-Policy on " + r.statusCode());
            assertTrue(r.headers().firstValue("RateLimit").isPresent(), "RateLimit on " + r.statusCode());
            if (r.statusCode() == 429) {
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
                assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
                return admitted;
            }
            assertEquals(200, r.statusCode(), r.body());
        }
        throw new AssertionError("never limited");
    }

    @Test
    void usersAndAdminsHaveExactlyTheirTiersBudgetEachAndKeysShareTheirOwners() throws Exception {
        service.close();
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.resolve("tiers")
                .toString(), "--password-iterations", "1000", "--drain", "0s", "--rate-anonymous", "20/15m",
                "--rate-user", "4/15m", "--rate-admin", "7/15m"), Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        String admin = login("admin", ADMIN_PASSWORD);
        for (String user : List.of("alice", "bob")) {
            assertEquals(201, call("POST", "/api/v1/users", admin, "{\"username\":\"" + user
                    + "\",\"password\":\"pw-" + user + "-long-enough\",\"role\":\"user\"}").statusCode());
        }
        assertEquals(7 - 2, admittedUntilLimited(admin), "admin: 7 per window, 2 spent creating users");

        String alice = login("alice", "pw-alice-long-enough");
        HttpResponse<String> created = call("POST", "/api/v1/apikeys", alice, "{}");
        assertEquals(201, created.statusCode(), created.body());
        String aliceKey = JSON.readTree(created.body()).get("key").asText();
        assertEquals(4 - 1, admittedUntilLimited(alice), "alice: 4 per window, 1 spent creating her key");
        assertEquals(0, admittedUntilLimited(aliceKey), "an API key draws on its owner's budget, which alice spent");
        assertEquals(4, admittedUntilLimited(login("bob", "pw-bob-long-enough")), "bob is not limited by alice");
        // A limited caller stays limited: rejected requests consume nothing, and nothing refilled the bucket.
        assertEquals(0, admittedUntilLimited(alice));
    }

    @Test
    void closingTurnsReadinessDownFirst() throws Exception {
        assertEquals(200, call("GET", "/health/ready", null, null).statusCode());
        Thread closer = new Thread(service::close);
        closer.start();
        Thread.sleep(100);
        assertEquals(503, call("GET", "/health/ready", null, null).statusCode(), "draining: not ready");
        assertEquals(200, call("GET", "/health/live", null, null).statusCode(), "still alive while draining");
        closer.join();
        service = null;
    }

    private static String readAll(Path dir) throws Exception {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().endsWith(".journal")) {
                    all.append(Files.readString(f));
                }
            }
        }
        return all.toString();
    }
}
