package dev.infrakit.testkit;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Shared steps of {@link ParallelClassAIT} and {@link ParallelClassBIT}. The barrier only opens
 * when both classes are inside their test at the same moment, so the tests fail (time out) unless
 * the two classes really run in parallel against the one shared server.
 */
final class ParallelClasses {
    static final CyclicBarrier BOTH_RUNNING = new CyclicBarrier(2);

    private ParallelClasses() {
    }

    static void writeAndReadOwnRows(DataSource dataSource, String marker) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE same_name_in_both(marker text)");
            s.execute("INSERT INTO same_name_in_both VALUES ('" + marker + "')");
        }
        BOTH_RUNNING.await(60, TimeUnit.SECONDS);
        List<String> seen = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT marker FROM same_name_in_both")) {
            while (rs.next()) {
                seen.add(rs.getString(1));
            }
        }
        assertEquals(List.of(marker), seen);
    }
}
