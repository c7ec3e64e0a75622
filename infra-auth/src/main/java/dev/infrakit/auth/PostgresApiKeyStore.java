package dev.infrakit.auth;

import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.KeyRingMac;

import javax.sql.DataSource;
import dev.infrakit.core.Jdbc;
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
 *
 * <p><b>Authenticated rows.</b> Created with a {@link KeyRing} ({@link #create(DataSource, KeyRing)}),
 * every row carries a MAC (HMAC-SHA256 under a key derived from the master key for this purpose,
 * stored with the master key's id) over every column but {@code last_used_at}: key id, secret hash,
 * subject, roles, name and the creation, expiry and revocation times. A row that fails it (edited
 * by someone with SQL access: roles raised, revocation cleared, expiry moved, a row inserted or
 * copied from another key) is refused with {@link CredentialIntegrityException} by {@link #find};
 * {@link #list} leaves it out (logged); {@link #revoke} deletes it. What a MAC cannot tell: a
 * whole earlier row of the same key put back (its own MAC was valid then), e.g. the row as it was
 * before its revocation — nothing inside the database can, since whoever restores it controls the
 * database; keep SQL write access to this table as tight as the master key. Without a key ring
 * rows are not authenticated (the database's access control is all there is).
 */
public final class PostgresApiKeyStore implements ApiKeyStore {
    private static final String SCHEMA_RESOURCE = "/dev/infrakit/credentials/api-key-schema.sql";
    private static final String COLUMNS = "key_id, secret_hash, subject, roles, name, created_at, expires_at, "
            + "revoked_at, last_used_at, mac";
    private static final String INSERT = "INSERT INTO infrakit_api_key (" + COLUMNS + ") "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING";
    /**
     * Revocation of an authenticated row: the new MAC is over the row as it was read (a row edited
     * in between then fails its check: refused, never trusted).
     */
    private static final String REVOKE_AUTHENTICATED = "UPDATE infrakit_api_key SET revoked_at = ?, mac = ? "
            + "WHERE key_id = ? AND revoked_at IS NULL";
    /** The HKDF purpose of the row MAC keys. */
    static final String MAC_PURPOSE = "infrakit api-key rows HMAC-SHA256";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PostgresApiKeyStore.class);
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
    /** Null: rows are not authenticated. */
    private final KeyRingMac mac;

    private PostgresApiKeyStore(DataSource dataSource, KeyRingMac mac) {
        this.dataSource = dataSource;
        this.mac = mac;
    }

    /**
     * A store over {@code dataSource} (a pool; each operation borrows one connection). Checks that
     * the database answers and holds the table.
     *
     * @throws CredentialException if it cannot be reached or the table is missing (the message
     *     says to run {@link #createSchema(DataSource)})
     */
    public static PostgresApiKeyStore create(DataSource dataSource) {
        return open(dataSource, null);
    }

    /**
     * A store over {@code dataSource} whose rows are authenticated with keys derived from
     * {@code keyRing} (new rows under its primary; rows made under its other keys still verify).
     * Every row must carry a MAC: rows written by a store without a key ring are refused, so enable
     * it on a new table (or re-create the keys).
     *
     * @throws CredentialException if it cannot be reached or the table is missing
     */
    public static PostgresApiKeyStore create(DataSource dataSource, KeyRing keyRing) {
        return open(dataSource, new KeyRingMac(Objects.requireNonNull(keyRing, "keyRing"), MAC_PURPOSE));
    }

    private static PostgresApiKeyStore open(DataSource dataSource, KeyRingMac mac) {
        PostgresApiKeyStore store = new PostgresApiKeyStore(Objects.requireNonNull(dataSource, "dataSource"), mac);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeQuery("SELECT mac FROM infrakit_api_key LIMIT 0").close();
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

    private boolean insert(Connection c, ApiKeyRecord record) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(INSERT)) {
            Array roles = c.createArrayOf("text", record.roles().toArray(new String[0]));
            s.setString(1, record.keyId());
            s.setBytes(2, record.secretHash());
            s.setString(3, record.subject());
            s.setArray(4, roles);
            s.setString(5, record.name());
            // Truncated to what timestamptz keeps (PostgreSQL would round), so the MAC's times are the row's.
            s.setObject(6, Jdbc.timestamp(micro(record.createdAt())), Types.TIMESTAMP_WITH_TIMEZONE);
            s.setObject(7, Jdbc.timestamp(micro(record.expiresAt().orElse(null))), Types.TIMESTAMP_WITH_TIMEZONE);
            s.setObject(8, Jdbc.timestamp(micro(record.revokedAt().orElse(null))), Types.TIMESTAMP_WITH_TIMEZONE);
            s.setObject(9, Jdbc.timestamp(record.lastUsedAt().orElse(null)), Types.TIMESTAMP_WITH_TIMEZONE);
            s.setString(10, sign(record));
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
                List<ApiKeyRecord> found = read(s, true);
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
                return List.copyOf(read(s, false));
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>With a key ring, a row that fails its check cannot be revoked in place (nothing in it can
     * be believed): it is deleted, so the key is refused as unknown from then on, and {@code true}
     * is returned.
     */
    @Override
    public boolean revoke(String keyId, Instant at) {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(at, "at");
        if (mac != null) {
            return revokeAuthenticated(keyId, at);
        }
        return run("revoke", keyId, c -> {
            try (PreparedStatement s = c.prepareStatement(REVOKE)) {
                s.setObject(1, Jdbc.timestamp(at), Types.TIMESTAMP_WITH_TIMEZONE);
                s.setString(2, keyId);
                return s.executeUpdate() == 1;
            }
        });
    }

    private boolean revokeAuthenticated(String keyId, Instant at) {
        ApiKeyRecord current;
        try {
            current = find(keyId).orElse(null);
        } catch (CredentialIntegrityException untrusted) {
            return delete(keyId);
        }
        if (current == null || current.isRevoked()) {
            return false;
        }
        ApiKeyRecord revoked = current.withRevokedAt(at);
        return run("revoke", keyId, c -> {
            try (PreparedStatement s = c.prepareStatement(REVOKE_AUTHENTICATED)) {
                s.setObject(1, Jdbc.timestamp(micro(at)), Types.TIMESTAMP_WITH_TIMEZONE);
                s.setString(2, sign(revoked));
                s.setString(3, keyId);
                return s.executeUpdate() == 1; // 0: revoked meanwhile by another caller
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

    /**
     * The rows as records; with a key ring each checked: one that fails is thrown ({@code strict})
     * or left out and logged.
     */
    private List<ApiKeyRecord> read(PreparedStatement s, boolean strict) throws SQLException {
        List<ApiKeyRecord> records = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                Array array = rs.getArray(4);
                String[] roles = (String[]) array.getArray();
                array.free();
                String keyId = rs.getString(1);
                ApiKeyRecord record;
                try {
                    record = new ApiKeyRecord(keyId, rs.getBytes(2), rs.getString(3), Set.of(roles),
                            rs.getString(5), Jdbc.instant(rs, 6), Jdbc.instant(rs, 7), Jdbc.instant(rs, 8), Jdbc.instant(rs, 9));
                } catch (IllegalArgumentException | NullPointerException e) {
                    throw new CredentialException("The row of API key " + (keyId == null ? "(null id)" : "'" + keyId + "'")
                            + " in PostgreSQL is invalid: " + e.getMessage(), e);
                }
                try {
                    check(record, rs.getString(10));
                } catch (CredentialIntegrityException untrusted) {
                    if (strict) {
                        throw untrusted;
                    }
                    LOG.error("{}; left out of the list", untrusted.getMessage());
                    continue;
                }
                records.add(record);
            }
        }
        return records;
    }

    /** The row's MAC, "{@code <master key id>.<mac>}", or null without a key ring. */
    private String sign(ApiKeyRecord record) {
        return mac == null ? null : mac.primaryId() + "." + mac.sign(macInput(record));
    }

    private void check(ApiKeyRecord record, String stored) {
        if (mac == null) {
            return;
        }
        String what = "The row of API key '" + record.keyId() + "' in PostgreSQL";
        int dot = stored == null ? -1 : stored.lastIndexOf('.');
        if (dot <= 0 || !mac.verify(stored.substring(0, dot), macInput(record), stored.substring(dot + 1), what)) {
            throw new CredentialIntegrityException(what + (stored == null ? " carries no MAC (written without the "
                    + "key ring, or forged)" : " fails its MAC (edited, forged, or copied from another key)")
                    + ": it is not trusted");
        }
    }

    /** Every column but last_used_at, each length-prefixed, roles sorted. */
    private static byte[] macInput(ApiKeyRecord r) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream data = new java.io.DataOutputStream(out);
        try {
            data.writeUTF("infrakit-api-key-row-v1");
            data.writeUTF(r.keyId());
            byte[] hash = r.secretHash();
            data.writeInt(hash.length);
            data.write(hash);
            field(data, r.subject());
            java.util.List<String> roles = new ArrayList<>(r.roles());
            java.util.Collections.sort(roles);
            data.writeInt(roles.size());
            for (String role : roles) {
                field(data, role);
            }
            field(data, r.name());
            data.writeLong(micros(r.createdAt()));
            data.writeLong(r.expiresAt().map(PostgresApiKeyStore::micros).orElse(Long.MIN_VALUE));
            data.writeLong(r.revokedAt().map(PostgresApiKeyStore::micros).orElse(Long.MIN_VALUE));
            data.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void field(java.io.DataOutputStream data, String value) throws java.io.IOException {
        byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        data.writeInt(bytes.length);
        data.write(bytes);
    }

    private static Instant micro(Instant t) {
        return t == null ? null : t.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    private static CredentialException failure(String operation, String keyId, SQLException e) {
        String what = keyId == null ? "API keys" : "API key '" + keyId + "'";
        return new CredentialException("Could not " + operation + " " + what + " in PostgreSQL: " + Jdbc.firstLine(e)
                + ("42P01".equals(e.getSQLState())
                        ? " (the table is missing: run PostgresApiKeyStore.createSchema(dataSource))" : ""), e);
    }

    @Override
    public String toString() {
        return "PostgresApiKeyStore[infrakit_api_key" + (mac == null ? "" : ", authenticated rows") + "]";
    }
}
