package dev.infrakit.credentials.rotation;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rotation of real PostgreSQL login roles on the ephemeral test server (SCRAM over TCP): single
 * user, alternating users, a HikariCP pool kept serving by {@link HikariCredentialUpdater}, and a
 * crash injected between each pair of steps.
 */
class PostgresRoleRotationIT {
    private static final AtomicInteger ROLES = new AtomicInteger();
    private static final List<String> CREATED = new ArrayList<>();

    private static TestDatabase db;
    private static HikariDataSource admin;

    private ManualClock clock;
    private InMemoryCredentialStore store;

    @BeforeAll
    static void startServer() {
        db = EphemeralPostgres.shared().createDatabase("rotation");
        admin = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(), "password",
                db.password(), "pool-size", "2", "connection-timeout", "5s", "validation-timeout", "1s",
                "pool-name", "rotation-admin")));
    }

    @AfterAll
    static void dropRoles() throws SQLException {
        if (admin != null) {
            try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
                for (String role : CREATED) {
                    st.execute("DROP ROLE IF EXISTS " + role);
                }
            }
            admin.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void newStore() {
        clock = ManualClock.create();
        store = InMemoryCredentialStore.builder().clock(clock).build();
    }

    /** A new login role with a password; names are fixed-form, so safe to embed in test SQL. */
    private static String createRole(String password) throws SQLException {
        String role = "rot_" + ProcessHandle.current().pid() + "_" + ROLES.incrementAndGet();
        try (Connection c = admin.getConnection()) {
            String sql;
            try (PreparedStatement ps = c.prepareStatement("SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', ?, ?)")) {
                ps.setString(1, role);
                ps.setString(2, password);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    sql = rs.getString(1);
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }
        synchronized (CREATED) {
            CREATED.add(role);
        }
        return role;
    }

    private static boolean canLogin(String role, String password) {
        Properties props = new Properties();
        props.setProperty("user", role);
        props.setProperty("password", password);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), props);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return role.equals(rs.getString(1));
        } catch (SQLException e) {
            assertEquals("28P01", e.getSQLState(), "expected a password failure, got " + e.getMessage());
            return false;
        }
    }

    private static boolean canLogin(Secret secret) {
        return canLogin(secret.value().username().orElseThrow(), secret.value().password().orElseThrow());
    }

    private RotationEngine engine(String name, RotationStrategy strategy) {
        return RotationEngine.builder(store).strategy(name, strategy).clock(clock).lease(Duration.ofMinutes(5))
                .build();
    }

    @Test
    void singleUserOldPasswordStopsWorkingNewOneWorks() throws SQLException {
        String role = createRole("initial-Pass-0001");
        store.put("db/app", SecretValue.login(role, "initial-Pass-0001", db.jdbcUrl()));
        RotationEngine engine = engine("db/app",
                PostgresRoleStrategy.singleUser(admin, db.jdbcUrl(), PasswordPolicy.defaults()));
        assertTrue(canLogin(role, "initial-Pass-0001"));

        engine.rotate("db/app");
        Secret first = engine.current("db/app");
        assertEquals(role, first.value().username().orElseThrow());
        assertEquals(db.jdbcUrl(), first.value().url().orElseThrow(), "other fields are kept");
        assertTrue(canLogin(first));
        assertFalse(canLogin(role, "initial-Pass-0001"));

        engine.rotate("db/app");
        assertTrue(canLogin(engine.current("db/app")));
        assertFalse(canLogin(first));
    }

    @Test
    void alternatingUsersKeepThePreviousCredentialsWorkingUntilTheNextRotation() throws SQLException {
        String a = createRole("initial-A-pass-0001");
        String b = createRole("unknown-B-pass-0001");
        store.put("db/alt", SecretValue.login(a, "initial-A-pass-0001"));
        RotationEngine engine = engine("db/alt",
                PostgresRoleStrategy.alternatingUsers(admin, db.jdbcUrl(), a, b, PasswordPolicy.defaults()));

        engine.rotate("db/alt");
        Secret one = engine.current("db/alt");
        assertEquals(b, one.value().username().orElseThrow());
        assertTrue(canLogin(one));
        assertTrue(canLogin(a, "initial-A-pass-0001"), "PREVIOUS still works");

        engine.rotate("db/alt");
        Secret two = engine.current("db/alt");
        assertEquals(a, two.value().username().orElseThrow());
        assertTrue(canLogin(two));
        assertTrue(canLogin(one), "PREVIOUS (role b) still works");
        assertFalse(canLogin(a, "initial-A-pass-0001"));
        assertEquals(one.version(), engine.previous("db/alt").orElseThrow().version());

        engine.rotate("db/alt");
        assertTrue(canLogin(engine.current("db/alt")));
        assertTrue(canLogin(two));
        assertFalse(canLogin(one), "two rotations later, role b's old password is gone");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void hikariPoolKeepsServingAcrossRotations(boolean alternating) throws Exception {
        String a = createRole("pool-A-pass-0001");
        String name = alternating ? "db/pool-alt" : "db/pool";
        RotationStrategy strategy;
        if (alternating) {
            String b = createRole("pool-B-pass-0001");
            strategy = PostgresRoleStrategy.alternatingUsers(admin, db.jdbcUrl(), a, b, PasswordPolicy.defaults());
        } else {
            strategy = PostgresRoleStrategy.singleUser(admin, db.jdbcUrl(), PasswordPolicy.defaults());
        }
        store.put(name, SecretValue.login(a, "pool-A-pass-0001"));
        RotationEngine engine = engine(name, strategy);
        Secret initial = engine.current(name);
        try (HikariDataSource pool = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username",
                initial.value().username().orElseThrow(), "password", initial.value().password().orElseThrow(),
                "pool-size", "3", "connection-timeout", "5s", "validation-timeout", "1s", "pool-name",
                "rotated-" + alternating)))) {
            engine.addListener(HikariCredentialUpdater.of(name, pool));
            for (int rotation = 0; rotation < 4; rotation++) {
                query(pool);
                engine.rotate(name);
                Secret current = engine.current(name);
                String user = current.value().username().orElseThrow();
                String previous = engine.previous(name).orElseThrow().value().username().orElseThrow();
                // Idle connections were evicted: the pool keeps serving. With alternating users, a
                // connection the pool was opening during the switch may still use the previous
                // login, which stays valid until the next rotation; single user: the old one fails.
                for (int i = 0; i < 6; i++) {
                    String seen = query(pool);
                    assertTrue(seen.equals(user) || (alternating && seen.equals(previous)), seen);
                }
                String seen = null;
                for (int attempt = 0; attempt < 50 && !user.equals(seen); attempt++) {
                    pool.getHikariPoolMXBean().softEvictConnections();
                    seen = query(pool);
                }
                assertEquals(user, seen, "the pool's new connections use the rotated login");
            }
            assertEquals(5, engine.current(name).version());
        }
    }

    private static String query(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The real strategy, made to crash (an Error: the process "dies") before or after a step. */
    private static final class CrashingStrategy implements RotationStrategy {
        private final RotationStrategy delegate;
        private volatile String crashAt;

        CrashingStrategy(RotationStrategy delegate, String crashAt) {
            this.delegate = delegate;
            this.crashAt = crashAt;
        }

        private void maybeCrash(String point) {
            if (point.equals(crashAt)) {
                crashAt = null;
                throw new Crash(point);
            }
        }

        @Override
        public SecretValue create(RotationContext context) {
            maybeCrash("before create");
            SecretValue v = delegate.create(context);
            maybeCrash("after create");
            return v;
        }

        @Override
        public void apply(RotationContext context) {
            maybeCrash("before apply");
            delegate.apply(context);
            maybeCrash("after apply");
        }

        @Override
        public void test(RotationContext context) {
            maybeCrash("before test");
            delegate.test(context);
            maybeCrash("after test");
        }

        @Override
        public void rollback(RotationContext context) {
            delegate.rollback(context);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"before create", "after create", "before apply", "after apply", "before test",
            "after test"})
    void crashBetweenStepsRecoversWithTheRealStrategy(String point) throws SQLException {
        String role = createRole("crash-pass-0001");
        store.put("db/crash", SecretValue.login(role, "crash-pass-0001"));
        PostgresRoleStrategy real = PostgresRoleStrategy.singleUser(admin, db.jdbcUrl(), PasswordPolicy.defaults());
        RotationEngine crashing = engine("db/crash", new CrashingStrategy(real, point));
        assertThrows(Crash.class, () -> crashing.rotate("db/crash"));
        assertEquals(1, crashing.current("db/crash").version(), "CURRENT unchanged by an unfinished rotation");

        RotationEngine next = engine("db/crash", real);
        assertThrows(RotationInProgressException.class, () -> next.rotate("db/crash"));
        clock.advance(Duration.ofMinutes(6));
        RotationResult result = next.rotate("db/crash");
        assertEquals(RotationResult.Outcome.ROTATED, result.outcome());
        assertTrue(result.resumed());
        assertEquals(2, next.current("db/crash").version());
        assertTrue(canLogin(next.current("db/crash")));
        assertFalse(canLogin(role, "crash-pass-0001"));
    }

    @Test
    void failedTestRollsBackToTheCurrentPassword() throws SQLException {
        String role = createRole("rollback-pass-0001");
        store.put("db/fail", SecretValue.login(role, "rollback-pass-0001"));
        PostgresRoleStrategy real = PostgresRoleStrategy.singleUser(admin, db.jdbcUrl(), PasswordPolicy.defaults());
        RotationStrategy failingTest = new RotationStrategy() {
            @Override
            public SecretValue create(RotationContext context) {
                return real.create(context);
            }

            @Override
            public void apply(RotationContext context) {
                real.apply(context);
                assertFalse(canLogin(role, "rollback-pass-0001"), "applied: the old password is gone");
            }

            @Override
            public void test(RotationContext context) {
                throw new IllegalStateException("health check failed");
            }

            @Override
            public void rollback(RotationContext context) {
                real.rollback(context);
            }
        };
        RotationEngine engine = engine("db/fail", failingTest);
        RotationException e = assertThrows(RotationException.class, () -> engine.rotate("db/fail"));
        assertTrue(e.getMessage().contains("rolled back"), e.getMessage());
        assertTrue(canLogin(role, "rollback-pass-0001"), "CURRENT works again after the rollback");
        assertEquals(1, engine.current("db/fail").version());
        assertTrue(engine.pending("db/fail").isEmpty());
    }

    @Test
    void hostileRoleNamesAndPasswordsAreQuotedByTheServer() throws SQLException {
        String role = createRole("quote-pass-0001");
        // A password full of quotes and backslashes must round-trip exactly.
        PasswordPolicy nasty = PasswordPolicy.of(40, "'\"\\;$abcdefghijklmnopqrstuvwxyz0123456789");
        store.put("db/quote", SecretValue.login(role, "quote-pass-0001"));
        RotationEngine engine = engine("db/quote", PostgresRoleStrategy.singleUser(admin, db.jdbcUrl(), nasty));
        engine.rotate("db/quote");
        assertTrue(canLogin(engine.current("db/quote")));

        store.put("db/evil", SecretValue.login("x\"; DROP ROLE " + role + "; --", "quote-pass-0001"));
        RotationEngine evil = engine("db/evil", PostgresRoleStrategy.singleUser(admin, db.jdbcUrl(),
                PasswordPolicy.defaults()));
        RotationException e = assertThrows(RotationException.class, () -> evil.rotate("db/evil"));
        assertTrue(e.getMessage().contains("rolled back") || e.getMessage().contains("rollback"), e.getMessage());
        assertTrue(canLogin(engine.current("db/quote")), "the injected DROP ROLE did not run");
    }
}
