package dev.infrakit.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CopyOnWriteArrayList;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two instances of the demo on one PostgreSQL with one master key: tokens, credentials and rate
 * limits are shared; readiness follows the database.
 */
class DemoServicePostgresIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MASTER = MasterKey.generate().toBase64();
    private static EphemeralPostgres server;
    private static TestDatabase db;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startServer() {
        server = EphemeralPostgres.builder().start();
        db = server.createDatabase("demo");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static String url() {
        return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + db.name() + "?user=" + server.username()
                + "&password=" + server.password();
    }

    private static DemoService start(Path data, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--data-dir", data.toString(), "--password-iterations",
                "1000", "--drain", "200ms", "--jdbc-url", url()));
        args.addAll(List.of(flags));
        return DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42",
                "INFRAKIT_MASTER_KEY", MASTER)), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private HttpResponse<String> call(DemoService s, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twoInstancesActAsOne(@TempDir Path a, @TempDir Path b) throws Exception {
        DemoService one = start(a, "--rate-anonymous", "3/15m");
        DemoService two = start(b, "--rate-anonymous", "3/15m");
        try {
            String token = JSON.readTree(call(one, "POST", "/api/v1/auth/login", null,
                    "{\"username\":\"admin\",\"password\":\"admin-password-42\"}").body()).get("accessToken").asText();
            assertEquals(201, call(one, "PUT", "/api/v1/credentials/shared", token, "{\"password\":\"one\"}")
                    .statusCode());
            HttpResponse<String> read = call(two, "GET", "/api/v1/credentials/shared", token, null);
            assertEquals(200, read.statusCode(), "a token issued by one instance is accepted by the other");
            assertEquals("one", JSON.readTree(read.body()).get("credentials").get("password").asText());
            assertEquals(200, call(one, "PUT", "/api/v1/credentials/shared", token, "{\"password\":\"two\"}")
                    .statusCode());
            long deadline = System.nanoTime() + 1_000_000_000L;
            String seen = null;
            while (System.nanoTime() < deadline && !"two".equals(seen)) {
                seen = JSON.readTree(call(two, "GET", "/api/v1/credentials/shared", token, null).body())
                        .get("credentials").get("password").asText();
            }
            assertEquals("two", seen, "a write through one instance is read through the other within 1 s");

            List<Integer> anonymous = new ArrayList<>();
            for (DemoService s : List.of(one, one, two, two)) {
                anonymous.add(call(s, "GET", "/api/v1/credentials", null, null).statusCode());
            }
            // 3 per window for this address: the anonymous login and two requests on the first instance
            // use them up, so the second instance refuses at once: the budget is global.
            assertEquals(List.of(401, 401, 429, 429), anonymous, "the anonymous budget is global");

            assertTrue(call(two, "GET", "/api/v1/audit?limit=200", token, null).body().contains("credential.write"),
                    "the audit trail is shared too");
        } finally {
            one.close();
            two.close();
        }
    }

    @Test
    void aCatchUpBackupRunsAtStartAndReadinessFollowsTheDatabase(@TempDir Path data, @TempDir Path repo)
            throws Exception {
        DemoService service = start(data, "--backup-repo", repo.toString(), "--backup-every", "1h");
        try {
            HttpResponse<String> health = call(service, "GET", "/health", null, null);
            assertEquals(200, health.statusCode(), "a missing backup degrades, never fails: " + health.body());
            // No backup in the repository: one is taken at once, and the freshness check then passes.
            long deadline = System.nanoTime() + 60_000_000_000L;
            String metrics = "";
            java.util.regex.Pattern succeeded = java.util.regex.Pattern.compile(
                    "infrakit_backup_runs_total\\{result=\"success\"[^}]*} 1\\.0");
            while (System.nanoTime() < deadline && !succeeded.matcher(metrics).find()) {
                metrics = call(service, "GET", "/metrics", null, null).body();
                Thread.sleep(100);
            }
            assertTrue(succeeded.matcher(metrics).find(), metrics);
            assertTrue(metrics.contains("hikaricp_connections_active{pool=\"infrakit-demo\"}"), "pool metrics");
            assertTrue(metrics.contains("infrakit_backup_last_success"), "backup age metric");
            HttpResponse<String> after = call(service, "GET", "/health", null, null);
            assertTrue(after.body().contains("\"status\":\"pass\""), after.body());

            assertEquals(200, call(service, "GET", "/health/ready", null, null).statusCode());
            server.stop();
            try {
                assertEquals(503, call(service, "GET", "/health/ready", null, null).statusCode(), "the database is down");
                assertEquals(200, call(service, "GET", "/health/live", null, null).statusCode());
            } finally {
                server.start();
            }
            long back = System.nanoTime() + 20_000_000_000L;
            int status = 0;
            while (System.nanoTime() < back && status != 200) {
                status = call(service, "GET", "/health/ready", null, null).statusCode();
                Thread.sleep(200);
            }
            assertEquals(200, status, "ready again once the database is back");
        } finally {
            service.close();
        }
    }

    @Test
    void aFailedBackupIsPostedToTheWebhookAndCounted(@TempDir Path data, @TempDir Path repo) throws Exception {
        // The service's own login may not read a table someone else created: pg_dump fails.
        try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
            st.execute("CREATE ROLE svc LOGIN PASSWORD 'svc-password'");
            st.execute("CREATE DATABASE svcdb OWNER svc");
        }
        try (Connection c = java.sql.DriverManager.getConnection(server.jdbcUrl("svcdb"), server.username(),
                server.password()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE not_yours (x int)");
        }
        List<String> posts = new CopyOnWriteArrayList<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                posts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        hook.start();
        List<String> args = new ArrayList<>(List.of("--port", "0", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0s", "--jdbc-url", "jdbc:postgresql://" + server.host()
                        + ":" + server.port() + "/svcdb?user=svc&password=svc-password", "--backup-repo",
                repo.toString(), "--alert-webhook", "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"));
        DemoService service = DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD",
                "admin-password-42", "INFRAKIT_MASTER_KEY", MASTER)), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (posts.stream().noneMatch(p -> p.contains("not_yours")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(posts.stream().anyMatch(p -> p.contains("not_yours")), "the failure and its reason were posted: "
                    + posts);
            assertTrue(posts.stream().noneMatch(p -> p.contains("svc-password")), "no password in a notification");
            String metrics = call(service, "GET", "/metrics", null, null).body();
            assertTrue(metrics.matches("(?s).*infrakit_backup_runs_total\\{result=\"failure\"[^}]*} 1\\.0.*"), metrics);
            HttpResponse<String> health = call(service, "GET", "/health", null, null);
            assertEquals(200, health.statusCode(), "no verified backup: a warning: " + health.body());
            assertTrue(health.body().contains("\"status\":\"warn\""), health.body());
        } finally {
            service.close();
            hook.stop(0);
        }
    }
}
