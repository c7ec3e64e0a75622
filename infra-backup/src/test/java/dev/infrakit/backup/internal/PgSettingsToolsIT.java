package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.PlaintextPostgresListener;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #18, items 2 and 3, for the PostgreSQL programs themselves (pg_dump, pg_restore, psql),
 * which the public builders only reach after a JDBC connection succeeded: the TLS mode (set, or
 * from {@code PGSSLMODE}) reaches them, and a database argument is only ever a database name.
 */
class PgSettingsToolsIT {
    private static final String SECRET = "tool-secret-never-in-the-clear";

    private static PgSettings settings(int port, Consumer<PgSettings.Builder> more) {
        PgSettings.Builder b = new PgSettings.Builder(Duration.ofSeconds(30));
        b.host("127.0.0.1");
        b.port(port);
        b.user("app");
        b.password(SECRET.toCharArray());
        b.binDir(EphemeralPostgres.shared().binDirectory());
        more.accept(b);
        return b.build();
    }

    private static ToolProcess.Result runTool(PgSettings settings, String tool, String database) {
        List<String> command = new ArrayList<>(List.of(settings.tool(tool).toString()));
        if (tool.equals("psql")) {
            command.addAll(List.of("-X", "-c", "SELECT 1"));
        } else if (tool.equals("pg_dump")) {
            command.add("-Fc");
        }
        command.addAll(settings.connectionArguments());
        command.addAll(List.of("-d", PgSettings.databaseArgument(database)));
        // pg_restore reads its input before it connects: give it a real (empty) dump.
        InputStream in = tool.equals("pg_restore") ? new ByteArrayInputStream(emptyDump()) : null;
        return ToolProcess.run(command, settings.environment(), in, null, Duration.ofSeconds(30));
    }

    private static byte[] dump;

    private static synchronized byte[] emptyDump() {
        if (dump == null) {
            EphemeralPostgres server = EphemeralPostgres.shared();
            try (TestDatabase empty = server.createDatabase("empty_dump")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ToolProcess.Result result = ToolProcess.run(List.of(server.binDirectory().resolve("pg_dump").toString(),
                        "-Fc", "-h", server.host(), "-p", Integer.toString(server.port()), "-U", server.username(),
                        "-d", empty.name()), Map.of("PGPASSWORD", server.password()), null, out, Duration.ofSeconds(30));
                assertTrue(result.succeeded(), result.stderr());
                dump = out.toByteArray();
            }
        }
        return dump;
    }

    @Test
    void everyToolRefusesAServerWithoutTlsWhenTheModeRequiresIt() {
        for (String tool : List.of("pg_dump", "pg_restore", "psql")) {
            for (Consumer<PgSettings.Builder> mode : List.<Consumer<PgSettings.Builder>>of(
                    b -> b.sslMode("require"), b -> b.sslMode("verify-full"),
                    b -> b.environment(Map.of("PGSSLMODE", "require")))) {
                try (PlaintextPostgresListener plain = PlaintextPostgresListener.start()) {
                    ToolProcess.Result result = runTool(settings(plain.port(), mode), tool, "app");
                    assertFalse(result.succeeded(), tool);
                    assertTrue(result.stderr().contains("SSL"), tool + ": " + result.stderr());
                    assertEquals(List.of(), plain.passwords(), tool + " sent the password to a server without TLS");
                    assertTrue(plain.tlsRequests() > 0, tool + " asked for TLS");
                }
            }
        }
    }

    @Test
    void jdbcTakesPgsslmodeFromTheEnvironmentLikeTheTools() {
        try (PlaintextPostgresListener plain = PlaintextPostgresListener.start()) {
            PgSettings settings = settings(plain.port(), b -> b.environment(Map.of("PGSSLMODE", "verify-full")));
            assertEquals("verify-full", settings.tls().sslMode());
            BackupException e = assertThrows(BackupException.class, () -> settings.connect("app"));
            assertFalse(e.getMessage().contains(SECRET));
            assertEquals(List.of(), plain.passwords());
        }
    }

    @Test
    void withoutTlsRequiredAToolDoesSendThePasswordInTheClear() {
        // The control: the listener catches the password of a tool that does not require TLS.
        try (PlaintextPostgresListener plain = PlaintextPostgresListener.start()) {
            ToolProcess.Result result = runTool(settings(plain.port(), b -> b.sslMode("prefer")), "psql", "app");
            assertFalse(result.succeeded());
            assertEquals(List.of(SECRET), plain.passwords());
        }
    }

    @Test
    void inheritedSettingsThatWouldRedirectOrWeakenAToolAreRemovedFromItsEnvironment() {
        Map<String, String> env = settings(5432, b -> b.sslMode("verify-full")).environment();
        for (String inherited : List.of("PGSERVICE", "PGSERVICEFILE", "PGHOSTADDR", "PGDATABASE", "PGREQUIRESSL",
                "PGOPTIONS")) {
            assertTrue(env.containsKey(inherited) && env.get(inherited) == null, inherited + " is removed");
        }
        assertEquals("verify-full", env.get("PGSSLMODE"));
        assertEquals(SECRET, env.get("PGPASSWORD"));
        // A null value removes a variable the child would otherwise inherit from this JVM.
        String inherited = System.getenv().containsKey("HOME") ? "HOME" : "PATH";
        java.util.HashMap<String, String> remove = new java.util.HashMap<>();
        remove.put(inherited, null);
        ToolProcess.Result listing = ToolProcess.run(List.of("/usr/bin/env"), remove, null, null, Duration.ofSeconds(10));
        assertTrue(listing.succeeded(), listing.stderr());
        assertFalse(listing.stderr().lines().anyMatch(l -> l.startsWith(inherited + "=")), listing.stderr());
    }

    @Test
    void aDatabaseArgumentIsOnlyEverADatabaseName() {
        try (PlaintextPostgresListener other = PlaintextPostgresListener.start();
             PlaintextPostgresListener configured = PlaintextPostgresListener.start()) {
            for (String name : List.of("postgresql://127.0.0.1:" + other.port() + "/x",
                    "host=127.0.0.1 port=" + other.port() + " dbname=x", "x' host='127.0.0.1' port='" + other.port())) {
                for (String tool : List.of("pg_dump", "pg_restore", "psql")) {
                    runTool(settings(configured.port(), b -> b.sslMode("disable")), tool, name);
                }
            }
            assertEquals(0, other.connections(), "a tool followed a host or port inside a database name");
            List<String> databases = configured.startups().stream().map(s -> s.get("database")).distinct().toList();
            assertEquals(List.of("postgresql://127.0.0.1:" + other.port() + "/x",
                    "host=127.0.0.1 port=" + other.port() + " dbname=x", "x' host='127.0.0.1' port='" + other.port()),
                    databases, "each name arrived literally at the configured server");
        }
        assertEquals("dbname='a\\'b\\\\c'", PgSettings.databaseArgument("a'b\\c"));
    }
}
