package dev.infrakit.examples;

import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code /metrics} passes {@code promtool check metrics} (Prometheus' own linter: names, units,
 * suffixes, a HELP text for every metric) with no complaint, on embedded defaults and on PostgreSQL
 * after a backup (the pool's and the backup runner's meters). promtool comes with Debian's
 * {@code prometheus} package, which {@code .ci/run} installs; without it this test fails, it never
 * skips.
 */
class PromtoolIT {
    private static final String ADMIN_PASSWORD = "admin-password-promtool";

    private static DemoService start(Path data, Map<String, String> env, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0ms"));
        args.addAll(List.of(flags));
        Map<String, String> environment = new HashMap<>(env);
        environment.put("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD);
        return DemoService.start(ServeCommand.settings(args, environment),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    /** A login, a refused request, a route with an id, an invented method: each kind of series once. */
    private static void exercise(DemoService service) throws Exception {
        String admin = DemoHttp.login(service.port(), "admin", ADMIN_PASSWORD);
        assertEquals(401, DemoHttp.call(service.port(), "GET", "/api/v1/credentials", null, null).statusCode());
        assertEquals(401, DemoHttp.call(service.port(), "POST", "/api/v1/auth/login", null,
                "{\"username\":\"admin\",\"password\":\"wrong-password\"}").statusCode());
        assertEquals(201, DemoHttp.call(service.port(), "PUT", "/api/v1/credentials/billing-db", admin,
                "{\"username\":\"billing\",\"password\":\"db-secret-1\"}").statusCode());
        assertEquals(200, DemoHttp.call(service.port(), "GET", "/api/v1/credentials/billing-db", admin, null)
                .statusCode());
        DemoHttp.call(service.port(), "BREW", "/api/v1/credentials", admin, null);
        assertEquals(200, DemoHttp.call(service.port(), "GET", "/health", null, null).statusCode());
    }

    private static String scrape(DemoService service) throws Exception {
        HttpResponse<String> metrics = DemoHttp.call(service.port(), "GET", "/metrics", null, null);
        assertEquals(200, metrics.statusCode());
        return metrics.body();
    }

    @Test
    void theMetricsOfTheDemoOnEmbeddedDefaultsPassPromtool(@TempDir Path data) throws Exception {
        try (DemoService service = start(data, Map.of())) {
            exercise(service);
            String metrics = scrape(service);
            for (String name : List.of("http_server_requests_seconds_count", "process_cpu_seconds_total",
                    "system_cpus_available", "infrakit_audit_events_total", "infrakit_ratelimit_decisions_total",
                    "jvm_memory_used_bytes")) {
                assertTrue(metrics.contains("\n" + name), name + " is in the scrape promtool checks");
            }
            assertPromtoolAccepts(metrics);
        }
    }

    @Test
    void theMetricsOfTheDemoOnPostgresqlAfterABackupPassPromtool(@TempDir Path data, @TempDir Path repo)
            throws Exception {
        try (EphemeralPostgres server = EphemeralPostgres.builder().start()) {
            TestDatabase db = server.createDatabase("promtool");
            try (DemoService service = start(data, Map.of("INFRAKIT_MASTER_KEY", MasterKey.generate().toBase64()),
                    "--jdbc-url", DemoHttp.jdbcUrl(server, db.name()),
                    "--backup-repo", repo.toString(), "--backup-every", "1h")) {
                exercise(service);
                // No backup in the repository: the demo takes one at start.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                Pattern succeeded = Pattern.compile("infrakit_backup_runs_total\\{result=\"success\"[^}]*} 1\\.0");
                String metrics = scrape(service);
                while (!succeeded.matcher(metrics).find()) {
                    if (System.nanoTime() > deadline) {
                        fail("no backup within 60 s: " + metrics);
                    }
                    Thread.sleep(100);
                    metrics = scrape(service);
                }
                for (String name : List.of("# HELP infrakit_backup_runs_total", "# HELP infrakit_backup_last_success_seconds",
                        "# HELP infrakit_backup_last_duration_seconds", "# HELP infrakit_backup_last_size_bytes",
                        "# HELP hikaricp_connections_active")) {
                    assertTrue(metrics.contains(name), name + " is in the scrape promtool checks");
                }
                assertPromtoolAccepts(metrics);
            }
        }
    }

    /** Runs {@code promtool check metrics} with {@code metrics} on its stdin: exit 0 and no output. */
    private static void assertPromtoolAccepts(String metrics) throws Exception {
        Process promtool = new ProcessBuilder(promtool().toString(), "check", "metrics").redirectErrorStream(true)
                .start();
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readAll(promtool.getInputStream()));
        try (OutputStream in = promtool.getOutputStream()) {
            in.write(metrics.getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(promtool.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        String said = new String(output.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        assertEquals("", said, "promtool's complaints");
        assertEquals(0, promtool.exitValue(), said);
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** promtool on the PATH; its absence fails the test (CI or not), naming the package to install. */
    private static Path promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("promtool is not on the PATH: install Debian's prometheus package (apt-get install prometheus; "
                + ".ci/run does so), or put Prometheus' promtool on the PATH");
    }
}
