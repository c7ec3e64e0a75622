package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.infrakit.examples.DemoHttp.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Someone who can write the demo's data directory, but has no master key, copies a revoked API key's
 * credential file back as it was before the revocation. The key must stay refused (401), the
 * refusal must say the record was rolled back, and everything else must keep working.
 */
class RollbackIT {
    private static final String ADMIN_PASSWORD = "admin-password-" + "rollback-it";
    @TempDir
    Path data;
    private DemoService service;

    private void start() throws Exception {
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0s", "--rate-user", "1000/15m", "--rate-admin", "1000/15m",
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

    /** The credential file holding {@code name}: the only one naming it. */
    private Path fileOf(String name) throws Exception {
        try (Stream<Path> files = Files.list(data.resolve("credentials"))) {
            List<Path> found = new ArrayList<>();
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".json")).collect(Collectors.toList())) {
                if (Files.readString(p).contains("\"name\" : \"" + name + "\"")) {
                    found.add(p);
                }
            }
            assertEquals(1, found.size(), "one file for " + name + ": " + found);
            return found.get(0);
        }
    }

    @Test
    void aRevokedKeysFileCopiedBackDoesNotMakeTheKeyWorkAgain() throws Exception {
        start();
        String admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
        HttpResponse<String> user = DemoHttp.call(service.port(), "POST", "/api/v1/users", admin,
                "{\"username\":\"alice\",\"password\":\"pw-alice-long-enough\",\"role\":\"user\"}");
        assertEquals(201, user.statusCode(), user.body());
        String alice = DemoHttp.login(service.port(), "alice", "pw-alice-long-enough");
        HttpResponse<String> created = call("POST", "/api/v1/apikeys", alice);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode key = JSON.readTree(created.body());
        String keyId = key.get("id").asText();
        String apiKey = key.get("key").asText();
        HttpResponse<String> other = call("POST", "/api/v1/apikeys", alice);
        assertEquals(201, other.statusCode(), other.body());
        String otherKey = JSON.readTree(other.body()).get("key").asText();
        assertEquals(200, call("GET", "/api/v1/apikeys", apiKey).statusCode(), "the new key works");

        Path file = fileOf("apikeys/" + keyId);
        byte[] beforeRevocation = Files.readAllBytes(file);
        assertEquals(204, call("DELETE", "/api/v1/apikeys/" + keyId, alice).statusCode());
        assertEquals(401, call("GET", "/api/v1/apikeys", apiKey).statusCode(), "revoked");
        service.close();
        service = null;

        Files.write(file, beforeRevocation); // the attack: the file as it was before the revocation
        start();

        HttpResponse<String> replayed = call("GET", "/api/v1/apikeys", apiKey);
        assertEquals(401, replayed.statusCode(), "a rolled-back revocation must not bring the key back: "
                + replayed.body());
        assertFalse(replayed.body().contains(apiKey), replayed.body());

        // Everything else still works: the other key, the owner's token, listing (without the bad record).
        assertEquals(200, call("GET", "/api/v1/apikeys", otherKey).statusCode(), "another key of the same user");
        String aliceAgain = DemoHttp.login(service.port(), "alice", "pw-alice-long-enough");
        HttpResponse<String> listed = call("GET", "/api/v1/apikeys", aliceAgain);
        assertEquals(200, listed.statusCode(), listed.body());
        assertFalse(listed.body().contains(keyId), "the untrusted record is left out: " + listed.body());
        assertEquals(1, JSON.readTree(listed.body()).get("keys").size(), listed.body());

        // The refusal says why, naming the credential and its file.
        admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
        JsonNode events = JSON.readTree(call("GET", "/api/v1/audit?type=api-key.rejected&limit=100", admin).body())
                .get("events");
        String reasons = events.toString();
        assertTrue(reasons.contains("rolled back"), "the rejection names the rollback: " + reasons);
        assertTrue(reasons.contains("apikeys/" + keyId), reasons);
        assertTrue(reasons.contains(file.getFileName().toString()), "names the file: " + reasons);
        assertFalse(reasons.contains(apiKey), reasons);
        boolean error = false;
        for (JsonNode e : events) {
            error |= e.toString().contains("rolled back") && e.path("severity").asText().equals("ERROR");
        }
        assertTrue(error, "a rollback is an ERROR, not a routine refusal: " + reasons);

        // Its owner cannot be believed, so only an admin can remove the record.
        assertEquals(404, call("DELETE", "/api/v1/apikeys/" + keyId, aliceAgain).statusCode());
        assertEquals(204, call("DELETE", "/api/v1/apikeys/" + keyId, admin).statusCode());
        assertFalse(Files.exists(file), "the untrusted record is gone");
        assertEquals(401, call("GET", "/api/v1/apikeys", apiKey).statusCode(), "and the key stays refused");
        assertEquals(200, call("GET", "/api/v1/apikeys", otherKey).statusCode());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"older", "deleted"})
    void anOlderOrDeletedManifestStopsTheServiceFromStarting(String tampering) throws Exception {
        start();
        String admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
        Path manifest = data.resolve("credentials").resolve(".manifest");
        byte[] older = Files.readAllBytes(manifest);
        HttpResponse<String> user = DemoHttp.call(service.port(), "POST", "/api/v1/users", admin,
                "{\"username\":\"bob\",\"password\":\"pw-bob-long-enough\",\"role\":\"user\"}");
        assertEquals(201, user.statusCode(), user.body());
        service.close();
        service = null;

        if (tampering.equals("older")) {
            Files.write(manifest, older);
        } else {
            Files.delete(manifest);
        }
        dev.infrakit.credentials.CredentialIntegrityException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.infrakit.credentials.CredentialIntegrityException.class, this::start);
        assertTrue(e.getMessage().contains("manifest " + manifest + (tampering.equals("older")
                ? " is older than the record of credential" : " is missing")), e.getMessage());
        // The failed start released the data directory: a second try fails for the same reason, not "in use".
        dev.infrakit.credentials.CredentialIntegrityException again = org.junit.jupiter.api.Assertions.assertThrows(
                dev.infrakit.credentials.CredentialIntegrityException.class, this::start);
        assertEquals(e.getMessage(), again.getMessage());
    }

    /**
     * A user's record copied back after a password change would bring the old password back: it is
     * refused instead, and a login with either password is a plain 401 (never a 500, never a token).
     */
    @Test
    void aUserRecordRolledBackAfterAPasswordChangeSignsNobodyIn() throws Exception {
        start();
        String admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
        HttpResponse<String> user = DemoHttp.call(service.port(), "POST", "/api/v1/users", admin,
                "{\"username\":\"carl\",\"password\":\"carl-password-old\"}");
        assertEquals(201, user.statusCode(), user.body());
        Path file = fileOf("users/carl");
        byte[] before = Files.readAllBytes(file);
        assertEquals(204, DemoHttp.call(service.port(), "PUT", "/api/v1/users/carl/password", admin,
                "{\"newPassword\":\"carl-password-new\"}").statusCode());

        Files.write(file, before); // the attacker's copy-back, while the service runs
        for (String password : List.of("carl-password-old", "carl-password-new")) {
            HttpResponse<String> login = DemoHttp.call(service.port(), "POST", "/api/v1/auth/login", null,
                    "{\"username\":\"carl\",\"password\":\"" + password + "\"}");
            assertEquals(401, login.statusCode(), login.body());
        }
        DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD); // everyone else still signs in
    }
}
