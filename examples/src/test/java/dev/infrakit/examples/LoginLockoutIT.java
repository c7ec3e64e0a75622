package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Login throttling through HTTP on the embedded service (behind a trusted proxy, so a test can
 * present several client addresses): anonymous guesses lock the guessing network only, the lockout
 * answer carries Retry-After, and an admin unlocks through the API, audited.
 */
class LoginLockoutIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_PASSWORD = "admin-password-42";
    private static final String ATTACKER = "203.0.113.7";
    private static final String HOME = "198.51.100.9";
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir
    Path data;
    private DemoService service;

    @BeforeEach
    void start() throws Exception {
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0s", "--trust-proxy"),
                Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private HttpResponse<String> post(String path, String from, String token, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .header("X-Forwarded-For", from).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> login(String from, String user, String password) throws Exception {
        return post("/api/v1/auth/login", from, null, "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
    }

    private void lockAdminFrom(String from) throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(401, login(from, "admin", "guess-" + i).statusCode());
        }
    }

    @Test
    void fiveAnonymousGuessesDoNotLockTheRealUserOutFromAnotherAddress() throws Exception {
        lockAdminFrom(ATTACKER);
        HttpResponse<String> locked = login(ATTACKER, "admin", ADMIN_PASSWORD);
        assertEquals(429, locked.statusCode(), "the guessing network is locked, even with the right password");
        long retryAfter = Long.parseLong(locked.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter > 800 && retryAfter <= 900, "about the 15-minute lockout: " + retryAfter);
        assertTrue(locked.body().contains("Too many failed logins"), locked.body());
        assertEquals(200, login(HOME, "admin", ADMIN_PASSWORD).statusCode(), "the real admin, from home");
        assertEquals(429, login("203.0.113.7, " + ATTACKER, "admin", ADMIN_PASSWORD).statusCode());
    }

    @Test
    void anAdminUnlocksAUserForANetworkThroughTheApiAndItIsAudited() throws Exception {
        lockAdminFrom(ATTACKER);
        String token = JSON.readTree(login(HOME, "admin", ADMIN_PASSWORD).body()).get("accessToken").asText();

        assertEquals(401, post("/api/v1/users/admin/unlock", HOME, null, "{\"address\":\"" + ATTACKER + "\"}")
                .statusCode(), "admin only");
        HttpResponse<String> missing = post("/api/v1/users/admin/unlock", HOME, token, "{}");
        assertEquals(400, missing.statusCode());
        assertTrue(missing.body().contains("'address'"), missing.body());
        HttpResponse<String> bad = post("/api/v1/users/admin/unlock", HOME, token, "{\"address\":\"evil.example\"}");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("not an IP address"), bad.body());
        assertEquals(404, post("/api/v1/users/nobody/unlock", HOME, token, "{\"address\":\"" + ATTACKER + "\"}")
                .statusCode());
        assertEquals(429, login(ATTACKER, "admin", ADMIN_PASSWORD).statusCode(), "still locked");

        HttpResponse<String> unlocked = post("/api/v1/users/admin/unlock", HOME, token,
                "{\"address\":\"" + ATTACKER + "\"}");
        assertEquals(200, unlocked.statusCode(), unlocked.body());
        assertEquals(ATTACKER, JSON.readTree(unlocked.body()).get("network").asText());
        assertEquals(200, login(ATTACKER, "admin", ADMIN_PASSWORD).statusCode());

        HttpResponse<String> events = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port()
                + "/api/v1/audit?type=user.unlocked")).header("Authorization", "Bearer " + token)
                .header("X-Forwarded-For", HOME).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode list = JSON.readTree(events.body()).get("events");
        assertEquals(2, list.size(), events.body());
        for (JsonNode e : list) {
            assertEquals("admin", e.get("actor").get("id").asText());
            assertEquals(ATTACKER, e.get("details").get("network").asText());
        }
        String audit = Files.readString(data.resolve("audit").resolve("audit.log"));
        assertFalse(audit.contains(ADMIN_PASSWORD));
    }
}
