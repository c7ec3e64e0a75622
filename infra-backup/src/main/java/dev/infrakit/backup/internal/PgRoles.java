package dev.infrakit.backup.internal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What the connected role could do beyond its own scratch database, should SQL in a backup run with
 * its rights: a restore runs the dump's functions (in CHECK constraints, defaults, index
 * expressions, triggers) as the restoring role, and roles, databases and server files are
 * cluster-wide.
 */
public final class PgRoles {
    private PgRoles() {
    }

    /**
     * The connected role's cluster-wide powers.
     *
     * @param role the role's name
     * @param superuser {@code SUPERUSER}: anything, including running programs as the server's OS user
     * @param createRole {@code CREATEROLE}: create and alter roles, grant itself predefined roles
     * @param memberOf roles it is a member of, whose rights {@code SET ROLE} gives it
     * @param ownedDatabases databases it owns other than drill scratch databases, which it may rename
     *     or reconfigure ({@code ALTER DATABASE … SET})
     */
    public record Privileges(String role, boolean superuser, boolean createRole, List<String> memberOf,
            List<String> ownedDatabases) {

        /** What makes the role unfit to run a backup's SQL, as a phrase, or null when nothing does. */
        public String drillProblem() {
            List<String> problems = new ArrayList<>();
            if (superuser) {
                problems.add("it is a superuser");
            }
            if (createRole) {
                problems.add("it has CREATEROLE");
            }
            if (!memberOf.isEmpty()) {
                problems.add("it is a member of " + String.join(", ", memberOf));
            }
            if (!ownedDatabases.isEmpty()) {
                problems.add("it owns the databases " + String.join(", ", ownedDatabases));
            }
            return problems.isEmpty() ? null : String.join(", ", problems);
        }

        /** Superuser or CREATEROLE, as a phrase, or null: what a restore refuses by default. */
        public String restoreProblem() {
            if (superuser) {
                return "it is a superuser";
            }
            return createRole ? "it has CREATEROLE" : null;
        }
    }

    /** The privileges of {@code current_user} on {@code connection}. */
    public static Privileges of(Connection connection) throws SQLException {
        String sql = "SELECT r.rolname, r.rolsuper, r.rolcreaterole, "
                + "ARRAY(SELECT g.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid "
                + "WHERE m.member = r.oid ORDER BY 1)::text[], "
                + "ARRAY(SELECT d.datname FROM pg_catalog.pg_database d WHERE d.datdba = r.oid "
                + "AND d.datname NOT LIKE 'infrakit\\_drill\\_%' ORDER BY 1)::text[] "
                + "FROM pg_catalog.pg_roles r WHERE r.rolname = current_user";
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) {
                throw new SQLException("current_user is not in pg_roles");
            }
            return new Privileges(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3), strings(rs.getArray(4)),
                    strings(rs.getArray(5)));
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : List.of((String[]) array.getArray());
    }
}
