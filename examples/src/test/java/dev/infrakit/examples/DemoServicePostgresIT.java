package dev.infrakit.examples;

import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.Statement;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo on PostgreSQL: readiness follows the database, backups are taken at start and on schedule,
 * and a failed backup is counted and posted to the webhook. Several instances: {@link MultiInstanceIT}.
 */
class DemoServicePostgresIT {
    private static final String MASTER = MasterKey.generate().toBase64();
    private static EphemeralPostgres server;
    private static TestDatabase db;

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
        return DemoHttp.jdbcUrl(server, db.name());
    }

    private static DemoService start(Path data, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--data-dir", data.toString(), "--password-iterations",
                "1000", "--drain", "200ms", "--jdbc-url", url()));
        args.addAll(List.of(flags));
        return DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42",
                "INFRAKIT_MASTER_KEY", MASTER)), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> call(DemoService s, String method, String path, String token, String body)
            throws Exception {
        return DemoHttp.call(s.port(), method, path, token, body);
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
        DemoHttp.WebhookReceiver hook = new DemoHttp.WebhookReceiver();
        List<String> posts = hook.posts;
        List<String> args = new ArrayList<>(List.of("--port", "0", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0s", "--jdbc-url", "jdbc:postgresql://" + server.host()
                        + ":" + server.port() + "/svcdb?user=svc&password=svc-password", "--backup-repo",
                repo.toString(), "--alert-webhook", hook.url()));
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
            hook.close();
        }
    }
}
