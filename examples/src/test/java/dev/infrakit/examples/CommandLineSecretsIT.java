package dev.infrakit.examples;

import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.PlaintextPostgresListener;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #18, items 1, 2, 3 and 9 through the command line ({@link Main#run}): the drill's role, a
 * database name that is a URI, TLS that can be required, and secrets kept off the command line.
 */
class CommandLineSecretsIT {
    private static final long PID = ProcessHandle.current().pid();

    private static CliRun main(Map<String, String> env, String... args) {
        return CliRun.run(env, args);
    }

    private static CliRun main(String... args) {
        return CliRun.run(args);
    }

    private static String url(EphemeralPostgres server, String database) {
        return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database + "?user=" + server.username()
                + "&password=" + server.password();
    }

    private static TestDatabase smallDatabase(String prefix) throws Exception {
        TestDatabase db = EphemeralPostgres.shared().createDatabase(prefix);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int PRIMARY KEY)");
            s.execute("INSERT INTO items SELECT generate_series(1, 10)");
        }
        return db;
    }

    // Item 9: secrets off the command line.

    @Test
    void aPasswordOnTheCommandLineWorksWithAOneLineWarningThatNeverShowsIt(@TempDir Path dir) throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        try (TestDatabase db = smallDatabase("cli_argv")) {
            CliRun run = main("backup", "run", "--jdbc-url", url(server, db.name()), "--repo", dir.resolve("repo").toString());
            assertEquals(0, run.code(), run.err());
            List<String> warnings = run.err().lines().filter(l -> l.startsWith("warning:")).toList();
            assertEquals(List.of("warning: --jdbc-url carries a password on the command line, where every local user "
                    + "can read it (ps); use --jdbc-url-file FILE, INFRAKIT_JDBC_URL or PGPASSWORD instead"), warnings);
            assertFalse(run.err().contains(server.password()) || run.out().contains(server.password()), "no password shown");
        }
    }

    @Test
    void theUrlFromAFileOrTheEnvironmentOrThePasswordFromPgpasswordGivesNoWarning(@TempDir Path dir) throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        String repo = dir.resolve("repo").toString();
        try (TestDatabase db = smallDatabase("cli_secret_sources")) {
            Path file = dir.resolve("db.url");
            Files.writeString(file, url(server, db.name()) + "\n");
            CliRun fromFile = main("backup", "run", "--jdbc-url-file", file.toString(), "--repo", repo);
            assertEquals(0, fromFile.code(), fromFile.err());
            assertFalse(fromFile.err().contains("warning"), fromFile.err());

            CliRun fromEnv = main(Map.of("INFRAKIT_JDBC_URL", url(server, db.name())), "backup", "run", "--repo", repo);
            assertEquals(0, fromEnv.code(), fromEnv.err());
            assertFalse(fromEnv.err().contains("warning"), fromEnv.err());

            String noPassword = "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + db.name() + "?user="
                    + server.username();
            CliRun pgpassword = main(Map.of("PGPASSWORD", server.password()), "backup", "run", "--jdbc-url", noPassword,
                    "--repo", repo);
            assertEquals(0, pgpassword.code(), pgpassword.err());
            assertFalse(pgpassword.err().contains("warning"), pgpassword.err());

            CliRun withoutAnyPassword = main("backup", "run", "--jdbc-url", noPassword, "--repo", repo);
            assertEquals(1, withoutAnyPassword.code(), "the password really came from PGPASSWORD above");

            CliRun both = main("backup", "run", "--jdbc-url", noPassword, "--jdbc-url-file", file.toString(), "--repo", repo);
            assertEquals(2, both.code());
            assertTrue(both.err().startsWith("error: give --jdbc-url or --jdbc-url-file, not both"), both.err());
            CliRun missing = main("backup", "run", "--jdbc-url-file", dir.resolve("nope").toString(), "--repo", repo);
            assertEquals(2, missing.code());
            assertTrue(missing.err().contains("--jdbc-url-file " + dir.resolve("nope") + " cannot be read"), missing.err());
            assertEquals(4, main("backup", "list", "--repo", repo).out().lines().count());
        }
    }

    @Test
    void helpSaysHowToKeepSecretsOffTheCommandLine() {
        CliRun help = main("--help");
        assertEquals(0, help.code());
        for (String expected : List.of("--jdbc-url-file FILE", "INFRAKIT_JDBC_URL", "PGPASSWORD", "sslmode",
                "--throwaway-server", "--allow-privileged-role", "NOSUPERUSER NOCREATEROLE CREATEDB")) {
            assertTrue(help.out().contains(expected), expected + " in " + help.out());
        }
    }

    // Item 2: a database name that is a URI.

    @Test
    void aTargetDatabaseThatIsAUriIsRefusedAndNothingConnectsToItsHost(@TempDir Path dir) throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        String repo = dir.resolve("repo").toString();
        try (TestDatabase db = smallDatabase("cli_uri");
             PlaintextPostgresListener other = PlaintextPostgresListener.start()) {
            CliRun run = main(Map.of("INFRAKIT_JDBC_URL", url(server, db.name())), "backup", "run", "--repo", repo);
            assertEquals(0, run.code(), run.err());
            String id = run.out().split(" ")[0];
            for (String database : List.of("postgresql://127.0.0.1:" + other.port() + "/x",
                    "postgresql:%2F%2F127.0.0.1:" + other.port() + "%2Fx", "host=127.0.0.1")) {
                CliRun restore = main(Map.of("INFRAKIT_TARGET_URL", "jdbc:postgresql://" + server.host() + ":" + server.port()
                        + "/" + database + "?user=" + server.username() + "&password=" + server.password()),
                        "backup", "restore", "--repo", repo, "--id", id, "--allow-privileged-role");
                assertEquals(2, restore.code(), database + ": " + restore.err());
                assertTrue(restore.err().contains("which looks like a connection string or URI"), restore.err());
                assertFalse(restore.err().contains(server.password()));
            }
            assertEquals(0, other.connections(), "nothing went to the host named in the database");
        }
    }

    // Item 3: TLS can be required, and URL parameters are understood or refused.

    @Test
    void withTlsRequiredAServerWithoutTlsNeverGetsThePassword(@TempDir Path dir) throws Exception {
        Path masterKey = dir.resolve("master.key");
        MasterKey.generateToFile(masterKey);
        String secret = "never-in-the-clear-" + PID;
        List<String> leaks = new ArrayList<>();
        try (PlaintextPostgresListener plain = PlaintextPostgresListener.start()) {
            String base = "jdbc:postgresql://127.0.0.1:" + plain.port() + "/app?user=app&password=" + secret;
            for (String mode : List.of("require", "verify-ca", "verify-full")) {
                CliRun backup = main("backup", "run", "--jdbc-url", base + "&sslmode=" + mode, "--repo",
                        dir.resolve("repo").toString());
                assertEquals(1, backup.code(), mode + ": " + backup.err());
                CliRun audit = main("audit", "verify", "--jdbc-url", base + "&sslmode=" + mode, "--master-key-file",
                        masterKey.toString());
                assertEquals(1, audit.code(), mode + ": " + audit.err());
                assertFalse(backup.err().contains(secret) || audit.err().contains(secret));
            }
            CliRun fromEnv = main(Map.of("PGSSLMODE", "require", "INFRAKIT_JDBC_URL", base), "backup", "run", "--repo",
                    dir.resolve("repo").toString());
            assertEquals(1, fromEnv.code(), fromEnv.err());
            leaks.addAll(plain.passwords());
            assertTrue(plain.tlsRequests() >= 7, "every attempt asked for TLS: " + plain.tlsRequests());
        }
        assertEquals(List.of(), leaks, "a password went to a server without TLS");

        // The control: without sslmode the same URL does hand the password over.
        try (PlaintextPostgresListener plain = PlaintextPostgresListener.start()) {
            CliRun prefer = main("backup", "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:" + plain.port()
                    + "/app?user=app&password=" + secret, "--repo", dir.resolve("repo").toString());
            assertEquals(1, prefer.code());
            assertTrue(plain.passwords().contains(secret), "the listener catches a password sent in the clear");
        }
    }

    @Test
    void anUnknownUrlParameterOrModeIsRefusedNamingIt(@TempDir Path dir) {
        String repo = dir.resolve("repo").toString();
        CliRun ssl = main("backup", "run", "--jdbc-url", "jdbc:postgresql://db:5432/app?user=app&ssl=true", "--repo", repo);
        assertEquals(2, ssl.code());
        assertTrue(ssl.err().startsWith("error: --jdbc-url has the parameter 'ssl', which this tool does not understand "
                + "(it takes user, password, sslmode, sslrootcert, sslcert, sslkey)"), ssl.err());
        CliRun mode = main("backup", "run", "--jdbc-url", "jdbc:postgresql://db:5432/app?user=app&sslmode=verify_full",
                "--repo", repo);
        assertEquals(2, mode.code());
        assertTrue(mode.err().contains("sslmode 'verify_full'"), mode.err());
        CliRun envMode = main(Map.of("PGSSLMODE", "on"), "backup", "run", "--jdbc-url",
                "jdbc:postgresql://db:5432/app?user=app", "--repo", repo);
        assertEquals(2, envMode.code());
        assertTrue(envMode.err().contains("sslmode 'on' (from PGSSLMODE)"), envMode.err());
        CliRun serve = main("serve", "--port", "0", "--warm-up", "0s", "--data-dir", dir.resolve("data").toString(), "--jdbc-url",
                "jdbc:postgresql://db:5432/app?user=app&sslfactory=org.postgresql.ssl.NonValidatingFactory");
        assertEquals(2, serve.code());
        assertTrue(serve.err().contains("the parameter 'sslfactory'"), serve.err());
    }

    // Item 1 through the command line, with the dump.

    @Test
    void theDrillOfAPlantedDumpIsRefusedAsSuperuserAndPromotesNobodyOtherwise(@TempDir Path dir) throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        String app = "cli_app_" + PID;
        String drill = "cli_drill_" + PID;
        String source = "cli_app_owned_" + PID;
        try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
            st.execute("CREATE ROLE " + app + " LOGIN NOSUPERUSER PASSWORD 'app-pw'");
            st.execute("CREATE ROLE " + drill + " LOGIN NOSUPERUSER NOCREATEROLE CREATEDB PASSWORD 'drill-pw'");
            st.execute("CREATE DATABASE " + source + " OWNER " + app + " TEMPLATE template0");
        }
        try {
            Properties p = new Properties();
            p.setProperty("user", app);
            p.setProperty("password", "app-pw");
            try (Connection c = DriverManager.getConnection(server.jdbcUrl(source), p); Statement st = c.createStatement()) {
                st.execute("CREATE FUNCTION public.plausible(v integer) RETURNS boolean LANGUAGE plpgsql SECURITY INVOKER"
                        + " AS $$ BEGIN IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN"
                        + " EXECUTE 'ALTER ROLE " + app + " SUPERUSER'; END IF; RETURN v > 0; END $$");
                st.execute("CREATE TABLE public.accounts (id integer CHECK (public.plausible(id)))");
                st.execute("INSERT INTO public.accounts SELECT generate_series(1, 10)");
            }
            String repo = dir.resolve("repo").toString();
            String base = "jdbc:postgresql://" + server.host() + ":" + server.port() + "/";
            CliRun backup = main(Map.of("PGPASSWORD", "app-pw"), "backup", "run", "--jdbc-url", base + source + "?user="
                    + app, "--repo", repo);
            assertEquals(0, backup.code(), backup.err());

            CliRun asSuperuser = main(Map.of("INFRAKIT_SCRATCH_URL", url(server, "postgres")), "backup", "verify", "--repo",
                    repo, "--drill");
            assertEquals(1, asSuperuser.code(), asSuperuser.out() + asSuperuser.err());
            assertTrue(asSuperuser.err().contains("it is a superuser"), asSuperuser.err());
            assertFalse(isSuperuser(server, app));

            CliRun leastPrivilege = main(Map.of("PGPASSWORD", "drill-pw"), "backup", "verify", "--repo", repo, "--drill",
                    "--scratch-url", base + "postgres?user=" + drill);
            assertEquals(0, leastPrivilege.code(), leastPrivilege.out() + leastPrivilege.err());
            assertTrue(leastPrivilege.out().contains("drill passed"), leastPrivilege.out());
            assertFalse(isSuperuser(server, app), "the NOSUPERUSER CREATEDB drill role promoted nobody");

            CliRun throwaway = main("backup", "verify", "--repo", repo, "--drill", "--throwaway-server");
            assertEquals(0, throwaway.code(), throwaway.out() + throwaway.err());
            assertTrue(throwaway.out().contains("drill passed"), throwaway.out());
            assertFalse(isSuperuser(server, app), "the throwaway server's drill promoted nobody");

            assertEquals(2, main("backup", "verify", "--repo", repo, "--drill").code(), "--drill needs a place to run");
            assertEquals(2, main("backup", "verify", "--repo", repo, "--drill", "--throwaway-server",
                    "--allow-privileged-role").code());
        } finally {
            try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + source + " WITH (FORCE)");
                st.execute("DROP ROLE IF EXISTS " + app);
                st.execute("DROP ROLE IF EXISTS " + drill);
            }
        }
    }

    private static boolean isSuperuser(EphemeralPostgres server, String role) throws Exception {
        try (Connection admin = server.connectAdmin();
             PreparedStatement ps = admin.prepareStatement("SELECT rolsuper FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getBoolean(1);
            }
        }
    }
}
