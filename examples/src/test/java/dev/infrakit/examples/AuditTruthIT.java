package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue "accounts", item 1: the audit trail says what the HTTP answer said. A delete, a versions
 * read or a rotation of a credential that does not exist answers 404 and is recorded as a failure
 * (it was recorded as a success); a role denial (403) is recorded as DENIED (it was not recorded).
 */
class AuditTruthIT {
    private static final String ADMIN_PASSWORD = "admin-password-" + "truth";
    @TempDir
    Path data;
    private DemoService service;
    private String admin;
    private String alice;

    @BeforeEach
    void start() throws Exception {
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0s"), Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
        assertEquals(201, call("POST", "/api/v1/users", admin, "{\"username\":\"alice\",\"password\":\"alice-password-1\","
                + "\"role\":\"user\"}").statusCode());
        alice = DemoHttp.login(service.port(), "alice", "alice-password-1");
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        return DemoHttp.call(service.port(), method, path, token, body);
    }

    /** The outcomes recorded for {@code type}, oldest first, with the actor: "OUTCOME actor". */
    private List<String> recorded(String type) throws Exception {
        HttpResponse<String> r = call("GET", "/api/v1/audit?type=" + type + "&limit=100", admin, null);
        assertEquals(200, r.statusCode(), r.body());
        List<String> outcomes = new ArrayList<>();
        for (JsonNode e : DemoHttp.JSON.readTree(r.body()).get("events")) {
            outcomes.add(0, e.path("outcome").asText() + " " + e.path("actor").path("id").asText());
        }
        return outcomes;
    }

    @Test
    void aMissingCredentialIsRecordedAsTheFailureItWas() throws Exception {
        assertEquals(404, call("DELETE", "/api/v1/credentials/nope", admin, null).statusCode());
        assertEquals(List.of("PENDING admin", "FAILURE admin"), recorded("credential.delete-all"));

        assertEquals(404, call("GET", "/api/v1/credentials/nope/versions", alice, null).statusCode());
        assertEquals(List.of("FAILURE alice"), recorded("credential.metadata"));

        assertEquals(404, call("POST", "/api/v1/credentials/nope/rotate", admin, null).statusCode());
        assertEquals(List.of("FAILURE alice", "FAILURE admin"), recorded("credential.metadata"));

        // And what did happen is recorded as a success.
        assertEquals(201, call("PUT", "/api/v1/credentials/billing", admin, "{\"password\":\"p\"}").statusCode());
        assertEquals(204, call("DELETE", "/api/v1/credentials/billing", admin, null).statusCode());
        assertEquals(List.of("PENDING admin", "FAILURE admin", "PENDING admin", "SUCCESS admin"),
                recorded("credential.delete-all"));
    }

    @Test
    void aRoleDenialIsRecorded() throws Exception {
        assertEquals(403, call("PUT", "/api/v1/credentials/billing", alice, "{\"password\":\"p\"}").statusCode());
        assertEquals(403, call("POST", "/api/v1/users", alice, "{\"username\":\"mallory\",\"password\":\"mallory-pass-1\"}")
                .statusCode());
        assertEquals(List.of("DENIED alice", "DENIED alice"), recorded("auth.denied"));
        HttpResponse<String> r = call("GET", "/api/v1/audit?type=auth.denied&limit=1", admin, null);
        JsonNode event = DemoHttp.JSON.readTree(r.body()).get("events").get(0);
        assertEquals("/api/v1/users", event.path("resource").path("id").asText(), r.body());
        assertEquals("127.0.0.1", event.path("actor").path("ip").asText(), r.body());
    }

    /**
     * Issue "accounts", item 3: a credential named like another's rotation state is just a
     * credential. It cannot overwrite db1's labels, it is listed like any other, and deleting
     * another credential leaves it alone.
     */
    @Test
    void rotationStateIsOutOfReachOfCredentialNames() throws Exception {
        assertEquals(201, call("PUT", "/api/v1/credentials/db1", admin, "{\"password\":\"p1\"}").statusCode());
        assertEquals(200, call("POST", "/api/v1/credentials/db1/rotate", admin, null).statusCode());
        // Before: this overwrote db1's rotation state, and the v2 read of db1 answered 500.
        assertEquals(201, call("PUT", "/api/v1/credentials/db1.rotation", admin, "{\"note\":\"mine\"}").statusCode());
        HttpResponse<String> v2 = call("GET", "/api/v2/credentials/db1", alice, null);
        assertEquals(200, v2.statusCode(), v2.body());
        assertEquals("CURRENT", DemoHttp.JSON.readTree(v2.body()).path("metadata").path("labels").get(0).asText(), v2.body());
        assertEquals(200, call("POST", "/api/v1/credentials/db1/rotate", admin, null).statusCode());
        // Listed like any other credential (before: hidden, yet readable).
        String list = call("GET", "/api/v1/credentials", alice, null).body();
        assertEquals(true, list.contains("\"db1.rotation\""), list);
        // Deleting zz leaves an unrelated zz.rotation alone (before: deleted with it).
        assertEquals(201, call("PUT", "/api/v1/credentials/zz", admin, "{\"a\":\"b\"}").statusCode());
        assertEquals(201, call("PUT", "/api/v1/credentials/zz.rotation", admin, "{\"a\":\"c\"}").statusCode());
        assertEquals(204, call("DELETE", "/api/v1/credentials/zz", admin, null).statusCode());
        assertEquals(200, call("GET", "/api/v1/credentials/zz.rotation", alice, null).statusCode());
        // A deleted and rewritten credential starts without the old labels.
        assertEquals(204, call("DELETE", "/api/v1/credentials/db1", admin, null).statusCode());
        assertEquals(201, call("PUT", "/api/v1/credentials/db1", admin, "{\"password\":\"p2\"}").statusCode());
        assertEquals(200, call("GET", "/api/v2/credentials/db1", alice, null).statusCode());
    }
}
