package dev.infrakit.backup;

import dev.infrakit.testkit.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

/** Test data for the PostgreSQL tests: tables of many types, a sequence, a view, and checksums. */
final class PgFixtures {
    private PgFixtures() {
    }

    static void populate(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, tags text[], "
                    + "profile jsonb, avatar bytea, created timestamptz NOT NULL)");
            st.execute("INSERT INTO customers (name, tags, profile, avatar, created) SELECT 'customer ' || i, "
                    + "ARRAY['t' || i, 'quote''s', 'x,y'], jsonb_build_object('n', i, 'nested', jsonb_build_array(i, 'ü')), "
                    + "decode(md5(i::text), 'hex'), timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour 7 seconds' "
                    + "FROM generate_series(1, 50) i");
            st.execute("CREATE SEQUENCE order_numbers START 1000");
            st.execute("CREATE TABLE orders (id bigint PRIMARY KEY DEFAULT nextval('order_numbers'), "
                    + "customer_id int REFERENCES customers(id), amount numeric(12, 4), note text, paid boolean, "
                    + "placed date, ratio double precision)");
            st.execute("INSERT INTO orders (customer_id, amount, note, paid, placed, ratio) SELECT 1 + i % 50, "
                    + "i * 1.2345, CASE WHEN i % 7 = 0 THEN NULL ELSE E'line\\nbreak ' || i END, i % 2 = 0, "
                    + "date '2026-01-01' + i, i / 3.0 FROM generate_series(1, 500) i");
            st.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100");
            st.execute("CREATE SCHEMA sales");
            st.execute("CREATE TABLE sales.\"odd name\" (\"Key\" text PRIMARY KEY, v numeric)");
            st.execute("INSERT INTO sales.\"odd name\" VALUES ('a', 1.5), ('b', NULL), ('c', 123456789.000001)");
            st.execute("CREATE TABLE empty_table (id int)");
            st.execute("CREATE TABLE measurements (at timestamptz, v real) PARTITION BY RANGE (at)");
            st.execute("CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') "
                    + "TO ('2027-01-01')");
            st.execute("INSERT INTO measurements SELECT timestamptz '2026-02-01 00:00+00' + i * interval '1 day', i * 0.5 "
                    + "FROM generate_series(1, 120) i");
        }
    }

    /** The row counts {@link #populate} leaves, including the partition. */
    static Map<String, Long> expectedRows() {
        return new TreeMap<>(Map.of("public.orders", 500L, "public.customers", 50L, "sales.odd name", 3L,
                "public.empty_table", 0L, "public.measurements", 120L, "public.measurements_2026", 120L));
    }

    /** Per-table md5 of the sorted text of every row, plus the sequence's position. */
    static Map<String, String> checksums(Connection c) throws SQLException {
        Map<String, String> sums = new TreeMap<>();
        for (String table : new String[] {"public.customers", "public.orders", "sales.\"odd name\"",
                "public.empty_table", "public.measurements", "public.big_orders"}) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM " + table + " t")) {
                rs.next();
                sums.put(table, rs.getString(1));
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT last_value, is_called FROM order_numbers")) {
            rs.next();
            sums.put("order_numbers", rs.getLong(1) + "/" + rs.getBoolean(2));
        }
        return sums;
    }
}
