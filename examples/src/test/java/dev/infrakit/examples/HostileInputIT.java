package dev.infrakit.examples;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.infrakit.testkit.EphemeralPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile values on every route, over raw HTTP/1.1 (so NUL, control characters, invalid UTF-8 and
 * duplicate headers reach the server as sent): each is answered 4xx with a problem body naming what
 * was wrong, never 500 or 503, and no stack trace reaches the log. The audit query also on
 * PostgreSQL, where a NUL in a parameter once became a 500.
 */
class HostileInputIT {
    private static final String ADMIN_PASSWORD = "admin-password-hostile";
    private static final String MASTER = dev.infrakit.credentials.MasterKey.generate().toBase64();
    private static EphemeralPostgres postgres;

    @TempDir
    Path data;
    private DemoService service;
    private ListAppender<ILoggingEvent> log;
    private String admin;

    @BeforeAll
    static void startPostgres() {
        postgres = EphemeralPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void captureLog() {
        log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(log);
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
    }

    private void start(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--password-iterations",
                "1000", "--drain", "0ms", "--rate-anonymous", "1000/15m", "--rate-admin", "10000/15m"));
        args.addAll(List.of(extra));
        service = DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD,
                "INFRAKIT_MASTER_KEY", MASTER)), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
        DemoHttp.call(service.port(), "PUT", "/api/v1/credentials/billing", admin, "{\"password\":\"p\"}");
    }

    /** A response: status and body. */
    private record Answer(int status, String head, String body) {
    }

    /** Sends {@code request} (request line and headers, CRLF-separated, without the final blank line) and {@code body}. */
    private Answer raw(String requestHead, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", service.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(requestHead.getBytes(StandardCharsets.ISO_8859_1));
            request.write(("\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + (body == null ? "" : "Content-Length: "
                    + body.length + "\r\n") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                request.write(body);
            }
            out.write(request.toByteArray());
            out.flush();
            InputStream in = socket.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            String statusLine = head.split("\r\n", 2)[0];
            return new Answer(Integer.parseInt(statusLine.split(" ")[1]), head, end < 0 ? "" : text.substring(end + 4));
        }
    }

    private Answer get(String target, String... headers) throws IOException {
        return raw("GET " + target + " HTTP/1.1" + headerLines(headers), null);
    }

    private static String headerLines(String... headers) {
        StringBuilder b = new StringBuilder();
        for (String h : headers) {
            b.append("\r\n").append(h);
        }
        return b.toString();
    }

    private String bearer() {
        return "Authorization: Bearer " + admin;
    }

    /** Asserts a 4xx problem whose detail names {@code named}. */
    private static void refused(Answer a, int status, String named, String what) {
        assertEquals(status, a.status(), what + ": " + a.head() + "\n" + a.body());
        if (a.status() != 405 || !a.body().isEmpty()) {
            assertTrue(a.head().toLowerCase(java.util.Locale.ROOT).contains("content-type: application/problem+json"),
                    what + ": " + a.head());
            assertTrue(a.body().contains(named), what + ": the problem names " + named + ": " + a.body());
        }
    }

    private void noStackTraceLogged() {
        for (ILoggingEvent e : log.list) {
            if (e.getThrowableProxy() != null || e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.ERROR)) {
                fail("logged: " + e.getLevel() + " " + e.getFormattedMessage() + " "
                        + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getClassName()));
            }
        }
    }

    private static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    @Test
    void longUserAgentsAreTruncatedIntoTheAuditRecordNotRefused() throws Exception {
        start();
        String agent = "agent-" + repeat('x', 5000);
        Answer read = get("/api/v1/credentials/billing", bearer(), "User-Agent: " + agent);
        assertEquals(200, read.status(), read.body());
        Answer anonymous = get("/api/v1/credentials/billing", "Authorization: Bearer not-a-token", "User-Agent: " + agent);
        assertEquals(401, anonymous.status(), anonymous.body());
        Answer audit = get("/api/v1/audit?type=credential.read&limit=1", bearer());
        assertEquals(200, audit.status(), audit.body());
        com.fasterxml.jackson.databind.JsonNode event = DemoHttp.JSON.readTree(audit.body()).get("events").get(0);
        String recorded = event.get("actor").get("userAgent").asText();
        assertTrue(recorded.length() <= 512 && recorded.startsWith("agent-xxx") && recorded.endsWith("[truncated]"),
                recorded);
        noStackTraceLogged();
    }

    @Test
    void hostileAuditQueryParametersAre400NamingTheParameter() throws Exception {
        start();
        auditQueryProbes();
    }

    @Test
    void hostileAuditQueryParametersAre400NamingTheParameterOnPostgres() throws Exception {
        dev.infrakit.testkit.TestDatabase db = postgres.createDatabase("hostile");
        start("--jdbc-url", DemoHttp.jdbcUrl(postgres, db.name()));
        auditQueryProbes();
    }

    private void auditQueryProbes() throws Exception {
        refused(get("/api/v1/audit?actor=%00", bearer()), 400, "actor", "NUL in actor");
        refused(get("/api/v1/audit?type=a%01b", bearer()), 400, "type", "control character in type");
        // Past the server's 16 KiB of request line and headers: refused before any route (414).
        refused(get("/api/v1/audit?actor=" + repeat('a', 100_000), bearer()), 414, "request target", "100 KB actor");
        // Malformed percent-encoding never reaches a value: refused 400 (by the server or the strict query parser).
        assertEquals(400, get("/api/v1/audit?actor=%zz", bearer()).status(), "invalid percent-encoding");
        refused(get("/api/v1/audit?actor=%C3%28", bearer()), 400, "actor", "invalid UTF-8");
        refused(get("/api/v1/audit?limit=%00", bearer()), 400, "limit", "NUL in limit");
        refused(get("/api/v1/audit?limit=99999999999999999999", bearer()), 400, "limit", "limit overflowing int");
        refused(get("/api/v1/audit?since=%00", bearer()), 400, "since", "NUL in since");
        refused(get("/api/v1/audit?actor=a&actor=b", bearer()), 400, "actor", "actor given twice");
        assertEquals(200, get("/api/v1/audit?actor=admin&type=credential.read&limit=5", bearer()).status());
        noStackTraceLogged();
    }

    @Test
    void hostileValuesOnEveryRouteAre4xxNamingWhatWasWrong() throws Exception {
        start();
        String json = "Content-Type: application/json";
        // Login: a 10 KB user name, NUL in it, a non-string password.
        refused(raw("POST /api/v1/auth/login HTTP/1.1" + headerLines(json), ("{\"username\":\"" + repeat('u', 10_000)
                + "\",\"password\":\"x\"}").getBytes(StandardCharsets.UTF_8)), 400, "username", "10 KB user name");
        Answer nul = raw("POST /api/v1/auth/login HTTP/1.1" + headerLines(json),
                "{\"username\":\"a\\u0000b\",\"password\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(401, nul.status(), nul.body());
        refused(raw("POST /api/v1/auth/login HTTP/1.1" + headerLines(json), new byte[] {'{', '"', (byte) 0xC3, '"', ':',
                '1', '}'}), 400, "JSON", "invalid UTF-8 in the body");
        // Users: a 10 KB role, control characters.
        refused(raw("POST /api/v1/users HTTP/1.1" + headerLines(json, bearer()), ("{\"username\":\"bob.b\",\"password\":"
                + "\"long-enough-password\",\"role\":\"" + repeat('r', 10_000) + "\"}").getBytes(StandardCharsets.UTF_8)),
                400, "role", "10 KB role");
        // Credentials: path segments with NUL, invalid percent-encoding, 10 KB; fields with hostile names and values.
        // An encoded NUL in the path is refused by the server before any route, naming the target.
        refused(get("/api/v1/credentials/a%00b", bearer()), 400, "path", "NUL in the app");
        refused(get("/api/v1/credentials/" + repeat('a', 10_000), bearer()), 400, "app name", "10 KB app");
        refused(get("/api/v1/credentials/%C3%28", bearer()), 400, "UTF-8", "invalid UTF-8 in the app");
        refused(raw("PUT /api/v1/credentials/billing HTTP/1.1" + headerLines(json, bearer()),
                "{\"a\\u0000b\":\"v\"}".getBytes(StandardCharsets.UTF_8)), 400, "field", "NUL in a field name");
        refused(raw("PUT /api/v1/credentials/billing HTTP/1.1" + headerLines(json, bearer()),
                ("{\"" + repeat('k', 10_000) + "\":\"v\"}").getBytes(StandardCharsets.UTF_8)), 400, "field", "10 KB field name");
        // Invented methods.
        refused(raw("FROBNICATE /api/v1/credentials/billing HTTP/1.1" + headerLines(bearer()), null), 405, "FROBNICATE",
                "invented method");
        refused(raw(repeat('M', 5000) + " /api/v1/credentials/billing HTTP/1.1" + headerLines(bearer()), null), 405,
                "not allowed", "5 KB method");
        // API keys: a hostile id.
        refused(raw("DELETE /api/v1/apikeys/%00" + repeat('k', 5000) + " HTTP/1.1" + headerLines(bearer()), null), 400,
                "path", "hostile key id");
        refused(raw("DELETE /api/v1/apikeys/" + repeat('k', 5000) + " HTTP/1.1" + headerLines(bearer()), null), 400,
                "API key id", "5 KB key id");
        // Duplicate credentials.
        refused(get("/api/v1/credentials/billing", bearer(), "Authorization: Bearer other"), 400, "Authorization",
                "two Authorization headers");
        refused(get("/api/v1/credentials/billing", "X-API-Key: ik_a", "X-API-Key: ik_b"), 400, "X-API-Key",
                "two X-API-Key headers");
        // Body limits.
        // Two Content-Length headers, or one that is not a number: the server refuses the request itself.
        assertEquals(400, raw("PUT /api/v1/credentials/billing HTTP/1.1" + headerLines(json, bearer(), "Content-Length: 5",
                "Content-Length: 7"), null).status(), "two Content-Length headers");
        assertEquals(400, raw("PUT /api/v1/credentials/billing HTTP/1.1" + headerLines(json, bearer(), "Content-Length: x"),
                null).status(), "a Content-Length that is not a number");
        // Health: hostile paths, query and methods.
        Answer health = get("/health?x=%00" + repeat('h', 5000));
        assertTrue(health.status() == 200 || health.status() == 503, health.head());
        refused(get("/health/%00" + repeat('h', 5000)), 400, "path", "hostile health path");
        refused(get("/health/" + repeat('h', 5000)), 404, "Not Found", "long health path");
        Answer unknownPath = get("/api/" + repeat('p', 100_000));
        assertEquals(414, unknownPath.status(), unknownPath.head());
        assertTrue(unknownPath.body().length() < 2000, "the answer does not echo a 100 KB path: "
                + unknownPath.body().length());
        noStackTraceLogged();
    }
}
