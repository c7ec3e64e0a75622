package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.infrakit.examples.DemoHttp.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * API keys cannot multiply a user's access, over HTTP on the demo: only an interactive login
 * creates keys, a user holds at most 10 live keys, every key draws on its owner's rate-limit budget,
 * users list their own keys, an admin lists and revokes anyone's, and the events name who did it
 * and from where.
 */
class DemoApiKeysIT {
    private static final String ADMIN_PASSWORD = "admin-password-" + "api-keys-it";
    @TempDir
    Path data;
    private DemoService service;

    private void start(String rateUser) throws Exception {
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0s", "--rate-user", rateUser, "--rate-admin", "1000/15m",
                "--rate-anonymous", "1000/15m"), Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private HttpResponse<String> call(String method, String path, String credential) throws Exception {
        return DemoHttp.call(service.port(), method, path, credential, method.equals("POST") ? "{}" : null);
    }

    private String login(String user, String password) throws Exception {
        return DemoHttp.login(service.port(), user, password);
    }

    /** Signs in as admin and creates the users; returns the admin's token. */
    private String users(String... names) throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        for (String user : names) {
            HttpResponse<String> r = DemoHttp.call(service.port(), "POST", "/api/v1/users", admin, "{\"username\":\""
                    + user + "\",\"password\":\"pw-" + user + "-long-enough\",\"role\":\"user\"}");
            assertEquals(201, r.statusCode(), r.body());
        }
        return admin;
    }

    private JsonNode created(String credential) throws Exception {
        HttpResponse<String> r = call("POST", "/api/v1/apikeys", credential);
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private Set<String> ids(HttpResponse<String> listed) throws Exception {
        assertEquals(200, listed.statusCode(), listed.body());
        Set<String> ids = new TreeSet<>();
        JSON.readTree(listed.body()).get("keys").forEach(k -> ids.add(k.get("id").asText()));
        return ids;
    }

    @Test
    void anApiKeyCannotCreateAKeyAndTheEleventhLiveKeyIsRefused() throws Exception {
        start("1000/15m");
        users("alice");
        String alice = login("alice", "pw-alice-long-enough");
        List<String> keys = new ArrayList<>();
        List<String> keyIds = new ArrayList<>();
        JsonNode first = created(alice);
        keys.add(first.get("key").asText());
        keyIds.add(first.get("id").asText());

        HttpResponse<String> minted = call("POST", "/api/v1/apikeys", keys.get(0));
        assertEquals(403, minted.statusCode(), minted.body());
        assertTrue(minted.body().contains("interactive"), minted.body());

        for (int i = 1; i < 10; i++) {
            JsonNode key = created(alice);
            keys.add(key.get("key").asText());
            keyIds.add(key.get("id").asText());
        }
        HttpResponse<String> eleventh = call("POST", "/api/v1/apikeys", alice);
        assertEquals(409, eleventh.statusCode(), eleventh.body());
        assertTrue(eleventh.body().contains("10 live API keys"), eleventh.body());
        assertEquals(10, ids(call("GET", "/api/v1/apikeys", alice)).size(), "nothing stored over the cap");

        assertEquals(204, call("DELETE", "/api/v1/apikeys/" + keyIds.get(3), alice).statusCode());
        created(alice); // a revoked key frees its place
        assertEquals(409, call("POST", "/api/v1/apikeys", alice).statusCode());
        assertEquals(403, call("POST", "/api/v1/apikeys", keys.get(5)).statusCode(), "still no key from a key");
    }

    @Test
    void aUserGetsExactlyTheirBudgetInTotalAcrossAllOfTheirKeys() throws Exception {
        start("1000/15m");
        users("alice", "bob");
        String alice = login("alice", "pw-alice-long-enough");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add(created(alice).get("key").asText());
        }
        service.close();
        start("5/15m"); // the same data directory: the same users and keys, a fresh budget of 5

        int admitted = 0;
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = call("GET", "/api/v1/credentials", keys.get(i % keys.size()));
            if (r.statusCode() == 200) {
                admitted++;
            } else {
                assertEquals(429, r.statusCode(), r.body());
            }
        }
        assertEquals(5, admitted, "5 reads in total across alice's three keys");
        assertEquals(429, call("GET", "/api/v1/credentials", login("alice", "pw-alice-long-enough")).statusCode(),
                "her own token shares that budget");
        assertEquals(200, call("GET", "/api/v1/credentials", login("bob", "pw-bob-long-enough")).statusCode(),
                "bob has his own");
    }

    @Test
    void usersListTheirOwnKeysAndAnAdminListsAndRevokesAnyonesWithEventsNamingWhoAndWhere() throws Exception {
        start("1000/15m");
        String admin = users("alice", "bob");
        String alice = login("alice", "pw-alice-long-enough");
        String bob = login("bob", "pw-bob-long-enough");
        JsonNode a1 = created(alice);
        JsonNode a2 = created(alice);
        JsonNode b1 = created(bob);
        Set<String> aliceIds = new TreeSet<>(List.of(a1.get("id").asText(), a2.get("id").asText()));

        assertEquals(aliceIds, ids(call("GET", "/api/v1/apikeys", alice)));
        assertEquals(aliceIds, ids(call("GET", "/api/v1/apikeys", a1.get("key").asText())), "with a key, too");
        assertEquals(Set.of(b1.get("id").asText()), ids(call("GET", "/api/v1/apikeys", bob)));
        HttpResponse<String> others = call("GET", "/api/v1/apikeys?owner=alice", bob);
        assertEquals(403, others.statusCode(), others.body());
        assertEquals(aliceIds, ids(call("GET", "/api/v1/apikeys?owner=alice", admin)));
        assertEquals(400, call("GET", "/api/v1/apikeys?owner=%01", admin).statusCode());

        HttpResponse<String> bobRevokes = call("DELETE", "/api/v1/apikeys/" + a1.get("id").asText(), bob);
        assertEquals(404, bobRevokes.statusCode(), bobRevokes.body());
        assertEquals(200, call("GET", "/api/v1/credentials", a1.get("key").asText()).statusCode(), "bob revoked nothing");
        assertEquals(400, call("DELETE", "/api/v1/apikeys/not-a-key-id", alice).statusCode());

        assertEquals(204, call("DELETE", "/api/v1/apikeys/" + a1.get("id").asText(), admin).statusCode());
        assertEquals(401, call("GET", "/api/v1/credentials", a1.get("key").asText()).statusCode(), "revoked by admin");
        for (JsonNode k : JSON.readTree(call("GET", "/api/v1/apikeys", alice).body()).get("keys")) {
            assertEquals(!k.get("id").asText().equals(a1.get("id").asText()), k.get("live").asBoolean(), k.toString());
            assertEquals("alice", k.get("owner").asText());
        }

        JsonNode revoked = JSON.readTree(call("GET", "/api/v1/audit?type=api-key.revoked&limit=100", admin).body())
                .get("events");
        List<String> revokers = new ArrayList<>();
        for (JsonNode e : revoked) {
            if (e.get("outcome").asText().equals("SUCCESS")) {
                revokers.add(e.get("actor").get("id").asText() + "@" + e.get("actor").get("ip").asText() + " "
                        + e.get("resource").get("id").asText());
            }
        }
        assertEquals(List.of("admin@127.0.0.1 " + a1.get("id").asText()), revokers);
    }

    @Test
    void apiKeyEventsNameTheActingUserAndTheClientAddress() throws Exception {
        start("1000/15m");
        String admin = users("alice");
        String alice = login("alice", "pw-alice-long-enough");
        JsonNode key = created(alice);
        assertEquals(204, call("DELETE", "/api/v1/apikeys/" + key.get("id").asText(), alice).statusCode());

        for (String type : List.of("api-key.created", "api-key.revoked")) {
            JsonNode events = JSON.readTree(call("GET", "/api/v1/audit?type=" + type + "&limit=100", admin).body())
                    .get("events");
            assertEquals(2, events.size(), "PENDING and its outcome: " + events);
            for (JsonNode e : events) {
                assertEquals("alice", e.get("actor").get("id").asText(), e.toString());
                assertEquals("USER", e.get("actor").get("kind").asText(), e.toString());
                assertEquals("127.0.0.1", e.get("actor").path("ip").asText(), e.toString());
                assertEquals(key.get("id").asText(), e.get("resource").get("id").asText());
            }
        }
    }
}
