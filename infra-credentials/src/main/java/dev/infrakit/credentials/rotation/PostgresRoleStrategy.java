package dev.infrakit.credentials.rotation;

import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * Rotates the password of a PostgreSQL login role. The credential's value has the fields
 * {@code username} (the role) and {@code password}, and keeps any others (e.g. {@code url}).
 *
 * <ul>
 *   <li>{@link #singleUser single user}: each rotation gives the role a new password. Between apply
 *       and finish, new logins need PENDING while consumers still read CURRENT, and afterwards the
 *       old password stops working at once; open sessions stay.
 *   <li>{@link #alternatingUsers alternating users}: two roles with the same rights (e.g.
 *       {@code app_a}, {@code app_b}); each rotation gives a new password to the role that is not
 *       CURRENT and makes it CURRENT, so the credentials now PREVIOUS keep working until the next
 *       rotation: consumers can switch at their own pace.
 * </ul>
 *
 * <p>Apply runs {@code ALTER ROLE} over a connection of the admin {@link DataSource} (a role allowed
 * to alter these roles: a superuser, or one with {@code CREATEROLE}). The statement is built by the
 * server, {@code SELECT format('ALTER ROLE %I PASSWORD %L', ?, ?)}, so the role name and password
 * are quoted by PostgreSQL and never concatenated here; the server hashes the password (SCRAM with
 * the default {@code password_encryption}).
 *
 * <p>The text of an {@code ALTER ROLE ... PASSWORD} holds the password, and PostgreSQL logs
 * statement texts: all DDL with {@code log_statement = ddl} (or {@code all}), slow ones with
 * {@code log_min_duration_statement}, sampled transactions with {@code log_transaction_sample_rate},
 * and — by default, since {@code log_min_error_statement} is {@code error} — <em>the statement of
 * every failed one</em>. So the password is set in a transaction that first turns these off for
 * itself ({@code SET LOCAL log_statement = none}, {@code log_min_error_statement = panic},
 * {@code log_min_duration_statement = -1}, {@code log_transaction_sample_rate = 0}), each in its
 * own savepoint. Only a superuser, or a role granted {@code SET} on these parameters (PostgreSQL
 * 15: {@code GRANT SET ON PARAMETER log_statement, log_min_error_statement,
 * log_min_duration_statement, log_transaction_sample_rate TO admin}), may set them; for any other
 * the permission error is absorbed, the password is still set, and a WARN (once per strategy)
 * says that a failed {@code ALTER ROLE} may then put the password in the server log.
 * Test opens a new connection to the JDBC URL as the role with the PENDING password. Rollback
 * restores CURRENT's password (single user) or PREVIOUS's password on the role that was to become
 * CURRENT (alternating users). Thread-safe.
 */
public final class PostgresRoleStrategy implements RotationStrategy {
    private final DataSource admin;
    private final String jdbcUrl;
    private final PasswordPolicy policy;
    private final SecureRandom random;
    /** Null for single user. */
    private final String roleA;
    private final String roleB;
    private final AtomicBoolean warnedLogging = new AtomicBoolean();

    private static final Logger LOG = LoggerFactory.getLogger(PostgresRoleStrategy.class);
    /** Statement logging turned off for the transaction that sets a password, in this order. */
    private static final List<String> QUIET = List.of("log_statement = 'none'", "log_min_error_statement = 'panic'",
            "log_min_duration_statement = -1", "log_transaction_sample_rate = 0");

    private PostgresRoleStrategy(DataSource admin, String jdbcUrl, PasswordPolicy policy, String roleA, String roleB) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.random = new SecureRandom();
        this.roleA = roleA;
        this.roleB = roleB;
        if (!jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("Not a JDBC URL: it must start with 'jdbc:'");
        }
    }

    /**
     * Rotates the password of the role named by CURRENT's {@code username}.
     *
     * @param admin connections allowed to {@code ALTER ROLE} it
     * @param jdbcUrl where the role logs in, to test a new password (without user or password)
     * @param policy how passwords are made
     */
    public static PostgresRoleStrategy singleUser(DataSource admin, String jdbcUrl, PasswordPolicy policy) {
        return new PostgresRoleStrategy(admin, jdbcUrl, policy, null, null);
    }

    /**
     * Alternates between two roles: each rotation sets a new password on the one that is not
     * CURRENT and makes it CURRENT.
     *
     * @throws IllegalArgumentException if the roles are blank or the same
     */
    public static PostgresRoleStrategy alternatingUsers(DataSource admin, String jdbcUrl, String roleA, String roleB,
            PasswordPolicy policy) {
        Objects.requireNonNull(roleA, "roleA");
        Objects.requireNonNull(roleB, "roleB");
        if (roleA.isBlank() || roleB.isBlank() || roleA.equals(roleB)) {
            throw new IllegalArgumentException("Alternating users need two different, non-blank role names, got '"
                    + roleA + "' and '" + roleB + "'");
        }
        return new PostgresRoleStrategy(admin, jdbcUrl, policy, roleA, roleB);
    }

    @Override
    public SecretValue create(RotationContext context) {
        SecretValue current = context.current().value();
        String user = username(context.current(), "CURRENT");
        String role = user;
        if (roleA != null) {
            if (user.equals(roleA)) {
                role = roleB;
            } else if (user.equals(roleB)) {
                role = roleA;
            } else {
                throw new IllegalStateException("CURRENT of '" + context.name() + "' is role '" + user
                        + "', neither of the alternating roles '" + roleA + "' and '" + roleB + "'");
            }
        }
        Map<String, String> fields = new TreeMap<>();
        for (String name : current.fieldNames()) {
            fields.put(name, current.field(name).orElseThrow());
        }
        char[] password = policy.generate(random);
        try {
            fields.put("username", role);
            fields.put("password", new String(password));
            return SecretValue.ofFields(fields);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    @Override
    public void apply(RotationContext context) {
        Secret pending = context.pending();
        setPassword(username(pending, "PENDING"), password(pending, "PENDING"));
    }

    @Override
    public void test(RotationContext context) {
        Secret pending = context.pending();
        String user = username(pending, "PENDING");
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password(pending, "PENDING"));
        props.setProperty("connectTimeout", "10");
        props.setProperty("loginTimeout", "10");
        try (Connection c = DriverManager.getConnection(jdbcUrl, props);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            if (!rs.next() || !user.equals(rs.getString(1))) {
                throw new IllegalStateException("Logged in with the PENDING password of '" + context.name()
                        + "' but not as role '" + user + "'");
            }
        } catch (SQLException e) {
            throw new RotationException("Cannot log in as role '" + user + "' with the PENDING password of '"
                    + context.name() + "' (SQLState " + e.getSQLState() + ")", e);
        }
    }

    @Override
    public void rollback(RotationContext context) {
        if (roleA == null) {
            Secret current = context.current();
            setPassword(username(current, "CURRENT"), password(current, "CURRENT"));
            return;
        }
        Secret pending = context.pendingOrNull();
        Secret previous = context.previous().orElse(null);
        if (pending != null && previous != null
                && username(previous, "PREVIOUS").equals(username(pending, "PENDING"))) {
            setPassword(username(previous, "PREVIOUS"), password(previous, "PREVIOUS"));
        }
        // Else the role was not in use (first rotation): nothing depends on its password.
    }

    private void setPassword(String role, String password) {
        try (Connection c = admin.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                quietStatementLogging(c);
                String sql;
                try (PreparedStatement ps = c.prepareStatement("SELECT format('ALTER ROLE %I PASSWORD %L', ?::text, "
                        + "?::text)")) {
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
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new RotationException("Cannot set the password of role '" + role + "' (SQLState "
                    + e.getSQLState() + ")", e);
        }
    }

    /**
     * Turns statement logging off for the rest of this transaction, each setting in its own savepoint
     * so that one the role may not set leaves the others set. A permission error (42501) is absorbed
     * and warned about once, a setting the server does not know (42704) skipped; any other error is
     * thrown.
     */
    private void quietStatementLogging(Connection c) throws SQLException {
        List<String> refused = new ArrayList<>();
        for (String setting : QUIET) {
            Savepoint savepoint = c.setSavepoint();
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL " + setting);
                c.releaseSavepoint(savepoint);
            } catch (SQLException e) {
                c.rollback(savepoint);
                if ("42704".equals(e.getSQLState())) {
                    continue; // a server older than the setting (log_transaction_sample_rate: PostgreSQL 12)
                }
                if (!"42501".equals(e.getSQLState())) {
                    throw e;
                }
                refused.add(setting.substring(0, setting.indexOf(' ')));
            }
        }
        if (!refused.isEmpty() && warnedLogging.compareAndSet(false, true)) {
            LOG.warn("The admin role may not set {} (it is neither a superuser nor granted SET on them): the password "
                    + "is set anyway, but a failed ALTER ROLE, or one the server's logging settings select, can put "
                    + "the new password in the server log. Use GRANT SET ON PARAMETER {} TO <admin role> "
                    + "(PostgreSQL 15+), or keep statement logging off server-wide", refused, String.join(", ", refused));
        }
    }

    private static String username(Secret secret, String label) {
        return secret.value().username().filter(u -> !u.isEmpty()).orElseThrow(() -> new IllegalStateException(
                label + " of '" + secret.name() + "' v" + secret.version() + " has no 'username' field"));
    }

    private static String password(Secret secret, String label) {
        return secret.value().password().filter(p -> !p.isEmpty()).orElseThrow(() -> new IllegalStateException(
                label + " of '" + secret.name() + "' v" + secret.version() + " has no 'password' field"));
    }

    @Override
    public String toString() {
        return "PostgresRoleStrategy[" + (roleA == null ? "single user" : "alternating " + roleA + "/" + roleB)
                + ", " + policy + "]";
    }
}
