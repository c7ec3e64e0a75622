package dev.infrakit.testkit;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The INFRAKIT_TEST_JDBC_URL mode, pointed at a dedicated local server standing in for an external one. */
class ExternalServerIT {

    @Test
    void createsDatabasesOnAnExternalServerButCannotStopIt() throws Exception {
        try (EphemeralPostgres real = EphemeralPostgres.builder().start()) {
            EphemeralPostgres external = EphemeralPostgres.external(
                    "jdbc:postgresql://127.0.0.1:" + real.port() + "/postgres", real.username(), real.password());
            assertTrue(external.isExternal());
            assertEquals(real.port(), external.port());
            try (TestDatabase db = external.createDatabase("external");
                 Connection c = db.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_database()")) {
                assertTrue(rs.next());
                assertEquals(db.name(), rs.getString(1));
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, external::stop);
            assertTrue(e.getMessage().contains("cannot be stopped"), e.getMessage());
            assertThrows(IllegalStateException.class, external::dataDirectory);
        }
    }

    @Test
    void aBadUrlOrLoginIsAClearError() {
        EphemeralPostgresException bad = assertThrows(EphemeralPostgresException.class,
                () -> EphemeralPostgres.external("postgres://localhost/x", "u", "p"));
        assertTrue(bad.getMessage().contains("must look like jdbc:postgresql://"), bad.getMessage());
        EphemeralPostgres shared = EphemeralPostgres.shared();
        EphemeralPostgresException login = assertThrows(EphemeralPostgresException.class,
                () -> EphemeralPostgres.external(shared.jdbcUrl("postgres"), shared.username(), "wrong"));
        assertTrue(login.getMessage().contains("password authentication failed"), login.getMessage());
        assertTrue(!login.getMessage().contains("wrong"), "no password in the message: " + login.getMessage());
    }
}
