package dev.infrakit.backup.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The user tables of a database and their row counts, the same way on the source (in the dump's
 * snapshot) and on a restored copy, so that the two can be compared key by key.
 */
public final class PgCatalog {
    /**
     * Ordinary and partitioned tables outside the system schemas, except tables that belong to an
     * extension (pg_dump does not dump their rows).
     */
    private static final String USER_TABLES = "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' "
            + "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass "
            + "AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1, 2";

    private PgCatalog() {
    }

    /** The user tables as {@code schema.table} mapped to {schema, table}, sorted. */
    public static Map<String, String[]> userTables(Connection connection) throws SQLException {
        Map<String, String[]> tables = new LinkedHashMap<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(USER_TABLES)) {
            while (rs.next()) {
                String schema = rs.getString(1);
                String table = rs.getString(2);
                tables.put(schema + "." + table, new String[] {schema, table});
            }
        }
        return tables;
    }

    /** {@code schema.table} → {@code count(*)}, in the connection's current transaction. */
    public static Map<String, Long> rowCounts(Connection connection) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        List<Map.Entry<String, String[]>> tables = new ArrayList<>(userTables(connection).entrySet());
        try (Statement st = connection.createStatement()) {
            for (Map.Entry<String, String[]> t : tables) {
                String sql = "SELECT count(*) FROM " + quote(t.getValue()[0]) + "." + quote(t.getValue()[1]);
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    counts.put(t.getKey(), rs.getLong(1));
                }
            }
        }
        return counts;
    }

    /** A quoted SQL identifier. */
    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** A quoted SQL string literal. */
    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
