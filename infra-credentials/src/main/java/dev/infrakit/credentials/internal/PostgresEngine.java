package dev.infrakit.credentials.internal;

import dev.infrakit.core.Jdbc;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.SecretValue;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The PostgreSQL store's records: a row per credential in {@code infrakit_credential} and a row
 * per version in {@code infrakit_credential_version}, each version's value sealed as a JWE by
 * {@link SecretCipher}.
 *
 * <p>Every write is one READ COMMITTED transaction that first locks the credential's row
 * ({@code SELECT ... FOR UPDATE}; a missing row is inserted with {@code ON CONFLICT DO NOTHING}
 * and then locked), then reads its versions (a fresh snapshot, taken after the lock, so a writer
 * that waited sees what the previous one committed), applies the change to the record in memory,
 * writes back only the rows that differ, and sends {@code NOTIFY infrakit_credentials} with the
 * name, delivered on commit. Writers of one credential are thus serialized by the row lock and no
 * update is lost, across any number of processes; a failed change rolls back, so an empty row
 * inserted for a create that lost its check-and-set never becomes visible. Reads take no lock: the
 * credential and its versions are read by one statement (one snapshot). Thread-safe.
 */
public final class PostgresEngine extends RecordStore<String> {
    /** The channel every write notifies, with the credential's name as payload. */
    public static final String CHANNEL = "infrakit_credentials";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> CUSTOM_TYPE = new TypeReference<>() {
    };
    private static final String READ_COLUMNS = "c.name, c.current_version, c.max_versions, c.custom::text, "
            + "c.created_at, c.updated_at, v.version, v.created_at, v.deleted_at, v.destroyed, v.data "
            + "FROM infrakit_credential c LEFT JOIN infrakit_credential_version v ON v.name = c.name ";
    private static final String LOAD = "SELECT " + READ_COLUMNS + "WHERE c.name = ? ORDER BY v.version";
    private static final String LOAD_ALL = "SELECT " + READ_COLUMNS + "WHERE c.name LIKE ? ESCAPE '!' "
            + "ORDER BY c.name, v.version";
    private static final String LOCK = "SELECT name, current_version, max_versions, custom::text, created_at, "
            + "updated_at FROM infrakit_credential WHERE name = ? FOR UPDATE";
    private static final String VERSIONS = "SELECT version, created_at, deleted_at, destroyed, data "
            + "FROM infrakit_credential_version WHERE name = ? ORDER BY version";
    private static final String INSERT_EMPTY = "INSERT INTO infrakit_credential (name, current_version, max_versions, "
            + "custom, created_at, updated_at) VALUES (?, 0, 0, '{}', ?, ?) ON CONFLICT (name) DO NOTHING";
    private static final String UPDATE_CREDENTIAL = "UPDATE infrakit_credential SET current_version = ?, "
            + "max_versions = ?, custom = ?::jsonb, updated_at = ? WHERE name = ?";
    private static final String DELETE_VERSIONS = "DELETE FROM infrakit_credential_version WHERE name = ? "
            + "AND version = ANY (?)";
    private static final String INSERT_VERSION = "INSERT INTO infrakit_credential_version (name, version, created_at, "
            + "deleted_at, destroyed, data) VALUES (?, ?, ?, ?, ?, ?)";
    private static final String UPDATE_VERSION = "UPDATE infrakit_credential_version SET deleted_at = ?, "
            + "destroyed = ?, data = ? WHERE name = ? AND version = ?";
    private static final String UPDATE_DATA = "UPDATE infrakit_credential_version SET data = ? "
            + "WHERE name = ? AND version = ?";
    private static final String NOTIFY = "SELECT pg_notify('" + CHANNEL + "', ?)";
    private static final String REMOVE = "WITH gone AS (DELETE FROM infrakit_credential WHERE name = ? RETURNING name) "
            + "SELECT pg_notify('" + CHANNEL + "', name) FROM gone";
    private static final String SCAN = "SELECT name, version, data FROM infrakit_credential_version "
            + "WHERE data IS NOT NULL AND (name, version) > (?, ?) ORDER BY name, version LIMIT ?";
    private static final int SCAN_PAGE = 500;

    private final DataSource dataSource;
    private final SecretCipher cipher;

    /** One transaction's work on a connection. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * @param dataSource the pool every operation borrows a connection from
     * @param cipher seals new versions under the ring's primary key and opens any key in the ring
     * @param clock stamps versions and changes
     * @param maxVersions versions kept per credential by default
     */
    public PostgresEngine(DataSource dataSource, SecretCipher cipher, Clock clock, int maxVersions) {
        super(clock, maxVersions);
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.cipher = Objects.requireNonNull(cipher, "cipher");
    }

    /**
     * Checks that the database answers and holds the schema.
     *
     * @throws CredentialException naming what is missing
     */
    public void checkSchema() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeQuery("SELECT 1 FROM infrakit_credential, infrakit_credential_version LIMIT 0").close();
        } catch (SQLException e) {
            throw failure("open", null, e);
        }
    }

    @Override
    protected CredentialRecord<String> load(String name) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(LOAD)) {
            s.setString(1, name);
            List<CredentialRecord<String>> found = readRecords(s);
            return found.isEmpty() ? null : found.get(0);
        } catch (SQLException e) {
            throw failure("read", name, e);
        }
    }

    @Override
    protected List<CredentialRecord<String>> loadAll(String prefix) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(LOAD_ALL)) {
            s.setString(1, likePrefix(prefix));
            return readRecords(s);
        } catch (SQLException e) {
            throw new CredentialException("Could not list credentials with prefix '" + prefix + "' in PostgreSQL: "
                    + describe(e), e);
        }
    }

    /** A LIKE pattern matching names that start with {@code prefix} ('!' escapes). */
    static String likePrefix(String prefix) {
        return prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
    }

    private static List<CredentialRecord<String>> readRecords(PreparedStatement s) throws SQLException {
        List<CredentialRecord<String>> records = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
            String name = null;
            Object[] head = null;
            List<CredentialRecord.Version<String>> versions = new ArrayList<>();
            while (rs.next()) {
                String rowName = rs.getString(1);
                if (!rowName.equals(name)) {
                    if (name != null) {
                        records.add(record(name, head, versions));
                    }
                    name = rowName;
                    head = new Object[] {rs.getInt(2), rs.getInt(3), rs.getString(4), Jdbc.instant(rs, 5), Jdbc.instant(rs, 6)};
                    versions = new ArrayList<>();
                }
                int version = rs.getInt(7);
                if (!rs.wasNull()) {
                    versions.add(new CredentialRecord.Version<>(version, Jdbc.instant(rs, 8), Jdbc.instant(rs, 9), rs.getBoolean(10),
                            rs.getString(11)));
                }
            }
            if (name != null) {
                records.add(record(name, head, versions));
            }
        }
        return records;
    }

    private static CredentialRecord<String> record(String name, Object[] head,
            List<CredentialRecord.Version<String>> versions) {
        return new CredentialRecord<>(name, (Instant) head[3], (Instant) head[4], (Integer) head[0], (Integer) head[1],
                custom(name, (String) head[2]), versions);
    }

    @Override
    protected <T> T mutate(String name, boolean create, Mutation<String, T> mutation) {
        return inTransaction("write", name, c -> {
            CredentialRecord<String> stored = lock(c, name);
            if (stored == null) {
                if (!create) {
                    throw notFound(name);
                }
                Instant now = now();
                try (PreparedStatement s = c.prepareStatement(INSERT_EMPTY)) {
                    s.setString(1, name);
                    s.setObject(2, Jdbc.timestamp(now), Types.TIMESTAMP_WITH_TIMEZONE);
                    s.setObject(3, Jdbc.timestamp(now), Types.TIMESTAMP_WITH_TIMEZONE);
                    s.executeUpdate();
                }
                // Ours, or one a concurrent creator committed while our insert waited for it.
                stored = lock(c, name);
                if (stored == null) {
                    throw new SQLException("the row of credential '" + name + "' vanished between insert and lock");
                }
            }
            CredentialRecord<String> working = stored.copy();
            T result = mutation.apply(working);
            save(c, stored, working);
            try (PreparedStatement s = c.prepareStatement(NOTIFY)) {
                s.setString(1, name);
                s.executeQuery().close();
            }
            return result;
        });
    }

    /** Locks the credential's row and reads its versions, or returns null if it has no row. */
    private static CredentialRecord<String> lock(Connection c, String name) throws SQLException {
        Object[] head;
        try (PreparedStatement s = c.prepareStatement(LOCK)) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                head = new Object[] {rs.getInt(2), rs.getInt(3), rs.getString(4), Jdbc.instant(rs, 5), Jdbc.instant(rs, 6)};
            }
        }
        List<CredentialRecord.Version<String>> versions = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(VERSIONS)) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    versions.add(new CredentialRecord.Version<>(rs.getInt(1), Jdbc.instant(rs, 2), Jdbc.instant(rs, 3),
                            rs.getBoolean(4), rs.getString(5)));
                }
            }
        }
        return record(name, head, versions);
    }

    /**
     * Writes the rows in which {@code working} differs from {@code stored}. One statement per row,
     * not a batch: a failed batch's message would quote every parameter, ciphertexts included.
     */
    private static void save(Connection c, CredentialRecord<String> stored, CredentialRecord<String> working)
            throws SQLException {
        String name = working.name();
        try (PreparedStatement s = c.prepareStatement(UPDATE_CREDENTIAL)) {
            s.setInt(1, working.currentVersion());
            s.setInt(2, working.maxVersions());
            s.setString(3, json(working.custom()));
            s.setObject(4, Jdbc.timestamp(working.updated()), Types.TIMESTAMP_WITH_TIMEZONE);
            s.setString(5, name);
            s.executeUpdate();
        }
        Map<Integer, CredentialRecord.Version<String>> before = new HashMap<>();
        for (CredentialRecord.Version<String> v : stored.versions()) {
            before.put(v.number(), v);
        }
        List<CredentialRecord.Version<String>> added = new ArrayList<>();
        List<CredentialRecord.Version<String>> changed = new ArrayList<>();
        for (CredentialRecord.Version<String> v : working.versions()) {
            CredentialRecord.Version<String> old = before.remove(v.number());
            if (old == null) {
                added.add(v);
            } else if (!Objects.equals(old.deleted(), v.deleted()) || old.destroyed() != v.destroyed()
                    || !Objects.equals(old.payload(), v.payload())) {
                changed.add(v);
            }
        }
        if (!before.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(DELETE_VERSIONS)) {
                Array numbers = c.createArrayOf("integer", before.keySet().toArray(new Integer[0]));
                s.setString(1, name);
                s.setArray(2, numbers);
                s.executeUpdate();
                numbers.free();
            }
        }
        if (!added.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(INSERT_VERSION)) {
                for (CredentialRecord.Version<String> v : added) {
                    s.setString(1, name);
                    s.setInt(2, v.number());
                    s.setObject(3, Jdbc.timestamp(v.created()), Types.TIMESTAMP_WITH_TIMEZONE);
                    s.setObject(4, Jdbc.timestamp(v.deleted()), Types.TIMESTAMP_WITH_TIMEZONE);
                    s.setBoolean(5, v.destroyed());
                    s.setString(6, v.payload());
                    s.executeUpdate();
                }
            }
        }
        if (!changed.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(UPDATE_VERSION)) {
                for (CredentialRecord.Version<String> v : changed) {
                    s.setObject(1, Jdbc.timestamp(v.deleted()), Types.TIMESTAMP_WITH_TIMEZONE);
                    s.setBoolean(2, v.destroyed());
                    s.setString(3, v.payload());
                    s.setString(4, name);
                    s.setInt(5, v.number());
                    s.executeUpdate();
                }
            }
        }
    }

    @Override
    protected boolean remove(String name) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(REMOVE)) {
            s.setString(1, name);
            boolean existed;
            try (ResultSet rs = s.executeQuery()) {
                existed = rs.next();
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
            return existed;
        } catch (SQLException e) {
            throw failure("delete", name, e);
        }
    }

    @Override
    protected String seal(String name, int version, SecretValue value) {
        return cipher.seal(name, version, value);
    }

    @Override
    protected SecretValue open(String name, int version, String payload) {
        return cipher.open(name, version, payload);
    }

    /**
     * Re-encrypts under the ring's primary key every stored version sealed with another key,
     * leaving versions, times and everything else as they are. Scans without locks, then re-seals
     * each credential that needs it in its own transaction under its row lock, so writers may run
     * meanwhile (a version they add is already under the primary).
     *
     * @return how many versions were re-encrypted
     * @throws dev.infrakit.credentials.CredentialIntegrityException if a version to re-encrypt fails
     *     its check (nothing of that credential is changed)
     * @throws CredentialException if the database fails
     */
    public int rewrap() {
        String primary = cipher.ring().primary().id();
        int rewrapped = 0;
        String afterName = "";
        int afterVersion = 0;
        while (true) {
            Set<String> stale = new LinkedHashSet<>();
            int rows = 0;
            try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(SCAN)) {
                s.setString(1, afterName);
                s.setInt(2, afterVersion);
                s.setInt(3, SCAN_PAGE);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        afterName = rs.getString(1);
                        afterVersion = rs.getInt(2);
                        if (!primary.equals(cipher.keyIdOf(afterName, afterVersion, rs.getString(3)))) {
                            stale.add(afterName);
                        }
                    }
                }
            } catch (SQLException e) {
                throw new CredentialException("Could not scan credentials for re-encryption in PostgreSQL: "
                        + describe(e), e);
            }
            for (String name : stale) {
                rewrapped += rewrap(name, primary);
            }
            if (rows < SCAN_PAGE) {
                return rewrapped;
            }
        }
    }

    private int rewrap(String name, String primary) {
        return inTransaction("re-encrypt", name, c -> {
            CredentialRecord<String> record = lock(c, name);
            if (record == null) {
                return 0; // Deleted since the scan.
            }
            Map<Integer, String> resealed = new LinkedHashMap<>();
            for (CredentialRecord.Version<String> v : record.versions()) {
                String data = v.payload();
                if (data != null && !primary.equals(cipher.keyIdOf(name, v.number(), data))) {
                    SecretValue value = cipher.open(name, v.number(), data);
                    try {
                        resealed.put(v.number(), cipher.seal(name, v.number(), value));
                    } finally {
                        value.clear();
                    }
                }
            }
            if (!resealed.isEmpty()) {
                try (PreparedStatement s = c.prepareStatement(UPDATE_DATA)) {
                    for (Map.Entry<Integer, String> e : resealed.entrySet()) {
                        s.setString(1, e.getValue());
                        s.setString(2, name);
                        s.setInt(3, e.getKey());
                        s.executeUpdate();
                    }
                }
            }
            return resealed.size();
        });
    }

    /**
     * Runs {@code work} in one READ COMMITTED transaction (whatever the pool's default), committing
     * if it returns and rolling back if it throws anything.
     */
    private <T> T inTransaction(String operation, String name, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    s.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollback(c, e);
                throw e;
            } finally {
                restoreAutoCommit(c, autoCommit);
            }
        } catch (SQLException e) {
            throw failure(operation, name, e);
        }
    }

    private static void rollback(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void restoreAutoCommit(Connection c, boolean autoCommit) {
        try {
            if (autoCommit && !c.isClosed()) {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            // The connection is broken; the pool discards it.
        }
    }

    private static CredentialException failure(String operation, String name, SQLException e) {
        String what = name == null ? "the credential store" : "credential '" + name + "'";
        return new CredentialException("Could not " + operation + " " + what + " in PostgreSQL: " + describe(e), e);
    }

    /**
     * The first line of the driver's message, and a hint for a missing schema. The server's detail
     * lines ("Failing row contains ...") would quote ciphertexts; they stay in the cause.
     */
    private static String describe(SQLException e) {
        return Jdbc.firstLine(e) + ("42P01".equals(e.getSQLState())
                ? " (the tables are missing: run PostgresCredentialStore.createSchema(dataSource))" : "");
    }

    private static Map<String, String> custom(String name, String json) {
        try {
            return JSON.readValue(json, CUSTOM_TYPE);
        } catch (JsonProcessingException e) {
            throw new CredentialException("The custom metadata of credential '" + name
                    + "' in PostgreSQL is not a JSON object of strings");
        }
    }

    private static String json(Map<String, String> custom) {
        try {
            return JSON.writeValueAsString(custom);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode custom metadata", e);
        }
    }

    @Override
    public String toString() {
        return "PostgresEngine[keys " + cipher.ring().ids() + "]";
    }
}
