package dev.infrakit.backup;

import dev.infrakit.testkit.EphemeralPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #18, item 1: a database owner who is no superuser plants a function that makes itself
 * superuser when a superuser calls it, behind a CHECK constraint that every restored row
 * evaluates. The drill and the restore must not run that as a superuser by default; a least
 * privileged drill role or a throwaway server restores the dump without promoting anyone.
 */
class RestoreDrillPrivilegeIT {
    private static final long PID = ProcessHandle.current().pid();
    /** The attacker: owns the source database, NOSUPERUSER. */
    private static final String APP = "app_" + PID;
    private static final String APP_PASSWORD = "app-password-" + PID;
    /** The documented least-privilege drill role. */
    private static final String DRILL = "drill_" + PID;
    private static final String DRILL_PASSWORD = "drill-password-" + PID;
    private static final String SOURCE = "app_owned_" + PID;

    private static EphemeralPostgres server;

    @TempDir
    Path temp;

    @BeforeAll
    static void plantTheDump() throws SQLException {
        server = EphemeralPostgres.shared();
        try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
            st.execute("CREATE ROLE " + APP + " LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD '" + APP_PASSWORD + "'");
            st.execute("CREATE ROLE " + DRILL + " LOGIN NOSUPERUSER NOCREATEROLE CREATEDB PASSWORD '"
                    + DRILL_PASSWORD + "'");
            st.execute("CREATE DATABASE " + SOURCE + " OWNER " + APP + " TEMPLATE template0");
        }
        // Everything below is written by the non-superuser owner itself.
        try (Connection app = connect(SOURCE, APP, APP_PASSWORD); Statement st = app.createStatement()) {
            st.execute("CREATE FUNCTION public.plausible(v integer) RETURNS boolean LANGUAGE plpgsql SECURITY INVOKER AS $$"
                    + " BEGIN"
                    + "   IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN"
                    + "     EXECUTE 'ALTER ROLE " + APP + " SUPERUSER';"
                    + "   END IF;"
                    + "   RETURN v > 0;"
                    + " END $$");
            st.execute("CREATE TABLE public.accounts (id integer PRIMARY KEY CHECK (public.plausible(id)), name text)");
            st.execute("INSERT INTO public.accounts SELECT i, 'account ' || i FROM generate_series(1, 25) i");
        }
        assertFalse(isSuperuser(APP), "inserting as the owner promoted nobody");
    }

    @AfterEach
    void demoteAndCheckNoScratchIsLeft() throws SQLException {
        try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
            st.execute("ALTER ROLE " + APP + " NOSUPERUSER");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE datname LIKE 'infrakit\\_drill\\_%'")) {
                rs.next();
                assertEquals(0, rs.getLong(1), "scratch databases left behind");
            }
        }
    }

    @AfterAll
    static void dropAll() throws SQLException {
        try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + SOURCE + " WITH (FORCE)");
            st.execute("DROP DATABASE IF EXISTS restored_" + PID + " WITH (FORCE)");
            st.execute("DROP ROLE IF EXISTS " + APP);
            st.execute("DROP ROLE IF EXISTS " + DRILL);
        }
    }

    private static Connection connect(String database, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection(server.jdbcUrl(database), p);
    }

    private static boolean isSuperuser(String role) throws SQLException {
        try (Connection admin = server.connectAdmin();
             PreparedStatement ps = admin.prepareStatement("SELECT rolsuper FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), role);
                return rs.getBoolean(1);
            }
        }
    }

    /** The owner backs up its own database: the dump holds the function, the CHECK and 25 rows. */
    private Manifest backup(TempDirRepository repository) {
        return repository.backup(PostgresBackupSource.builder().host(server.host()).port(server.port()).database(SOURCE)
                .user(APP).password(APP_PASSWORD).build());
    }

    private static RestoreDrill.Builder drillAs(String user, String password) {
        return RestoreDrill.builder().host(server.host()).port(server.port()).user(user).password(password);
    }

    @Test
    void theDumpReallyPromotesItsOwnerWhenASuperuserRestoresIt() throws SQLException {
        // The attack, as reported: without the refusal this is what `verify --drill` as postgres did.
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = backup(repository);
        DrillResult result = drillAs(server.username(), server.password()).allowPrivilegedRole(true).build()
                .run(repository, manifest.id());
        assertTrue(result.passed(), result.toString());
        assertTrue(isSuperuser(APP), "restoring as a superuser ran the owner's function with superuser rights");
    }

    @Test
    void aDrillAsASuperuserIsRefusedBeforeAnythingIsRestored() throws SQLException {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = backup(repository);
        BackupException e = assertThrows(BackupException.class,
                () -> drillAs(server.username(), server.password()).build().run(repository, manifest.id()));
        assertTrue(e.getMessage().contains("Refusing to run the restore drill") && e.getMessage().contains("superuser")
                && e.getMessage().contains("NOSUPERUSER NOCREATEROLE CREATEDB")
                && e.getMessage().contains("onThrowawayServer()"), e.getMessage());
        assertFalse(e.getMessage().contains(server.password()), "no password in the message");
        assertFalse(isSuperuser(APP));
    }

    @Test
    void aCreateRoleRoleOrAMemberOfAnotherRoleIsRefusedToo() throws SQLException {
        String createRole = "creator_" + PID;
        String member = "member_" + PID;
        try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
            st.execute("CREATE ROLE " + createRole + " LOGIN CREATEROLE CREATEDB PASSWORD 'pw-" + PID + "'");
            st.execute("CREATE ROLE " + member + " LOGIN CREATEDB PASSWORD 'pw-" + PID + "' IN ROLE " + APP);
        }
        try {
            TempDirRepository repository = new TempDirRepository(temp);
            Manifest manifest = backup(repository);
            BackupException creator = assertThrows(BackupException.class,
                    () -> drillAs(createRole, "pw-" + PID).build().run(repository, manifest.id()));
            assertTrue(creator.getMessage().contains("it has CREATEROLE"), creator.getMessage());
            BackupException memberOf = assertThrows(BackupException.class,
                    () -> drillAs(member, "pw-" + PID).build().run(repository, manifest.id()));
            assertTrue(memberOf.getMessage().contains("it is a member of " + APP), memberOf.getMessage());
            BackupException owner = assertThrows(BackupException.class,
                    () -> drillAs(APP, APP_PASSWORD).build().run(repository, manifest.id()));
            assertTrue(owner.getMessage().contains("it owns the databases " + SOURCE), owner.getMessage());
        } finally {
            try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
                st.execute("DROP ROLE " + createRole);
                st.execute("DROP ROLE " + member);
            }
        }
    }

    @Test
    void aLeastPrivilegedDrillRoleRestoresTheDumpAndPromotesNobody() throws SQLException {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = backup(repository);
        DrillResult result = drillAs(DRILL, DRILL_PASSWORD).check("rows", "SELECT count(*) = 25 FROM accounts").build()
                .run(repository, manifest.id());
        assertTrue(result.passed(), result.toString());
        assertFalse(isSuperuser(APP), "the function ran with the drill role's rights only");
        assertFalse(isSuperuser(DRILL));
    }

    @Test
    void aDrillOnAThrowawayServerRestoresTheDumpAndPromotesNobody() throws Exception {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = backup(repository);
        RestoreDrill drill = RestoreDrill.builder().onThrowawayServer().binDir(server.binDirectory())
                .check("rows", "SELECT count(*) = 25 FROM accounts")
                .check("restored as an unprivileged role",
                        "SELECT NOT rolsuper AND NOT rolcreaterole FROM pg_roles WHERE rolname = current_user")
                .build();
        java.util.Set<Path> before = throwawayDirectories();
        DrillResult result = drill.run(repository, manifest.id());
        assertTrue(result.passed(), result.toString());
        assertFalse(isSuperuser(APP), "nothing reached the real cluster");
        assertEquals(before, throwawayDirectories(), "the throwaway server's directory is deleted");
        assertTrue(drill.toString().contains("throwaway server"), drill.toString());
    }

    /** The throwaway servers' directories: under /tmp as root, else under java.io.tmpdir. */
    private static java.util.Set<Path> throwawayDirectories() throws java.io.IOException {
        java.util.Set<Path> found = new java.util.TreeSet<>();
        for (Path root : new java.util.LinkedHashSet<>(java.util.List.of(Path.of("/tmp"), Path.of(System.getProperty("java.io.tmpdir"))))) {
            try (java.util.stream.Stream<Path> list = java.nio.file.Files.list(root)) {
                list.filter(p -> p.getFileName().toString().startsWith("infrakit-drill-")).forEach(found::add);
            }
        }
        return found;
    }

    @Test
    void aThrowawayServerTakesNoConnectionSettings() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RestoreDrill.builder().onThrowawayServer().host("db.example").build());
        assertTrue(e.getMessage().contains("onThrowawayServer() starts its own server"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> RestoreDrill.builder().onThrowawayServer().user("x").allowPrivilegedRole(true).build());
    }

    @Test
    void aRestoreAsASuperuserIsRefusedUnlessAllowed() throws SQLException {
        TempDirRepository repository = new TempDirRepository(temp);
        Manifest manifest = backup(repository);
        String target = "restored_" + PID;
        BackupException e = assertThrows(BackupException.class, () -> PostgresRestore.builder().host(server.host())
                .port(server.port()).user(server.username()).password(server.password()).build()
                .restoreInto(repository, manifest.id(), target, false));
        assertTrue(e.getMessage().contains("Refusing to restore backup " + manifest.id()) && e.getMessage()
                .contains("it is a superuser"), e.getMessage());
        assertFalse(isSuperuser(APP));
        try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + target + "'")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "refused before the target was created");
        }
    }
}
