package dev.infrakit.credentials.rotation;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.testkit.EphemeralPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a real PostgreSQL server writes to its log while roles' passwords are rotated, with
 * {@code log_statement = ddl} and the default {@code log_min_error_statement = error}: read from the
 * server's own log file. A rotation that fails (the role does not exist, so both the apply and its
 * rollback fail) must not leave a password there when the admin role may turn statement logging
 * off; when it may not, this test records what the server then logs.
 */
class PostgresRoleLoggingIT {
    private static EphemeralPostgres server;
    private static Path log;

    @BeforeAll
    static void start() throws SQLException {
        server = EphemeralPostgres.builder().setting("logging_collector", "on").setting("log_directory", "pglog")
                .setting("log_filename", "server.log").setting("log_statement", "ddl")
                .setting("log_min_error_statement", "error").start();
        log = server.dataDirectory().resolve("pglog").resolve("server.log");
        try (Connection c = server.connectAdmin(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE rotator_granted LOGIN CREATEROLE PASSWORD 'rotator-granted-pw'");
            st.execute("GRANT SET ON PARAMETER log_statement, log_min_error_statement, log_min_duration_statement, "
                    + "log_transaction_sample_rate TO rotator_granted");
            st.execute("CREATE ROLE rotator_plain LOGIN CREATEROLE PASSWORD 'rotator-plain-pw'");
            st.execute("CREATE ROLE app_user LOGIN PASSWORD 'app-user-initial-pw'");
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HikariDataSource pool(String user, String password) {
        return DataSources.create(Config.of(Map.of("url", server.jdbcUrl("postgres"), "username", user, "password",
                password, "pool-size", "1", "connection-timeout", "5s", "validation-timeout", "1s", "pool-name", "rotation-" + user)));
    }

    /**
     * Rotates a role that does not exist (apply fails, and so does the rollback restoring CURRENT's
     * password), then a real role (which succeeds); returns what the server logged meanwhile.
     */
    private static String rotateAndReadLog(HikariDataSource admin, String oldPassword) throws Exception {
        long from = Files.exists(log) ? Files.size(log) : 0;
        InMemoryCredentialStore store = InMemoryCredentialStore.builder().clock(ManualClock.create()).build();
        PostgresRoleStrategy strategy = PostgresRoleStrategy.singleUser(admin, server.jdbcUrl("postgres"),
                PasswordPolicy.defaults());
        RotationEngine engine = RotationEngine.builder(store).strategy("db/ghost", strategy)
                .strategy("db/app", strategy).lease(Duration.ofMinutes(5)).build();
        store.put("db/ghost", SecretValue.login("ghost_role", oldPassword));
        assertThrows(RotationException.class, () -> engine.rotate("db/ghost"));
        store.put("db/app", SecretValue.login("app_user", "app-user-initial-pw"));
        engine.rotate("db/app");
        String marker = "end-of-test-" + UUID.randomUUID();
        try (Connection c = server.connectAdmin(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE \"" + marker + "\""); // DDL: logged, and shows the collector caught up
            st.execute("DROP ROLE \"" + marker + "\"");
        }
        for (long end = System.nanoTime() + Duration.ofSeconds(10).toNanos(); System.nanoTime() < end;) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (text.contains("DROP ROLE \"" + marker)) {
                return text.substring((int) Math.min(from, text.length()));
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the server log " + log + " never showed the marker statement");
    }

    @Test
    void aFailedRotationLeavesNoPasswordInTheServerLogWhenTheAdminMayTurnLoggingOff() throws Exception {
        for (String[] admin : new String[][] {{server.username(), server.password()},
                {"rotator_granted", "rotator-granted-pw"}}) {
            String old = "ghost-old-pw-" + UUID.randomUUID();
            try (HikariDataSource pool = pool(admin[0], admin[1])) {
                String logged = rotateAndReadLog(pool, old);
                assertTrue(logged.contains("role \"ghost_role\" does not exist"), "the failures are logged: " + logged);
                assertFalse(logged.contains(old), admin[0] + ": CURRENT's password in the log: " + logged);
                assertFalse(logged.contains("PASSWORD '"), admin[0] + ": an ALTER ROLE text in the log: " + logged);
            }
        }
    }

    @Test
    void anAdminThatMayNotTurnLoggingOffStillRotatesButAFailureLogsThePasswordAndItIsWarned() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(PostgresRoleStrategy.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        String old = "ghost-old-pw-" + UUID.randomUUID();
        String logged;
        try (HikariDataSource pool = pool("rotator_plain", "rotator-plain-pw")) {
            logged = rotateAndReadLog(pool, old);
        } finally {
            logger.detachAppender(appender);
        }
        // The server's own rule, which no session of this role can change: the failed statement is logged.
        assertTrue(logged.contains("STATEMENT:  ALTER ROLE ghost_role PASSWORD '" + old + "'"), logged);
        assertEquals(1, appender.list.stream().filter(e -> e.getFormattedMessage().contains("may not set [log_statement, "
                + "log_min_error_statement, log_min_duration_statement, log_transaction_sample_rate]")).count(),
                appender.list.toString());
        assertFalse(appender.list.toString().contains(old), "the warning holds no password");
    }
}
