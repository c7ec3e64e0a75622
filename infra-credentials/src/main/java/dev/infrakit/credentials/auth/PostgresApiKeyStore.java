package dev.infrakit.credentials.auth;

import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.CredentialException;

import javax.sql.DataSource;
import dev.infrakit.credentials.internal.Jdbc;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link ApiKeyStore} in PostgreSQL, shared by every process using the same database: one row
 * per key in {@code infrakit_api_key}, holding the SHA-256 of the key's secret, never the key.
 *
 * <p>Every operation is one statement on a connection borrowed from the pool (auto-commit), so each
 * is atomic on its row without explicit locks: {@link #insert} is {@code ON CONFLICT DO NOTHING},
 * {@link #revoke} only sets a revocation time that is not set, and {@link #touch} only moves the
 * last-use time forward, so concurrent callers in any number of processes cannot move it back.
 * Times are stored to the microsecond. {@link #insertWithin} is one transaction: it takes a
 * transaction-scoped advisory lock on the subject ({@code pg_advisory_xact_lock}, class id
 * {@value #SUBJECT_LOCK_CLASS}, object id a hash of the subject: two subjects may share a lock,
 * which only makes one wait), counts the subject's live keys, then inserts; so concurrent creates
 * for one subject in any number of processes serialise and never exceed the limit. The lock is
 * released at commit (it works behind PgBouncer in transaction pooling).
 *
 * <p>The table is created by {@link #createSchema(DataSource)} (or by running the shipped
 * {@code dev/infrakit/credentials/api-key-schema.sql}). The store does not own the
 * {@link DataSource}. Database failures are thrown as {@link CredentialException}s naming the
 * operation and the key id, with the first line of the driver's message only (the server's detail
 * lines may quote row values). Thread-safe.
 */
public final class PostgresApiKeyStore implements ApiKeyStore {
    private static final String SCHEMA_RESOURCE = "/dev/infrakit/credentials/api-key-schema.sql";
    private static final String COLUMNS = "key_id, secret_hash, subject, roles, name, created_at, expires_at, "
            + "revoked_at, last_used_at";
    private static final String INSERT = "INSERT INTO infrakit_api_key (" + COLUMNS + ") "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING";
    private static final String FIND = "SELECT " + COLUMNS + " FROM infrakit_api_key WHERE key_id = ?";
    private static final String LIST = "SELECT " + COLUMNS + " FROM infrakit_api_key WHERE subject = ? "
            + "ORDER BY created_at, key_id";
    private static final String REVOKE = "UPDATE infrakit_api_key SET revoked_at = ? "
            + "WHERE key_id = ? AND revoked_at IS NULL";
    private static final String TOUCH = "UPDATE infrakit_api_key SET last_used_at = ? "
            + "WHERE key_id = ? AND (last_used_at IS NULL OR last_used_at < ?)";
    private static final String LOCK_SUBJECT = "SELECT pg_advisory_xact_lock(?, ?)";
    private static final String COUNT_LIVE = "SELECT count(*) FROM infrakit_api_key WHERE subject = ? "
            + "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)";
    /** The advisory lock class id of {@link #insertWithin}'s per-subject locks ("ikak"). */
    static final int SUBJECT_LOCK_CLASS = 0x696b616b;
    private static final String DELETE = "DELETE FROM infrakit_api_key WHERE key_id = ?";

    private final DataSource dataSource;

    private PostgresApiKeyStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A store over {@code dataSource} (a pool; each operation borrows one connection). Checks that
     * the database answers and holds the table.
     *
     * @throws CredentialException if it cannot be reached or the table is missing (the message
     *     says to run {@link #createSchema(DataSource)})
     */
    public static PostgresApiKeyStore create(DataSource dataSource) {
        PostgresApiKeyStore store = new PostgresApiKeyStore(Objects.requireNonNull(dataSource, "dataSource"));
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeQuery("SELECT 1 FROM infrakit_api_key LIMIT 0").close();
        } catch (SQLException e) {
            throw failure("open", null, e);
        }
        return store;
    }

    /** The schema script shipped in the jar ({@code dev/infrakit/credentials/api-key-schema.sql}). */
    public static String schemaSql() {
        return DataSources.script(PostgresApiKeyStore.class, SCHEMA_RESOURCE);
    }

    /**
     * Creates the table and index if missing, in one transaction (idempotent).
     *
     * @throws CredentialException if the statements fail
     */
    public static void createSchema(DataSource dataSource) {
        try {
            DataSources.runScript(dataSource, schemaSql());
        } catch (SQLException e) {
            throw new CredentialException("Could not create the API key schema: " + Jdbc.firstLine(e), e);
        }
    }

    /** One statement's work on a connection. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T run(String operation, String keyId, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            T result = work.run(c);
            if (!c.getAutoCommit()) {
                c.commit();
            }
            return result;
        } catch (SQLException e) {
            throw failure(operation, keyId, e);
        }
    }

    @Override
    public boolean insert(ApiKeyRecord record) {
        Objects.requireNonNull(record, "record");
        return run("insert", record.keyId(), c -> insert(c, record));
    }

    private static boolean insert(Connection c, ApiKeyRecord record) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(INSERT)) {
            Array roles = c.createArrayOf("text", record.roles().toArray(new String[0]));
            s.setString(1, record.keyId());
            s.setBytes(2, record.secretHash());
            s.setString(3, record.subject());
            s.setArray(4, roles);
            s.setString(5, record.name());
            s.setObject(6, Jdbc.timestamp(record.createdAt()), Types.TIMESTAMP_WITH_TIMEZONE);
            s.setObject(7, Jdbc.timestamp(record.expiresAt().orElse(null)), Types.TIMESTAMP_WITH_TIMEZONE);
            s.setObject(8, Jdbc.timestamp(record.revokedAt().orElse(null)), Types.TIMESTAMP_WITH_TIMEZONE);
            s.setObject(9, Jdbc.timestamp(record.lastUsedAt().orElse(null)), Types.TIMESTAMP_WITH_TIMEZONE);
            int inserted = s.executeUpdate();
            roles.free();
            return inserted == 1;
        }
    }

    @Override
    public InsertResult insertWithin(ApiKeyRecord record, int maxLive, Instant now) {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(now, "now");
        ApiKeyStores.requireMaxLive(maxLive);
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                InsertResult result = insertWithin(c, record, maxLive, now);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw failure("insert", record.keyId(), e);
        }
    }

    private InsertResult insertWithin(Connection c, ApiKeyRecord record, int maxLive, Instant now) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement(LOCK_SUBJECT)) {
            lock.setInt(1, SUBJECT_LOCK_CLASS);
            lock.setInt(2, record.subject().hashCode());
            lock.executeQuery().close();
        }
        // A statement after the lock: in READ COMMITTED it sees every insert committed before the lock was granted.
        if (countLive(c, record.subject(), now) >= maxLive) {
            return InsertResult.LIMIT_REACHED;
        }
        return insert(c, record) ? InsertResult.STORED : InsertResult.KEY_ID_TAKEN;
    }

    @Override
    public int countLive(String subject, Instant now) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(now, "now");
        return run("count", null, c -> countLive(c, subject, now));
    }

    private static int countLive(Connection c, String subject, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(COUNT_LIVE)) {
            s.setString(1, subject);
            s.setObject(2, Jdbc.timestamp(now), Types.TIMESTAMP_WITH_TIMEZONE);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public Optional<ApiKeyRecord> find(String keyId) {
        Objects.requireNonNull(keyId, "keyId");
        return run("read", keyId, c -> {
            try (PreparedStatement s = c.prepareStatement(FIND)) {
                s.setString(1, keyId);
                List<ApiKeyRecord> found = read(s);
                return found.isEmpty() ? Optional.<ApiKeyRecord>empty() : Optional.of(found.get(0));
            }
        });
    }

    @Override
    public List<ApiKeyRecord> list(String subject) {
        Objects.requireNonNull(subject, "subject");
        return run("list", null, c -> {
            try (PreparedStatement s = c.prepareStatement(LIST)) {
                s.setString(1, subject);
                return List.copyOf(read(s));
            }
        });
    }

    @Override
    public boolean revoke(String keyId, Instant at) {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(at, "at");
        return run("revoke", keyId, c -> {
            try (PreparedStatement s = c.prepareStatement(REVOKE)) {
                s.setObject(1, Jdbc.timestamp(at), Types.TIMESTAMP_WITH_TIMEZONE);
                s.setString(2, keyId);
                return s.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean touch(String keyId, Instant at) {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(at, "at");
        return run("record the last use of", keyId, c -> {
            try (PreparedStatement s = c.prepareStatement(TOUCH)) {
                s.setObject(1, Jdbc.timestamp(at), Types.TIMESTAMP_WITH_TIMEZONE);
                s.setString(2, keyId);
                s.setObject(3, Jdbc.timestamp(at), Types.TIMESTAMP_WITH_TIMEZONE);
                return s.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean delete(String keyId) {
        Objects.requireNonNull(keyId, "keyId");
        return run("delete", keyId, c -> {
            try (PreparedStatement s = c.prepareStatement(DELETE)) {
                s.setString(1, keyId);
                return s.executeUpdate() == 1;
            }
        });
    }

    private static List<ApiKeyRecord> read(PreparedStatement s) throws SQLException {
        List<ApiKeyRecord> records = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                Array array = rs.getArray(4);
                String[] roles = (String[]) array.getArray();
                array.free();
                String keyId = rs.getString(1);
                try {
                    records.add(new ApiKeyRecord(keyId, rs.getBytes(2), rs.getString(3), Set.of(roles),
                            rs.getString(5), Jdbc.instant(rs, 6), Jdbc.instant(rs, 7), Jdbc.instant(rs, 8), Jdbc.instant(rs, 9)));
                } catch (IllegalArgumentException | NullPointerException e) {
                    throw new CredentialException("The row of API key " + (keyId == null ? "(null id)" : "'" + keyId + "'")
                            + " in PostgreSQL is invalid: " + e.getMessage(), e);
                }
            }
        }
        return records;
    }

    private static CredentialException failure(String operation, String keyId, SQLException e) {
        String what = keyId == null ? "API keys" : "API key '" + keyId + "'";
        return new CredentialException("Could not " + operation + " " + what + " in PostgreSQL: " + Jdbc.firstLine(e)
                + ("42P01".equals(e.getSQLState())
                        ? " (the table is missing: run PostgresApiKeyStore.createSchema(dataSource))" : ""), e);
    }

    @Override
    public String toString() {
        return "PostgresApiKeyStore[infrakit_api_key]";
    }
}
