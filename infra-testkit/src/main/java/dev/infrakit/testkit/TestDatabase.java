package dev.infrakit.testkit;

import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One database on an {@link EphemeralPostgres} server, created empty for a test class or method.
 * {@link #close()} drops it. Thread-safe.
 */
public final class TestDatabase implements AutoCloseable {
    private final EphemeralPostgres server;
    private final String name;
    private final PGSimpleDataSource dataSource;
    private volatile boolean closed;

    TestDatabase(EphemeralPostgres server, String name) {
        this.server = server;
        this.name = name;
        this.dataSource = new PGSimpleDataSource();
        dataSource.setURL(server.jdbcUrl(name));
        dataSource.setUser(server.username());
        dataSource.setPassword(server.password());
    }

    /** The database's name. */
    public String name() {
        return name;
    }

    /** Its JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:41234/t_mytest_1234_1}. */
    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    /** The user to connect as (a superuser). */
    public String username() {
        return server.username();
    }

    /** That user's password. */
    public String password() {
        return server.password();
    }

    /** The server holding this database. */
    public EphemeralPostgres server() {
        return server;
    }

    /** A non-pooling {@link DataSource}: every {@code getConnection()} opens a new connection. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Opens a new connection to this database. */
    public Connection connect() throws SQLException {
        return server.connect(name);
    }

    /** Drops the database, closing any connection still open to it. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            server.dropDatabase(name);
        }
    }

    @Override
    public String toString() {
        return "TestDatabase[" + jdbcUrl() + "]";
    }
}
