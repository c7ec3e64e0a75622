package dev.infrakit.core;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Small JDBC helpers Infrakit's PostgreSQL implementations share (and yours may): instants as
 * {@code timestamptz} values and back, and an error message that is safe to show.
 */
public final class Jdbc {
    private Jdbc() {
    }

    /** An instant as a {@code timestamptz} parameter ({@code null} stays null). */
    public static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** A {@code timestamptz} column as an instant ({@code null} stays null). */
    public static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /**
     * The first line of the driver's message: the server's detail lines ("Failing row contains
     * ...") can quote stored values, ciphertexts or hashes; they stay in the exception's cause.
     */
    public static String firstLine(SQLException e) {
        String message = String.valueOf(e.getMessage());
        int eol = message.indexOf('\n');
        return eol < 0 ? message : message.substring(0, eol);
    }
}
