package dev.infrakit.testkit;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedServerIT {

    @Test
    void startsOnceAndAnswersQueries() throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        assertTrue(server.isRunning());
        assertTrue(server.pid() > 0, "postmaster pid");
        try (Connection c = server.connectAdmin(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('fsync'), current_setting('server_version_num')::int, "
                     + "inet_server_addr()::text")) {
            assertTrue(rs.next());
            assertEquals("off", rs.getString(1));
            assertTrue(rs.getInt(2) >= 130000, "server version " + rs.getInt(2));
            assertEquals("127.0.0.1/32", rs.getString(3));
        }
    }

    @Test
    void concurrentCallersGetTheSameServer() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<EphemeralPostgres>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                futures.add(pool.submit((Callable<EphemeralPostgres>) EphemeralPostgres::shared));
            }
            for (Future<EphemeralPostgres> f : futures) {
                assertSame(EphemeralPostgres.shared(), f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eachDatabaseIsSeparateAndDroppedOnClose() throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        Set<String> names = new HashSet<>();
        TestDatabase a = server.createDatabase("Separate Databases!");
        try (TestDatabase b = server.createDatabase("Separate Databases!")) {
            assertNotEquals(a.name(), b.name());
            assertTrue(a.name().startsWith("t_separate_databases_"), a.name());
            names.add(a.name());
            names.add(b.name());
            try (Connection c = a.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE only_in_a(id int)");
            }
            try (Connection c = b.dataSource().getConnection(); Statement s = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute("SELECT * FROM only_in_a"));
                assertEquals("42P01", e.getSQLState(), "undefined table");
            }
            // A connection left open does not stop the drop.
            Connection leftOpen = a.connect();
            a.close();
            assertTrue(leftOpen.isClosed() || !leftOpen.isValid(2));
        }
        try (Connection c = server.connectAdmin(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT datname FROM pg_database")) {
            while (rs.next()) {
                assertFalse(names.contains(rs.getString(1)), "dropped " + rs.getString(1));
            }
        }
    }

    @Test
    void theSharedServerRefusesToBeStopped() {
        EphemeralPostgres server = EphemeralPostgres.shared();
        IllegalStateException e = assertThrows(IllegalStateException.class, server::stop);
        assertTrue(e.getMessage().contains("EphemeralPostgres.builder().start()"), e.getMessage());
        server.close();
        assertTrue(server.isRunning(), "close() on the shared server is ignored");
    }
}
