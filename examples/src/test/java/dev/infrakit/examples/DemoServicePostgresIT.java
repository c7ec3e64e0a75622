package dev.infrakit.examples;

import dev.infrakit.core.fixtures.ManualScheduler;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--password-iterations",
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

    /**
     * Issue "accounts" item 5: revocations are honoured within 1 s or not at all. While the database
     * is down a token cannot be checked against them, so it is refused with 503 and Retry-After (not
     * let through on an old list, not a 401 that would send the client to log in), and accepted
     * again once the database is back.
     */
    @Test
    void whileRevocationsCannotBeReadTokensAreRefusedWith503(@TempDir Path data) throws Exception {
        DemoService service = start(data);
        try {
            String admin = DemoHttp.login(service.port(), "admin", "admin-password-42");
            assertEquals(200, call(service, "GET", "/api/v1/credentials", admin, null).statusCode());
            server.stop();
            try {
                Thread.sleep(1100); // the list read before the stop is now older than 1 s
                HttpResponse<String> r = call(service, "GET", "/api/v1/credentials", admin, null);
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), r.headers().toString());
                assertTrue(r.body().contains("cannot be checked"), r.body());
            } finally {
                server.start();
            }
            long back = System.nanoTime() + 20_000_000_000L;
            int status = 0;
            while (System.nanoTime() < back && status != 200) {
                status = call(service, "GET", "/api/v1/credentials", admin, null).statusCode();
                Thread.sleep(200);
            }
            assertEquals(200, status, "accepted again once the database is back");
        } finally {
            service.close();
        }
    }

    /**
     * Nine scheduled backups over three days (every 6 h from 2026-03-01T00:30Z, a Sunday, ISO week 9;
     * then 03-02 and 03-03, week 10), run by the service's own schedule on a scheduler the test drives.
     * Returns the start times of the backups left in the repository, oldest first.
     */
    private static List<java.time.Instant> nineScheduledBackups(Path data, Path repo, String... flags) throws Exception {
        dev.infrakit.core.ManualClock clock = dev.infrakit.core.ManualClock.at(java.time.Instant.parse(
                "2026-03-01T00:30:00Z"));
        ManualScheduler scheduler = new ManualScheduler(clock);
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--password-iterations",
                "1000", "--drain", "200ms", "--jdbc-url", url(), "--backup-repo", repo.toString(), "--backup-every", "6h"));
        args.addAll(List.of(flags));
        DemoService.Settings settings = ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD",
                "admin-password-42", "INFRAKIT_MASTER_KEY", MASTER));
        settings.backupClock = clock;
        settings.backupExecutor = scheduler;
        DemoService service = DemoService.start(settings, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)); // the catch-up backup runs at once, at 00:30
        try {
            scheduler.advance(java.time.Duration.ofHours(48)); // 8 scheduled runs, the last at 03-03T00:30
        } finally {
            service.close();
        }
        List<dev.infrakit.backup.Manifest> all = dev.infrakit.backup.LocalBackupRepository.open(repo).list();
        assertTrue(all.stream().allMatch(m -> m.status() == dev.infrakit.backup.BackupStatus.VERIFIED), all.toString());
        return all.stream().map(dev.infrakit.backup.Manifest::started).sorted().toList();
    }

    @Test
    void scheduledBackupsDeleteNothingWithoutBackupRetention(@TempDir Path data, @TempDir Path repo) throws Exception {
        List<java.time.Instant> kept = nineScheduledBackups(data, repo);
        assertEquals(9, kept.size(), "every scheduled backup is kept: " + kept);
        assertEquals(java.time.Instant.parse("2026-03-01T00:30:00Z"), kept.get(0));
        assertEquals(java.time.Instant.parse("2026-03-03T00:30:00Z"), kept.get(8));
    }

    @Test
    void backupRetentionKeepsTheNamedDailyAndWeeklyBackups(@TempDir Path data, @TempDir Path repo) throws Exception {
        List<java.time.Instant> kept = nineScheduledBackups(data, repo, "--backup-retention", "weekly=2,daily=2");
        // daily=2: the newest of 03-03 and of 03-02; weekly=2: also the newest of ISO week 9 (03-01).
        assertEquals(List.of(java.time.Instant.parse("2026-03-01T18:30:00Z"), java.time.Instant.parse(
                "2026-03-02T18:30:00Z"), java.time.Instant.parse("2026-03-03T00:30:00Z")), kept);
    }

    @Test
    void badBackupRetentionValuesExit2NamingTheProblem(@TempDir Path data, @TempDir Path repo) {
        Map<String, String> env = Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42", "INFRAKIT_MASTER_KEY", MASTER);
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("daily=7,hourly=24", "unknown count 'hourly'");
        bad.put("daily=7,daily=3", "daily was already set to 7");
        bad.put("daily=-1", "daily is a whole number 0 to 10000, got '-1'");
        bad.put("weekly=many", "weekly is a whole number 0 to 10000, got 'many'");
        bad.put("7", "'7' is not name=N");
        bad.put("daily=7,", "'' is not name=N");
        bad.put("daily=0", "would keep only the newest backup");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(List.of("serve", "--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--jdbc-url", url(),
                    "--backup-repo", repo.toString(), "--backup-retention", e.getKey()), env,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String said = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, code, e.getKey() + ": " + said);
            assertTrue(said.contains("--backup-retention") && said.contains(e.getValue()), e.getKey() + ": " + said);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, Main.run(List.of("serve", "--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--jdbc-url", url(),
                "--backup-retention", "daily=7"), env, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("it needs --backup-repo"), err.toString(
                StandardCharsets.UTF_8));
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
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
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

    /**
     * Issue "accounts" item 6 on PostgreSQL: API key rows are authenticated under the master key,
     * so someone with SQL access to the table (not the key) raising a key's roles or clearing its
     * revocation gets the key refused (401), not an admin key or a key back.
     */
    @Test
    void apiKeyRowsEditedInSqlAreRefused(@TempDir Path data) throws Exception {
        DemoService service = start(data);
        try {
            String admin = DemoHttp.login(service.port(), "admin", "admin-password-42");
            assertEquals(201, call(service, "POST", "/api/v1/users", admin,
                    "{\"username\":\"ivan\",\"password\":\"ivan-password-1\"}").statusCode());
            String ivan = DemoHttp.login(service.port(), "ivan", "ivan-password-1");
            List<String> keys = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> created = call(service, "POST", "/api/v1/apikeys", ivan, null);
                assertEquals(201, created.statusCode(), created.body());
                keys.add(DemoHttp.JSON.readTree(created.body()).get("key").asText());
                ids.add(DemoHttp.JSON.readTree(created.body()).get("id").asText());
            }
            assertEquals(403, call(service, "GET", "/api/v1/audit", keys.get(0), null).statusCode());
            sql(db.name(), "UPDATE infrakit_api_key SET roles = '{admin}' WHERE key_id = '" + ids.get(0) + "'");
            assertEquals(401, call(service, "GET", "/api/v1/audit", keys.get(0), null).statusCode(), "no admin key");

            assertEquals(204, call(service, "DELETE", "/api/v1/apikeys/" + ids.get(1), ivan, null).statusCode());
            sql(db.name(), "UPDATE infrakit_api_key SET revoked_at = NULL WHERE key_id = '" + ids.get(1) + "'");
            assertEquals(401, call(service, "GET", "/api/v1/credentials", keys.get(1), null).statusCode(),
                    "a revocation cleared in SQL does not bring the key back");
            assertEquals(200, call(service, "GET", "/api/v1/credentials", ivan, null).statusCode());
        } finally {
            service.close();
        }
    }

    /** Runs {@code sql} on {@code database} as the server's owner. */
    private static void sql(String database, String sql) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(server.jdbcUrl(database), server.username(),
                server.password()); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The values of the first column {@code query} returns on {@code database}. */
    private static java.util.Set<String> strings(String database, String query) throws Exception {
        java.util.Set<String> out = new java.util.TreeSet<>();
        try (Connection c = java.sql.DriverManager.getConnection(server.jdbcUrl(database), server.username(),
                server.password()); Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** PUTs {@code count} credentials {@code prefix0..} at once; the answers by credential name. */
    private static Map<String, HttpResponse<String>> putAtOnce(DemoService service, String token, String prefix, int count)
            throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(count);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            Map<String, java.util.concurrent.Future<HttpResponse<String>>> futures = new java.util.TreeMap<>();
            for (int i = 0; i < count; i++) {
                String app = prefix + i;
                futures.put("apps/" + app, pool.submit(() -> {
                    go.await();
                    return call(service, "PUT", "/api/v1/credentials/" + app, token, "{\"password\":\"v-" + app + "\"}");
                }));
            }
            go.countDown();
            Map<String, HttpResponse<String>> answers = new java.util.TreeMap<>();
            for (Map.Entry<String, java.util.concurrent.Future<HttpResponse<String>>> f : futures.entrySet()) {
                answers.put(f.getKey(), f.getValue().get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertAuditUnavailable(HttpResponse<String> r, String what) {
        assertEquals(503, r.statusCode(), what + ": " + r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow(), what);
        assertEquals("5", r.headers().firstValue("Retry-After").orElse(null), what);
        assertTrue(r.body().contains("Audit unavailable"), what + ": " + r.body());
    }

    /**
     * The audit table refuses inserts: a write is answered 503 and never committed, or it was recorded
     * as PENDING first and then answered as done; readiness is DOWN until the audit records again.
     * (Before writes were recorded first, they answered 500 and were committed without any record.)
     */
    @Test
    void whileTheAuditTableRefusesInsertsNoWriteIsCommittedUnauditedAndReadinessIsDown(@TempDir Path data,
            @TempDir Path keys) throws Exception {
        String database = server.createDatabase("auditdown").name();
        Path keyFile = keys.resolve("master.key");
        java.nio.file.Files.writeString(keyFile, MASTER);
        java.nio.file.Files.setPosixFilePermissions(keyFile, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rw-------")); // a master key file others can read is refused
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--password-iterations",
                "1000", "--drain", "0s", "--jdbc-url", DemoHttp.jdbcUrl(server, database), "--master-key-file",
                keyFile.toString()));
        DemoService service = DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD",
                "admin-password-42")), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            String admin = DemoHttp.login(service.port(), "admin", "admin-password-42");
            assertEquals(201, call(service, "PUT", "/api/v1/credentials/existing", admin, "{\"password\":\"kept-1\"}")
                    .statusCode());
            assertEquals(200, call(service, "GET", "/health/ready", null, null).statusCode());

            // Every insert refused: every write is refused before it reaches the store.
            sql(database, "ALTER TABLE infrakit_audit ADD CONSTRAINT audit_refuses CHECK (false) NOT VALID");
            Map<String, HttpResponse<String>> refused = putAtOnce(service, admin, "refused-", 30);
            for (Map.Entry<String, HttpResponse<String>> a : refused.entrySet()) {
                assertAuditUnavailable(a.getValue(), "PUT " + a.getKey());
            }
            assertEquals(java.util.Set.of(), strings(database,
                    "SELECT name FROM infrakit_credential WHERE name LIKE 'apps/refused-%'"), "a refused write changed the store");
            HttpResponse<String> read = call(service, "GET", "/api/v1/credentials/existing", admin, null);
            assertAuditUnavailable(read, "a read that cannot be audited");
            assertFalse(read.body().contains("kept-1"), "no value served unaudited");
            assertAuditUnavailable(call(service, "DELETE", "/api/v1/credentials/existing", admin, null), "DELETE");
            assertEquals(java.util.Set.of("apps/existing"), strings(database,
                    "SELECT name FROM infrakit_credential WHERE name = 'apps/existing'"), "the refused delete kept it");
            assertAuditUnavailable(call(service, "POST", "/api/v1/users", admin,
                    "{\"username\":\"dora\",\"password\":\"dora-password-1\"}"), "POST /users");
            assertEquals(java.util.Set.of(), strings(database,
                    "SELECT name FROM infrakit_credential WHERE name = 'users/dora'"), "no account created unaudited");
            assertAuditUnavailable(call(service, "POST", "/api/v1/auth/login", null,
                    "{\"username\":\"admin\",\"password\":\"admin-password-42\"}"), "a valid login");
            assertAuditUnavailable(call(service, "GET", "/api/v1/credentials", "not.a.token", null),
                    "a refused token whose refusal cannot be recorded");
            HttpResponse<String> ready = call(service, "GET", "/health/ready", null, null);
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("audit-postgres"), ready.body());
            assertEquals(503, call(service, "GET", "/health", null, null).statusCode());
            assertEquals(200, call(service, "GET", "/health/live", null, null).statusCode());

            // Only outcomes refused: PENDING events alone in a batch commit, so some writes take effect
            // (and are answered as done); a batch mixing them with outcomes is refused whole (503).
            sql(database, "ALTER TABLE infrakit_audit DROP CONSTRAINT audit_refuses");
            sql(database, "ALTER TABLE infrakit_audit ADD CONSTRAINT audit_refuses CHECK (outcome <> 'SUCCESS') NOT VALID");
            Map<String, HttpResponse<String>> mixed = putAtOnce(service, admin, "mixed-", 30);
            java.util.Set<String> stored = strings(database,
                    "SELECT name FROM infrakit_credential WHERE name LIKE 'apps/mixed-%'");
            for (Map.Entry<String, HttpResponse<String>> a : mixed.entrySet()) {
                HttpResponse<String> r = a.getValue();
                if (r.statusCode() == 503) {
                    assertAuditUnavailable(r, "PUT " + a.getKey());
                    assertFalse(stored.contains(a.getKey()), a.getKey() + " answered 503 but changed the store");
                } else {
                    assertEquals(201, r.statusCode(), "PUT " + a.getKey() + ": " + r.body());
                    assertTrue(stored.contains(a.getKey()), a.getKey() + " answered 201 but is not stored");
                }
            }
            assertFalse(stored.isEmpty(), "the first batch holds PENDING events only: those writes took effect");

            // The audit records again: readiness recovers after the next committed batch.
            sql(database, "ALTER TABLE infrakit_audit DROP CONSTRAINT audit_refuses");
            long deadline = System.nanoTime() + 20_000_000_000L;
            int status = 0;
            while (System.nanoTime() < deadline && status != 200) {
                call(service, "GET", "/api/v1/credentials", admin, null); // an audited request
                status = call(service, "GET", "/health/ready", null, null).statusCode();
                if (status != 200) {
                    Thread.sleep(100);
                }
            }
            assertEquals(200, status, "ready again once events are recorded");
            assertEquals(200, call(service, "GET", "/api/v1/credentials/existing", admin, null).statusCode());

            // Every write that changed the store has its PENDING event, recorded before the change.
            java.util.Set<String> pending = strings(database, "SELECT resource_id FROM infrakit_audit WHERE "
                    + "type = 'credential.write' AND outcome = 'PENDING' AND resource_id LIKE 'apps/%-%'");
            java.util.Set<String> changed = strings(database,
                    "SELECT name FROM infrakit_credential WHERE name LIKE 'apps/%-%'");
            assertEquals(stored, changed);
            assertTrue(pending.containsAll(changed), "changed without a PENDING event: " + changed + " vs " + pending);
        } finally {
            sql(database, "ALTER TABLE infrakit_audit DROP CONSTRAINT IF EXISTS audit_refuses");
            service.close();
        }
        // Refused batches left no gap: the chain verifies.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(List.of("audit", "verify", "--jdbc-url", DemoHttp.jdbcUrl(server, database),
                "--master-key-file", keyFile.toString()), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
    }
}
