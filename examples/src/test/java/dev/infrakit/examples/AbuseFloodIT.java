package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One anonymous client flooding the demo with credentials that fail (issue "abuse", items 1 and 2):
 * the first, per-address stage refuses it once its failures have drained its bucket, before any
 * signature check or audit record; and however many refusals it causes, {@code security.log}
 * grows by a few records and one count per window.
 */
class AbuseFloodIT {
    private static final String ADMIN_PASSWORD = "admin-password-" + "flood";
    /** A token that parses but whose signature is wrong: each try costs a signature check. */
    private static final String FORGED = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Im5vcGUifQ"
            + ".eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbImFkbWluIl19.c2lnbmF0dXJl";

    private static DemoService start(Path data, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--password-iterations",
                "1000", "--drain", "0s", "--rate-anonymous", "100000/15m"));
        args.addAll(List.of(flags));
        return DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    /** Item 1: refused credentials drain the client's first-stage bucket; then 429 before authentication. */
    @Test
    void failingCredentialsAreRefusedAtTheFirstStageBeforeAnySignatureCheck(@TempDir Path data) throws Exception {
        DemoService service = start(data, "--rate-client", "110/15m");
        int unauthorized = 0;
        int limited = 0;
        try {
            for (int i = 0; i < 60; i++) {
                HttpResponse<String> r = DemoHttp.call(service.port(), "GET", "/api/v1/credentials", FORGED, null);
                if (r.statusCode() == 401) {
                    unauthorized++;
                } else {
                    assertEquals(429, r.statusCode(), r.body());
                    assertTrue(r.headers().firstValue("Retry-After").isPresent(), r.headers().toString());
                    assertTrue(r.headers().firstValue("RateLimit-Policy").orElseThrow().contains("client"),
                            r.headers().toString());
                    limited++;
                }
            }
        } finally {
            service.close();
        }
        // 110 permits, 1 per request and 10 more per refusal: 10 refusals (and the 11th request's one
        // permit) empty the bucket.
        assertEquals(10, unauthorized, "refusals before the first stage closes");
        assertEquals(50, limited);
        long recorded = countRecorded(data, "auth.invalid-token");
        assertEquals(unauthorized, recorded, "a request refused at the first stage is never authenticated or audited");
    }

    /** Item 2: thousands of refusals from one address add a few KB to security.log, with a count of the rest. */
    @Test
    void aFloodOfRefusedCredentialsAddsAFewKilobytesToTheSecurityLog(@TempDir Path data) throws Exception {
        DemoService service = start(data, "--rate-client", "1000000/1m");
        Path security = data.resolve("audit").resolve("security.log");
        long before;
        int refused = 3000;
        long started = System.currentTimeMillis();
        try {
            before = Files.size(security);
            for (int i = 0; i < refused; i++) {
                String credential = i % 2 == 0 ? FORGED : "ik_nope_" + "x".repeat(40);
                HttpResponse<String> r = DemoHttp.call(service.port(), "GET", "/api/v1/credentials", credential, null);
                assertEquals(401, r.statusCode(), r.body());
            }
        } finally {
            service.close();
        }
        // The demo's 15-minute windows are aligned to the clock: a flood that crosses a boundary spans
        // two windows, each with its own five records and count of each kind.
        long window = Duration.ofMinutes(15).toMillis();
        long windows = System.currentTimeMillis() / window - started / window + 1;
        long grown = Files.size(security) - before;
        assertTrue(grown < windows * 12 * 1024,
                "security.log grew by " + grown + " bytes for " + refused + " refusals in " + windows + " window(s)");
        assertEquals(refused / 2, countRecorded(data, "auth.invalid-token"));
        assertEquals(refused / 2, countRecorded(data, "api-key.rejected"));
        // Five of each kind one by one, and one count of each; the API key refusals name the address.
        Map<String, Integer> types = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(security, StandardCharsets.UTF_8)) {
            JsonNode event = DemoHttp.JSON.readTree(line).path("event");
            types.merge(event.path("type").asText(""), 1, Integer::sum);
            if ("api-key.rejected".equals(event.path("type").asText())) {
                assertEquals("127.0.0.1", event.path("actor").path("ip").asText(), line);
            }
        }
        if (windows == 1) {
            assertEquals(5, types.get("auth.invalid-token"), types.toString());
            assertEquals(5, types.get("api-key.rejected"), types.toString());
            assertEquals(2, types.get("audit.condensed"), types.toString());
        } else {
            assertTrue(types.get("auth.invalid-token") >= 5 && types.get("auth.invalid-token") <= 5 * windows, types.toString());
            assertTrue(types.get("api-key.rejected") >= 5 && types.get("api-key.rejected") <= 5 * windows, types.toString());
            assertTrue(types.get("audit.condensed") >= 2 && types.get("audit.condensed") <= 2 * windows, types.toString());
        }
    }

    /** Events of {@code type} in the audit trail: each recorded one, plus the counts of condensed ones. */
    private static long countRecorded(Path data, String type) throws Exception {
        long total = 0;
        for (String line : Files.readAllLines(data.resolve("audit").resolve("audit.log"), StandardCharsets.UTF_8)) {
            JsonNode event = DemoHttp.JSON.readTree(line).path("event");
            if (type.equals(event.path("type").asText())) {
                total++;
            } else if ("audit.condensed".equals(event.path("type").asText())
                    && type.equals(event.path("details").path("type").asText())) {
                total += event.path("details").path("count").asLong();
            }
        }
        return total;
    }
}
