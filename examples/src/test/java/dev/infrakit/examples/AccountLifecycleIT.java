package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The account lifecycle (issue "accounts", item 5) through HTTP as a user meets it, on the
 * embedded defaults: delete a user (tokens and API keys die with it), change a password (own with
 * the current one, an admin's for another; old tokens die), log out one token, revoke all of a
 * user's tokens, all surviving a restart; signing keys rotated on a schedule and published at
 * {@code /.well-known/jwks.json} for any JWT library; login upgrading a weaker hash. Each change is
 * audited with the acting user and the client's address.
 */
class AccountLifecycleIT {
    private static final String ADMIN_PASSWORD = "admin-password-" + "life";

    private static DemoService start(Path data, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--drain", "0s",
                "--rate-anonymous", "1000/15m", "--rate-user", "1000/15m", "--rate-admin", "1000/15m"));
        args.addAll(List.of(flags));
        if (!args.contains("--password-iterations")) {
            args.addAll(List.of("--password-iterations", "1000"));
        }
        return DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> call(DemoService s, String method, String path, String credential, String body)
            throws Exception {
        return DemoHttp.call(s.port(), method, path, credential, body);
    }

    private static int status(DemoService s, String method, String path, String credential, String body)
            throws Exception {
        return call(s, method, path, credential, body).statusCode();
    }

    private static void createUser(DemoService s, String admin, String name, String password) throws Exception {
        HttpResponse<String> r = call(s, "POST", "/api/v1/users", admin, "{\"username\":\"" + name
                + "\",\"password\":\"" + password + "\"}");
        assertEquals(201, r.statusCode(), r.body());
    }

    private static String apiKey(DemoService s, String token) throws Exception {
        HttpResponse<String> r = call(s, "POST", "/api/v1/apikeys", token, null);
        assertEquals(201, r.statusCode(), r.body());
        return DemoHttp.JSON.readTree(r.body()).get("key").asText();
    }

    /** Events of {@code type} in the file audit trail. */
    private static List<JsonNode> events(Path data, String type) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (String line : Files.readAllLines(data.resolve("audit").resolve("audit.log"), StandardCharsets.UTF_8)) {
            JsonNode event = DemoHttp.JSON.readTree(line).path("event");
            if (type.equals(event.path("type").asText())) {
                found.add(event);
            }
        }
        return found;
    }

    /** The PENDING and SUCCESS records of one change by {@code actor}, from the client's address. */
    private static void assertAudited(Path data, String type, String actor, String user) throws Exception {
        List<JsonNode> events = events(data, type);
        assertFalse(events.isEmpty(), "no " + type + " event");
        JsonNode last = events.get(events.size() - 1);
        assertEquals("SUCCESS", last.path("outcome").asText(), last.toString());
        assertEquals(actor, last.path("actor").path("id").asText(), last.toString());
        assertEquals("127.0.0.1", last.path("actor").path("ip").asText(), last.toString());
        assertEquals(user, last.path("resource").path("id").asText(), last.toString());
        assertEquals("PENDING", events.get(events.size() - 2).path("outcome").asText(), events.toString());
    }

    @Test
    void deletingAUserEndsItsTokensAndApiKeysAndItsNameCannotReviveThem(@TempDir Path data) throws Exception {
        String oldToken;
        String key;
        try (DemoService service = start(data)) {
            String admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
            createUser(service, admin, "dave", "dave-password-1");
            oldToken = DemoHttp.login(service.port(), "dave", "dave-password-1");
            key = apiKey(service, oldToken);
            assertEquals(200, status(service, "GET", "/api/v1/credentials", key, null));

            assertEquals(409, status(service, "DELETE", "/api/v1/users/admin", admin, null), "not oneself");
            assertEquals(403, status(service, "DELETE", "/api/v1/users/admin", oldToken, null), "users do not delete");
            assertEquals(404, status(service, "DELETE", "/api/v1/users/nobody", admin, null));
            assertEquals(400, status(service, "DELETE", "/api/v1/users/NO%00PE", admin, null));
            assertEquals(204, status(service, "DELETE", "/api/v1/users/dave", admin, null));

            assertEquals(401, status(service, "GET", "/api/v1/credentials", oldToken, null), "the token died");
            assertEquals(401, status(service, "GET", "/api/v1/credentials", key, null), "the API key died");
            assertEquals(401, status(service, "POST", "/api/v1/auth/login", null,
                    "{\"username\":\"dave\",\"password\":\"dave-password-1\"}"));
            assertAudited(data, "user.deleted", "admin", "dave");
            assertEquals(1, events(data, "user.deleted").get(1).path("details").path("keys_revoked").asInt(),
                    events(data, "user.deleted") + " " + events(data, "api-key.revoked"));

            // A new dave is a new account: the old dave's token stays dead.
            createUser(service, admin, "dave", "dave-password-2");
            String newToken = DemoHttp.login(service.port(), "dave", "dave-password-2");
            assertEquals(200, status(service, "GET", "/api/v1/credentials", newToken, null));
            assertEquals(401, status(service, "GET", "/api/v1/credentials", oldToken, null));
        }
        try (DemoService restarted = start(data)) {
            assertEquals(401, status(restarted, "GET", "/api/v1/credentials", oldToken, null), "dead after a restart");
            assertEquals(401, status(restarted, "GET", "/api/v1/credentials", key, null));
        }
    }

    @Test
    void changingAPasswordEndsEveryTokenOfThatUser(@TempDir Path data) throws Exception {
        try (DemoService service = start(data)) {
            String admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
            createUser(service, admin, "erin", "erin-password-1");
            createUser(service, admin, "frank", "frank-password-1");
            String erin = DemoHttp.login(service.port(), "erin", "erin-password-1");
            String erinElsewhere = DemoHttp.login(service.port(), "erin", "erin-password-1");
            String frank = DemoHttp.login(service.port(), "frank", "frank-password-1");
            String key = apiKey(service, erin);

            // Own password: the current one is required and checked.
            assertEquals(400, status(service, "PUT", "/api/v1/users/erin/password", erin,
                    "{\"newPassword\":\"erin-password-2\"}"));
            assertEquals(403, status(service, "PUT", "/api/v1/users/erin/password", erin,
                    "{\"currentPassword\":\"wrong-password-0\",\"newPassword\":\"erin-password-2\"}"));
            assertEquals(400, status(service, "PUT", "/api/v1/users/erin/password", erin,
                    "{\"currentPassword\":\"erin-password-1\",\"newPassword\":\"short\"}"));
            assertEquals(403, status(service, "PUT", "/api/v1/users/frank/password", erin,
                    "{\"currentPassword\":\"erin-password-1\",\"newPassword\":\"erin-password-2\"}"), "not another's");
            assertEquals(200, status(service, "GET", "/api/v1/credentials", erin, null), "refusals changed nothing");

            assertEquals(204, status(service, "PUT", "/api/v1/users/erin/password", erin,
                    "{\"currentPassword\":\"erin-password-1\",\"newPassword\":\"erin-password-2\"}"));
            assertEquals(401, status(service, "GET", "/api/v1/credentials", erin, null), "the token used died");
            assertEquals(401, status(service, "GET", "/api/v1/credentials", erinElsewhere, null), "every other one too");
            assertEquals(200, status(service, "GET", "/api/v1/credentials", frank, null), "another user's lives");
            assertEquals(200, status(service, "GET", "/api/v1/credentials", key, null), "API keys are not sessions");
            assertEquals(401, status(service, "POST", "/api/v1/auth/login", null,
                    "{\"username\":\"erin\",\"password\":\"erin-password-1\"}"));
            String renewed = DemoHttp.login(service.port(), "erin", "erin-password-2");
            assertEquals(200, status(service, "GET", "/api/v1/credentials", renewed, null),
                    "a login right after the change works (same second)");
            assertAudited(data, "user.password-changed", "erin", "erin");

            // An admin sets another user's password without the old one.
            assertEquals(204, status(service, "PUT", "/api/v1/users/frank/password", admin,
                    "{\"newPassword\":\"frank-password-2\"}"));
            assertEquals(401, status(service, "GET", "/api/v1/credentials", frank, null));
            assertEquals(404, status(service, "PUT", "/api/v1/users/nobody/password", admin,
                    "{\"newPassword\":\"frank-password-2\"}"));
            assertAudited(data, "user.password-changed", "admin", "frank");
            List<JsonNode> changes = events(data, "user.password-changed");
            assertEquals("admin", changes.get(changes.size() - 1).path("details").path("by").asText());
            DemoHttp.login(service.port(), "frank", "frank-password-2");
        }
    }

    @Test
    void logoutEndsOneTokenAndRevokingAllEndsEveryOneEvenAfterARestart(@TempDir Path data) throws Exception {
        String first;
        String second;
        String third;
        try (DemoService service = start(data)) {
            String admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
            createUser(service, admin, "gina", "gina-password-1");
            first = DemoHttp.login(service.port(), "gina", "gina-password-1");
            second = DemoHttp.login(service.port(), "gina", "gina-password-1");
            String key = apiKey(service, second);
            assertEquals(400, status(service, "POST", "/api/v1/auth/logout", key, null), "an API key is no session");
            assertEquals(401, status(service, "POST", "/api/v1/auth/logout", null, null));

            assertEquals(204, status(service, "POST", "/api/v1/auth/logout", first, null));
            assertEquals(401, status(service, "GET", "/api/v1/credentials", first, null));
            assertEquals(200, status(service, "GET", "/api/v1/credentials", second, null), "only that token");
            assertAudited(data, "token.revoked", "gina", "gina");

            third = DemoHttp.login(service.port(), "gina", "gina-password-1");
            assertEquals(403, status(service, "DELETE", "/api/v1/users/admin/tokens", second, null), "not another's");
            HttpResponse<String> all = call(service, "DELETE", "/api/v1/users/gina/tokens", admin, null);
            assertEquals(200, all.statusCode(), all.body());
            assertEquals(401, status(service, "GET", "/api/v1/credentials", second, null));
            assertEquals(401, status(service, "GET", "/api/v1/credentials", third, null));
            assertAudited(data, "user.tokens-revoked", "admin", "gina");
            assertEquals(200, status(service, "GET", "/api/v1/credentials",
                    DemoHttp.login(service.port(), "gina", "gina-password-1"), null), "a new login works");
        }
        try (DemoService restarted = start(data)) {
            for (String token : List.of(first, second, third)) {
                assertEquals(401, status(restarted, "GET", "/api/v1/credentials", token, null), "dead after a restart");
            }
        }
    }

    @Test
    void jwksPublishesTheKeysAnyJwtLibraryVerifiesWithAndScheduledRotationKeepsOldTokensValid(@TempDir Path data)
            throws Exception {
        try (DemoService service = start(data, "--token-key-rotation", "2s", "--token-key-grace", "0s")) {
            String before = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
            HttpResponse<String> r = call(service, "GET", "/.well-known/jwks.json", null, null);
            assertEquals(200, r.statusCode());
            assertEquals("application/jwk-set+json", r.headers().firstValue("Content-Type").orElse(""));
            assertTrue(r.headers().firstValue("Cache-Control").orElse("").contains("max-age=60"));
            assertFalse(r.body().contains("\"d\""), "no private key material: " + r.body());
            SignedJWT parsed = SignedJWT.parse(before);
            ECKey key = JWKSet.parse(r.body()).getKeyByKeyId(parsed.getHeader().getKeyID()).toECKey();
            assertTrue(parsed.verify(new ECDSAVerifier(key)), "nimbus verifies our token with the published key");
            assertEquals(405, status(service, "POST", "/.well-known/jwks.json", null, "{}"));
            assertEquals(404, status(service, "GET", "/.well-known/jwks.jsonx", null, null));

            // Wait for the schedule (checks every second, rotates when the newest key is 2 s old).
            long deadline = System.nanoTime() + 15_000_000_000L;
            String after = before;
            while (SignedJWT.parse(after).getHeader().getKeyID().equals(parsed.getHeader().getKeyID())
                    && System.nanoTime() < deadline) {
                Thread.sleep(250);
                after = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
            }
            String newKid = SignedJWT.parse(after).getHeader().getKeyID();
            assertNotEquals(parsed.getHeader().getKeyID(), newKid, "a new key signs");
            JWKSet published = JWKSet.parse(call(service, "GET", "/.well-known/jwks.json", null, null).body());
            assertTrue(published.getKeys().size() >= 2, published.toString());
            assertTrue(published.getKeyByKeyId(parsed.getHeader().getKeyID()) != null,
                    "the old key stays published while its tokens live");
            assertEquals(200, status(service, "GET", "/api/v1/credentials", before, null), "old tokens still work");
            assertEquals(200, status(service, "GET", "/api/v1/credentials", after, null));
            assertTrue(events(data, "token-keys.rotated").stream().anyMatch(e -> "SUCCESS".equals(
                    e.path("outcome").asText()) && newKid.equals(e.path("details").path("kid").asText())));
        }
    }

    @Test
    void loginUpgradesAHashMadeWithFewerIterations(@TempDir Path data) throws Exception {
        try (DemoService service = start(data)) {
            String admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
            createUser(service, admin, "hank", "hank-password-1");
        }
        // The operator raises the cost: 1000 → 2000 iterations.
        try (DemoService stronger = start(data, "--password-iterations", "2000")) {
            DemoHttp.login(stronger.port(), "hank", "hank-password-1");
            List<JsonNode> upgrades = events(data, "user.password-rehashed");
            assertEquals(2, upgrades.size(), upgrades.toString());
            assertEquals("SUCCESS", upgrades.get(1).path("outcome").asText());
            assertEquals(2000, upgrades.get(1).path("details").path("iterations").asInt());
            assertEquals("127.0.0.1", upgrades.get(1).path("actor").path("ip").asText());
            DemoHttp.login(stronger.port(), "hank", "hank-password-1");
            assertEquals(2, events(data, "user.password-rehashed").size(), "upgraded once, not at every login");
            assertEquals(401, status(stronger, "POST", "/api/v1/auth/login", null,
                    "{\"username\":\"hank\",\"password\":\"hank-password-0\"}"), "a wrong password upgrades nothing");
            assertEquals(2, events(data, "user.password-rehashed").size());
        }
    }
}
