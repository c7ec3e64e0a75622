package dev.infrakit.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerMethodExtensionIT {
    @RegisterExtension
    static final EphemeralPostgresExtension POSTGRES = EphemeralPostgresExtension.perMethod();

    private static final Set<String> NAMES = new HashSet<>();
    private TestDatabase database;

    @BeforeEach
    void setUp(TestDatabase database) throws Exception {
        this.database = database;
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            // Would fail with "relation already exists" if a database were reused.
            s.execute("CREATE TABLE counter(n int)");
        }
    }

    @RepeatedTest(3)
    void everyMethodGetsAFreshDatabase(TestDatabase sameDatabase) throws Exception {
        assertSame(database, sameDatabase);
        assertTrue(NAMES.add(database.name()), "new name " + database.name());
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM counter")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1));
        }
    }

    @AfterAll
    static void allDropped() throws Exception {
        assertEquals(3, NAMES.size());
        try (Connection c = EphemeralPostgres.shared().connectAdmin(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT datname FROM pg_database")) {
            while (rs.next()) {
                assertFalse(NAMES.contains(rs.getString(1)), "not dropped: " + rs.getString(1));
            }
        }
    }
}
