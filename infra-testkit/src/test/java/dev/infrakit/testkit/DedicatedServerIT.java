package dev.infrakit.testkit;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DedicatedServerIT {

    @Test
    void stopsAndRestartsWithTheSameDataAndPort() throws Exception {
        Path dataDir;
        long firstPid;
        try (EphemeralPostgres server = EphemeralPostgres.builder().setting("max_connections", "40").start()) {
            assertNotEquals(EphemeralPostgres.shared().port(), server.port(), "a server of its own");
            dataDir = server.dataDirectory();
            firstPid = server.pid();
            TestDatabase db = server.createDatabase("restart");
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept(v text)");
                s.execute("INSERT INTO kept VALUES ('before restart')");
                try (ResultSet rs = s.executeQuery("SHOW max_connections")) {
                    assertTrue(rs.next());
                    assertEquals("40", rs.getString(1));
                }
            }
            int port = server.port();
            Connection open = db.connect();

            server.stop();
            assertFalse(server.isRunning());
            assertEquals(-1, server.pid());
            assertFalse(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false));
            assertThrows(SQLException.class, () -> {
                try (Statement s = open.createStatement()) {
                    s.execute("SELECT 1");
                }
            }, "an open connection breaks when the server stops");
            SQLException refused = assertThrows(SQLException.class, db::connect);
            assertEquals("08001", refused.getSQLState(), "connection refused: " + refused.getMessage());

            server.start();
            assertTrue(server.isRunning());
            assertEquals(port, server.port());
            try (Connection c = db.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
                assertTrue(rs.next());
                assertEquals("before restart", rs.getString(1));
            }
            long pidBeforeRestart = server.pid();
            server.restart();
            assertNotEquals(pidBeforeRestart, server.pid());
            db.close();
        }
        assertFalse(Files.exists(dataDir), "close() deletes the data directory");
    }

    @Test
    void wrongPasswordIsRefused() {
        EphemeralPostgres server = EphemeralPostgres.shared();
        SQLException e = assertThrows(SQLException.class, () -> java.sql.DriverManager.getConnection(
                server.jdbcUrl("postgres"), server.username(), "not-the-password"));
        assertEquals("28P01", e.getSQLState(), e.getMessage());
    }

    @Test
    void aMissingBinDirectoryIsAClearError() {
        EphemeralPostgresException e = assertThrows(EphemeralPostgresException.class,
                () -> EphemeralPostgres.builder().binDirectory(Path.of("/nonexistent/pg/bin")).start());
        assertTrue(e.getMessage().contains("/nonexistent/pg/bin"), e.getMessage());
        assertTrue(e.getMessage().contains("initdb"), e.getMessage());
    }
}
