package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue item 4 end to end: hostile login names (NUL and other characters PostgreSQL or UTF-8
 * cannot hold as they are) sent while an admin writes credentials on PostgreSQL. Before the fix a
 * NUL failed the audit batch it shared with other users' events: 12 of 30 concurrent writes
 * answered 500 although committed, unaudited. Now every write answers 200 and has its audit
 * record, every hostile login is refused (401) and recorded, and the table verifies.
 */
class DemoAuditIntegrityIT {
    private static final String MASTER = MasterKey.generate().toBase64();
    private static final EphemeralPostgres server = EphemeralPostgres.shared();
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = server.createDatabase("audit_integrity");
    }

    @AfterAll
    static void dropDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void hostileLoginNamesLoseNobodysAuditRecords(@TempDir Path data) throws Exception {
        DemoService service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir",
                data.toString(), "--password-iterations", "1000", "--drain", "0s", "--rate-anonymous", "1000/15m",
                "--rate-admin", "1000/15m", "--jdbc-url", DemoHttp.jdbcUrl(server, db.name())),
                Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42", "INFRAKIT_MASTER_KEY", MASTER)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        List<String> hostile = List.of("n\\u0000x", "\\u0000", "a\\ud800b", "\\udc00", "x\\u001by", "\\u202e-admin",
                "\\ufffe", "e\\u0301");
        int writes = 30;
        int refusedLogins = 0;
        try {
            String admin = DemoHttp.login(service.port(), "admin", "admin-password-42");
            ExecutorService threads = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> answers = new ArrayList<>();
                for (int i = 0; i < writes; i++) {
                    int n = i;
                    answers.add(threads.submit(() -> DemoHttp.call(service.port(), "PUT", "/api/v1/credentials/app-" + n,
                            admin, "{\"password\":\"value-" + n + "\"}").statusCode()));
                    String name = hostile.get(i % hostile.size());
                    answers.add(threads.submit(() -> {
                        HttpResponse<String> r = DemoHttp.call(service.port(), "POST", "/api/v1/auth/login", null,
                                "{\"username\":\"" + name + "\",\"password\":\"whatever\"}");
                        // A name that is nothing but control characters is no name at all: 400, named.
                        boolean blank = name.equals("\\u0000"); // JSON text: the escape of one NUL
                        assertTrue(blank ? r.statusCode() == 400 && r.body().contains("username")
                                : r.statusCode() == 401 || r.statusCode() == 429, name + ": " + r.statusCode() + " " + r.body());
                        return -r.statusCode();
                    }));
                }
                for (Future<Integer> answer : answers) {
                    int code = answer.get();
                    refusedLogins += code == -401 || code == -429 ? 1 : 0;
                    assertTrue(code == 200 || code == 201 || code == -400 || code == -401 || code == -429,
                            "a write answers 200 or 201, a hostile login 401 (or 429 once locked); got " + code);
                }
            } finally {
                threads.shutdownNow();
            }
            HttpResponse<String> trail = DemoHttp.call(service.port(), "GET", "/api/v1/audit?type=credential.write&limit=200",
                    admin, null);
            assertEquals(200, trail.statusCode(), trail.body());
            int written = 0;
            for (JsonNode event : DemoHttp.JSON.readTree(trail.body()).get("events")) {
                if ("SUCCESS".equals(event.path("outcome").asText())) {
                    written++;
                }
            }
            assertEquals(writes, written, "every committed write has its audit record");
        } finally {
            service.close();
        }
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM infrakit_audit WHERE type = 'login.failed'")) {
            rs.next();
            assertTrue(refusedLogins >= 20, "most names are login attempts: " + refusedLogins);
            assertEquals(refusedLogins, rs.getInt(1), "every refused hostile login is recorded");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(List.of("audit", "verify", "--jdbc-url", DemoHttp.jdbcUrl(server, db.name()), "--master-key-file",
                writeMasterKey(data).toString(), "--checkpoint-public-key", data.resolve("audit-checkpoint.pub").toString()),
                Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(),
                        true, StandardCharsets.UTF_8));
        assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
    }

    private static Path writeMasterKey(Path dir) throws Exception {
        Path file = dir.resolve("verify-master.key");
        java.nio.file.Files.writeString(file, MASTER);
        java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rw-------")); // a master key file others can read is refused
        return file;
    }
}
