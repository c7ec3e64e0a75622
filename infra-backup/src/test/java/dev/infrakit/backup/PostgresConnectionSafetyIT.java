package dev.infrakit.backup;

import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.PlaintextPostgresListener;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #18, items 2 and 3, through the public builders: a database name that is a connection URI
 * never sends a tool to another host, and with {@code sslMode} require or stronger a server without
 * TLS never receives the password.
 */
class PostgresConnectionSafetyIT {
    private static final String SECRET = "s3cret-never-in-the-clear";

    @TempDir
    Path temp;

    private static Connection connect(EphemeralPostgres server, String database) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", server.username());
        p.setProperty("password", server.password());
        return DriverManager.getConnection("jdbc:postgresql://" + server.host() + ":" + server.port() + "/"
                + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20"), p);
    }

    @Test
    void aDatabaseNamedLikeAUriIsRestoredIntoLiterallyAndNothingConnectsElsewhere() throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        try (PlaintextPostgresListener other = PlaintextPostgresListener.start();
             TestDatabase db = server.createDatabase("uri_name_source")) {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY)");
                st.execute("INSERT INTO items SELECT generate_series(1, 7)");
            }
            TempDirRepository repository = new TempDirRepository(temp);
            Manifest manifest = repository.backup(RestoreDrillIT.source(db));
            String uri = "postgresql://127.0.0.1:" + other.port() + "/x";
            try {
                PostgresRestore.builder().host(server.host()).port(server.port()).user(server.username())
                        .password(server.password()).allowPrivilegedRole(true).build()
                        .restoreInto(repository, manifest.id(), uri, false);
                assertEquals(0, other.connections(), "pg_restore connected to the host in the name");
                try (Connection c = connect(server, uri); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM items")) {
                    rs.next();
                    assertEquals(7, rs.getLong(1), "restored into the database literally named " + uri);
                }
            } finally {
                try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS \"" + uri.replace("\"", "\"\"") + "\" WITH (FORCE)");
                }
            }
            assertEquals(0, other.connections());
        }
    }

    @Test
    void aDatabaseNamedLikeAConnectionStringIsDumpedLiterallyWithItsGlobals() throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        try (PlaintextPostgresListener other = PlaintextPostgresListener.start()) {
            String name = "postgresql://127.0.0.1:" + other.port() + "/x";
            try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
                st.execute("CREATE DATABASE \"" + name + "\" TEMPLATE template0");
            }
            try {
                try (Connection c = connect(server, name); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE t (v text)");
                    st.execute("INSERT INTO t VALUES ('literal')");
                }
                PostgresBackupSource source = PostgresBackupSource.builder().host(server.host()).port(server.port())
                        .database(name).user(server.username()).password(server.password()).globals(true).build();
                Manifest manifest = new TempDirRepository(temp).backup(source);
                assertEquals(1L, manifest.rowCounts().get("public.t"), manifest.rowCounts().toString());
                assertTrue(manifest.artifact(PostgresBackupSource.GLOBALS_ARTIFACT).isPresent());
                assertEquals(0, other.connections(), "pg_dump or pg_dumpall connected to the host in the name");
            } finally {
                try (Connection admin = server.connectAdmin(); Statement st = admin.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
                }
            }
        }
    }

    private static PostgresBackupSource.Builder sourceAt(PlaintextPostgresListener listener) {
        return PostgresBackupSource.builder().host("127.0.0.1").port(listener.port()).database("app").user("app")
                .password(SECRET);
    }

    private static void backupInto(PostgresBackupSource source) {
        source.backup(name -> OutputStream.nullOutputStream());
    }

    @Test
    void withSslModeRequireOrVerifyFullAServerWithoutTlsNeverSeesThePassword() {
        for (String mode : List.of("require", "verify-ca", "verify-full")) {
            try (PlaintextPostgresListener plain = PlaintextPostgresListener.start()) {
                BackupException e = assertThrows(BackupException.class, () -> backupInto(sourceAt(plain).sslMode(mode)
                        .build()));
                assertTrue(plain.tlsRequests() > 0, mode + ": TLS was asked for");
                assertEquals(List.of(), plain.passwords(), mode + ": the password went out in the clear");
                assertTrue(plain.startups().isEmpty(), mode + ": no login was even attempted");
                assertTrue(e.getMessage().contains("SSL"), e.getMessage());
                assertFalse(e.getMessage().contains(SECRET));
            }
        }
    }

    @Test
    void withoutTlsRequiredThePasswordDoesGoOutInTheClear() {
        // The control: the listener does catch a password when nothing requires TLS, so the test above can fail.
        try (PlaintextPostgresListener plain = PlaintextPostgresListener.start()) {
            assertThrows(BackupException.class, () -> backupInto(sourceAt(plain).sslMode("prefer").build()));
            assertEquals(List.of(SECRET), plain.passwords());
        }
    }

    @Test
    void aModeThatIsNotOneIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PostgresBackupSource.builder().sslMode("verify_full"));
        assertEquals("sslMode must be one of disable, allow, prefer, require, verify-ca, verify-full, got 'verify_full'",
                e.getMessage());
        IllegalArgumentException file = assertThrows(IllegalArgumentException.class,
                () -> PostgresBackupSource.builder().sslRootCert(Path.of("/nonexistent/root.crt")));
        assertTrue(file.getMessage().startsWith("sslRootCert must be a readable file"), file.getMessage());
    }
}
