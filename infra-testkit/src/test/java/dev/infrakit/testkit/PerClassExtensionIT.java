package dev.infrakit.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(EphemeralPostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PerClassExtensionIT {
    private static TestDatabase fromBeforeAll;

    @BeforeAll
    static void createSchema(TestDatabase database) throws Exception {
        fromBeforeAll = database;
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes(v text)");
        }
    }

    @Test
    @Order(1)
    void methodsShareTheClassDatabase(TestDatabase database, DataSource dataSource) throws Exception {
        assertSame(fromBeforeAll, database);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO notes VALUES ('first')");
        }
    }

    @Test
    @Order(2)
    void seesWhatTheFirstMethodWrote(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM notes")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(1));
        }
    }

    @AfterAll
    static void databaseStillThereInAfterAll(EphemeralPostgres server) throws Exception {
        assertSame(EphemeralPostgres.shared(), server);
        try (Connection c = server.connectAdmin(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + fromBeforeAll.name() + "'")) {
            assertTrue(rs.next(), "dropped only after @AfterAll methods");
        }
        assertFalse(fromBeforeAll.name().isEmpty());
    }
}
