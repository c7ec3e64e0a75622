package dev.infrakit.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin password on an existing data directory: INFRAKIT_ADMIN_PASSWORD ignored is said at
 * start, and {@code admin reset-password} (offline, through the command line) replaces a lost one.
 */
class AdminPasswordIT {
    private static final String OLD = "first-admin-" + "password-1";
    private static final String NEW = "reset-admin-" + "password-2";
    @TempDir
    Path data;

    private DemoService start(ByteArrayOutputStream stdout) throws IOException {
        return DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0ms"), Map.of("INFRAKIT_ADMIN_PASSWORD", OLD)),
                new PrintStream(stdout, true, StandardCharsets.UTF_8));
    }

    private int login(DemoService service, String password) throws Exception {
        HttpResponse<String> r = DemoHttp.call(service.port(), "POST", "/api/v1/auth/login", null,
                "{\"username\":\"admin\",\"password\":\"" + password + "\"}");
        return r.statusCode();
    }

    private static CliRun cli(String stdin, String... args) {
        return CliRun.run(Map.of(), stdin, args);
    }

    @Test
    void aResetPasswordReplacesTheOldOneIsAuditedAndNeverShown() throws Exception {
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        try (DemoService service = start(first)) {
            assertEquals(200, login(service, OLD));
            // Not while the service runs: its audit files have one writer.
            CliRun running = cli(NEW + "\n", "admin", "reset-password", "--data-dir", data.toString());
            assertEquals(1, running.code(), running.err());
            assertTrue(running.err().contains("is in use by a running service"), running.err());
            assertEquals(200, login(service, OLD));
        }
        assertFalse(first.toString(StandardCharsets.UTF_8).contains("ignored"), first.toString(StandardCharsets.UTF_8));

        CliRun shortOne = cli("eleven-char\n", "admin", "reset-password", "--data-dir", data.toString());
        assertEquals(2, shortOne.code(), shortOne.err());
        assertTrue(shortOne.err().contains("A password has 12 to 1024 characters."), shortOne.err());
        assertFalse(shortOne.err().contains("eleven-char") || shortOne.out().contains("eleven-char"));

        CliRun reset = cli(NEW + "\n", "admin", "reset-password", "--data-dir", data.toString());
        assertEquals(0, reset.code(), reset.err());
        assertTrue(reset.out().contains("admin password reset"), reset.out());
        assertFalse((reset.out() + reset.err()).contains(NEW));

        ByteArrayOutputStream second = new ByteArrayOutputStream();
        try (DemoService service = start(second)) {
            String said = second.toString(StandardCharsets.UTF_8);
            assertTrue(said.contains("INFRAKIT_ADMIN_PASSWORD is set but ignored: the admin account exists"), said);
            assertFalse(said.contains(OLD), said);
            assertEquals(401, login(service, OLD));
            assertEquals(200, login(service, NEW));
        }

        CliRun verify = cli("", "audit", "verify", "--data-dir", data.toString());
        assertEquals(0, verify.code(), verify.out() + verify.err());
        assertTrue(verify.out().startsWith("OK:"), verify.out());

        String audit;
        try (Stream<Path> files = Files.walk(data)) {
            audit = files.filter(Files::isRegularFile).filter(f -> !f.startsWith(data.resolve("credentials")))
                    .map(AdminPasswordIT::read).collect(Collectors.joining("\n"));
        }
        assertFalse(audit.contains(NEW) || audit.contains(OLD), "a password in the data directory's plain files");
        List<String> resets = audit.lines().filter(l -> l.contains("\"user.password-reset\"")).toList();
        assertEquals(2, resets.size(), resets.toString());
        assertTrue(resets.get(0).contains("PENDING"), resets.get(0));
        assertTrue(resets.get(1).contains("SUCCESS") && resets.get(1).contains("pending_id"), resets.get(1));
    }

    @Test
    void onPostgresTheResetIsInTheServicesTableAndTheChainVerifies() throws Exception {
        try (dev.infrakit.testkit.TestDatabase db = dev.infrakit.testkit.EphemeralPostgres.shared()
                .createDatabase("admin_reset")) {
            String url = DemoHttp.jdbcUrl(dev.infrakit.testkit.EphemeralPostgres.shared(), db.name());
            Path key = data.resolve("master.key");
            dev.infrakit.credentials.MasterKey.generateToFile(key);
            List<String> flags = List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--jdbc-url", url,
                    "--master-key-file", key.toString(), "--password-iterations", "1000", "--drain", "0ms");
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            try (DemoService service = DemoService.start(ServeCommand.settings(flags, Map.of("INFRAKIT_ADMIN_PASSWORD",
                    OLD)), quiet)) {
                assertEquals(200, login(service, OLD));
            }
            CliRun reset = cli(NEW + "\n", "admin", "reset-password", "--jdbc-url", url, "--master-key-file",
                    key.toString());
            assertEquals(0, reset.code(), reset.err());
            assertFalse((reset.out() + reset.err()).contains(NEW)
                    || (reset.out() + reset.err()).contains(dev.infrakit.testkit.EphemeralPostgres.shared().password()));
            try (DemoService service = DemoService.start(ServeCommand.settings(flags, Map.of()), quiet)) {
                assertEquals(401, login(service, OLD));
                assertEquals(200, login(service, NEW));
            }
            CliRun verify = cli("", "audit", "verify", "--jdbc-url", url, "--master-key-file", key.toString(),
                    "--checkpoint-public-key", data.resolve("audit-checkpoint.pub").toString());
            assertEquals(0, verify.code(), verify.out() + verify.err());
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.username(),
                    db.password());
                 java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT outcome FROM infrakit_audit WHERE type = "
                         + "'user.password-reset' AND resource_id = 'admin' ORDER BY seq")) {
                List<String> rows = new java.util.ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
                assertEquals(List.of("PENDING", "SUCCESS"), rows);
            }
        }
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, cli("", "admin").code());
        assertEquals(2, cli("", "admin", "reset-password").code());
        CliRun argv = cli("", "admin", "reset-password", "--data-dir", data.toString(), "some-password-in-argv");
        assertEquals(2, argv.code());
        assertFalse(argv.err().contains("some-password-in-argv"), argv.err());
        CliRun empty = cli("", "admin", "reset-password", "--data-dir", data.toString());
        assertEquals(2, empty.code());
        assertTrue(empty.err().contains("no service data"), empty.err());
    }

    private static String read(Path f) {
        try {
            return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
