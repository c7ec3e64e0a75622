package dev.infrakit.examples;

import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two {@code serve --jdbc-url} instances on one PostgreSQL share the login throttle through HTTP
 * (two instances give no more guesses than one), and {@code users unlock --jdbc-url} lifts a lock
 * for both.
 */
class LoginThrottleSharedIT {
    private static final String ADMIN_PASSWORD = "admin-password-42";
    private static final String ATTACKER = "2001:db8:66:1::7";
    private TestDatabase db;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir
    Path dir;
    private DemoService a;
    private DemoService b;

    private String url() {
        return DemoHttp.jdbcUrl(EphemeralPostgres.shared(), db.name());
    }

    private DemoService start(Path keyFile, String name) throws Exception {
        return DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve(name).toString(),
                "--jdbc-url", url(), "--master-key-file", keyFile.toString(), "--audit-checkpoint-key",
                dir.resolve("audit-checkpoint.key").toString(), "--password-iterations", "1000", "--drain", "0s",
                "--trust-proxy"), Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @BeforeEach
    void instances() throws Exception {
        db = EphemeralPostgres.shared().createDatabase("login_shared");
        Path keyFile = dir.resolve("master.key");
        MasterKey.generateToFile(keyFile);
        a = start(keyFile, "a");
        b = start(keyFile, "b");
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        db.close();
    }

    private HttpResponse<String> login(DemoService instance, String from, String password) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + "/api/v1/auth/login"))
                .header("X-Forwarded-For", from).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + password + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private void guessOnBoth() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(401, login(a, ATTACKER, "guess-a" + i).statusCode());
        }
        for (int i = 0; i < 2; i++) {
            // Another address of the same /64: the same network.
            assertEquals(401, login(b, "2001:db8:66:1::" + (100 + i), "guess-b" + i).statusCode());
        }
    }

    @Test
    void twoInstancesGiveNoMoreGuessesThanOne() throws Exception {
        guessOnBoth();
        HttpResponse<String> onA = login(a, ATTACKER, ADMIN_PASSWORD);
        HttpResponse<String> onB = login(b, ATTACKER, ADMIN_PASSWORD);
        assertEquals(429, onA.statusCode(), "5 guesses over two instances lock the network");
        assertEquals(429, onB.statusCode());
        assertTrue(onA.headers().firstValue("Retry-After").isPresent());
        assertEquals(200, login(b, "192.0.2.50", ADMIN_PASSWORD).statusCode(), "the real admin from elsewhere");
    }

    @Test
    void usersUnlockOnTheCommandLineLiftsTheLockForEveryInstance() throws Exception {
        guessOnBoth();
        assertEquals(429, login(a, ATTACKER, ADMIN_PASSWORD).statusCode());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path masterKey = dir.resolve("master.key");
        int code = Main.run(List.of("users", "unlock", "--jdbc-url", url(), "--master-key-file", masterKey.toString(),
                "--address", "2001:db8:66:1::1", "Admin"),
                Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertEquals("unlocked admin for 2001:db8:66:1::/64", out.toString(StandardCharsets.UTF_8).strip());
        assertTrue(!out.toString(StandardCharsets.UTF_8).contains(EphemeralPostgres.shared().password())
                && !err.toString(StandardCharsets.UTF_8).contains(EphemeralPostgres.shared().password()));
        assertEquals(200, login(b, ATTACKER, ADMIN_PASSWORD).statusCode());
        assertEquals(200, login(a, ATTACKER, ADMIN_PASSWORD).statusCode());
        // Recorded before and after, in the service's audit table, by the operator.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
             java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT outcome, actor_id FROM infrakit_audit WHERE type = 'user.unlocked' "
                     + "AND resource_id = 'admin' ORDER BY seq")) {
            List<String> rows = new java.util.ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2));
            }
            assertEquals(List.of("PENDING cli:" + System.getProperty("user.name"), "SUCCESS cli:" + System.getProperty("user.name")),
                    rows);
        }
    }

    @Test
    void usersUnlockUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, Main.run(List.of("users", "unlock", "--address", "192.0.2.1", "admin"), Map.of(), quiet, errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("needs --jdbc-url"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, Main.run(List.of("users", "unlock", "--jdbc-url", url(), "--address", "db.example", "admin"),
                Map.of(), quiet, errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--address: not an IP address"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(2, Main.run(List.of("users", "unlock", "--jdbc-url", url(), "admin"), Map.of(), quiet, errStream));
        assertEquals(2, Main.run(List.of("users", "unlock", "--jdbc-url", url(), "--address", "192.0.2.1"), Map.of(),
                quiet, errStream));
        assertEquals(2, Main.run(List.of("users", "lock"), Map.of(), quiet, errStream));
    }
}
