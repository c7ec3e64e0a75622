package dev.infrakit.audit;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientText;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes events to the {@code infrakit_audit} table in batches: one transaction per batch, one
 * insert statement. Each sink is a writer with its own id, sequence and HMAC chain, so several
 * instances of a service can share the table and {@link AuditVerifier#verifyTable} checks every
 * chain. DURABLE {@link #record} returns after the batch holding the event was committed; ASYNC
 * once queued (block or reject when full, as the file sink).
 *
 * <p>Failures. An event whose id is already in the table (unique {@code event_id}) is not stored
 * again and its {@code record} succeeds, so recording the same {@link AuditEvent} again after an
 * error is always safe. A row the database refuses (SQL state class 22 or 23: a constraint, a value
 * it cannot hold) fails only that event: the rest of its batch is committed, the refused event
 * takes no sequence number, a DURABLE caller gets an {@link AuditException} naming the SQL state,
 * and an ASYNC event is replaced by an {@code audit.event-refused} event ({@link #refusedEvents()}).
 * Any other error fails the batch: DURABLE callers get an {@link AuditException} (their event was
 * not committed, or, when the message says the reply to the commit was lost, it may have been);
 * ASYNC batches are retried (with a one-second pause) until they commit. After a failed batch the
 * sink reads its last committed row again before writing. Messages and logs carry SQL states, never
 * event values. Text: U+0000, which PostgreSQL cannot store in {@code text}, is stored as U+FFFD in
 * the plain columns (the body keeps the exact value); the database must be UTF8. Thread-safe.
 */
public final class PostgresAuditSink implements AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresAuditSink.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The type of the event recorded in place of an ASYNC event the database refused. */
    static final String REFUSED_TYPE = "audit.event-refused";
    private static final String COLUMNS = "writer_id, seq, time, category, type, severity, actor_id, action, "
            + "resource_type, resource_id, outcome, body, mac, event_id";
    /** One row, for the row-by-row path. */
    private static final String INSERT = "INSERT INTO infrakit_audit (" + COLUMNS + ") "
            + "VALUES (?,?,?::timestamptz,?,?,?,?,?,?,?,?,?,?,?)";
    /**
     * A whole batch as one statement over arrays, one per column. Not JDBC batching: the driver's
     * batch error quotes every row's values, and connection pools log it when the connection broke.
     */
    private static final String INSERT_ALL = "INSERT INTO infrakit_audit (" + COLUMNS + ") SELECT ?, u.seq, "
            + "u.time::timestamptz, u.category, u.type, u.severity, u.actor_id, u.action, u.resource_type, "
            + "u.resource_id, u.outcome, u.body, u.mac, u.event_id FROM unnest(?::bigint[], ?::text[], ?::text[], "
            + "?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[], "
            + "?::uuid[]) AS u(seq, time, category, type, severity, actor_id, action, resource_type, resource_id, "
            + "outcome, body, mac, event_id)";
    /** What {@link #insertOne} answers for an event whose id is already in the table (compared by identity). */
    private static final String ALREADY_STORED = new String("already stored");

    private final DataSource dataSource;
    private final String writerId;
    private final AuditJson json;
    private final Durability durability;
    private final Durability.QueueFull queueFull;
    private final Mac hmac;
    private final BlockingQueue<Pending> queue;
    private final Thread writer;
    private final LongAdder written = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder failedBatches = new LongAdder();
    private final LongAdder commits = new LongAdder();
    private final LongAdder commitNanos = new LongAdder();
    private final LongAdder refusedEvents = new LongAdder();
    private final String encodedWriterId;
    private final int queueCapacity;
    private final java.security.interfaces.ECPrivateKey checkpointKey;
    private final long checkpointIntervalNanos;
    private final java.time.Clock clock;
    private long lastCheckpoint = System.nanoTime();
    private long checkpointedSeq;
    private volatile String lastFailure;
    /**
     * Set while the database refuses every event it is given (a batch with refusals and nothing
     * stored), e.g. a constraint an operator added: callers are refused, so readiness must say so.
     * A value can no longer cause a refusal (text is made storable), so no client can set it.
     */
    private volatile String refusingAll;
    /** Rows the last successful {@link #store} inserted (writer thread). */
    private int lastStored;
    private long lastSeq;
    /** Set after a failed batch: the position must be read again before the next write. */
    private boolean reread;
    private byte[] lastMac;
    private volatile boolean closed;

    private static final class Pending {
        final AuditEvent event;
        final String json;
        final CompletableFuture<Void> done;

        Pending(AuditEvent event, String json, boolean tracked) {
            this.event = event;
            this.json = json;
            this.done = tracked ? new CompletableFuture<>() : null;
        }
    }

    private PostgresAuditSink(Builder b) throws SQLException {
        this.dataSource = b.dataSource;
        this.writerId = b.writerId();
        try {
            this.encodedWriterId = JSON.writeValueAsString(writerId);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AuditException("Could not encode the writer id", e);
        }
        this.json = AuditJson.with(b.redactor());
        this.durability = b.durability();
        this.queueFull = b.queueFull();
        this.hmac = Chain.hmac(b.key);
        this.queueCapacity = b.queueCapacity();
        this.checkpointKey = b.checkpointKey();
        this.checkpointIntervalNanos = b.checkpointInterval().toNanos();
        this.clock = b.clock();
        // Bounded, with one lock for producers and another for the writer, and a lock-free size():
        // an ArrayBlockingQueue's single lock was shared by every request thread and the writer,
        // which takes it again on each size() while it gathers a batch (#25).
        this.queue = new LinkedBlockingQueue<>(queueCapacity);
        requireUtf8AndSchema();
        restoreChain();
        this.writer = new Thread(this::writeLoop, "infrakit-audit-postgres");
        writer.setDaemon(true);
        writer.start();
    }

    /** A builder writing through {@code dataSource} with the chain key {@code hmacKey} (at least 32 bytes). */
    public static Builder builder(DataSource dataSource, byte[] hmacKey) {
        return new Builder(dataSource, hmacKey);
    }

    /** The schema script shipped in the jar. */
    public static String schemaSql() {
        return dev.infrakit.core.DataSources.script(PostgresAuditSink.class, "postgres-schema.sql");
    }

    /**
     * Creates the table and indexes if missing (idempotent).
     *
     * @throws AuditException if the statements fail
     */
    public static void createSchema(DataSource dataSource) {
        try {
            dev.infrakit.core.DataSources.runScript(dataSource, schemaSql());
        } catch (SQLException e) {
            throw new AuditException("Could not create the audit schema: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a database that cannot store every character (the body and columns are text, and a
     * LATIN1 or SQL_ASCII database would refuse or garble other characters), and a table without
     * the {@code event_id} column (created by an earlier version: {@link #createSchema} upgrades it).
     */
    private void requireUtf8AndSchema() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW server_encoding")) {
                String encoding = rs.next() ? rs.getString(1) : "unknown";
                if (!"UTF8".equalsIgnoreCase(encoding)) {
                    throw new AuditException("Cannot open the PostgreSQL audit sink: the database's server_encoding is "
                            + encoding + ", not UTF8, so it cannot store every character of an audit event; keep the "
                            + "audit table in a database created with ENCODING 'UTF8'");
                }
            }
            s.executeQuery("SELECT event_id FROM infrakit_audit WHERE false").close();
        }
    }

    private void restoreChain() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            readPosition(c);
        }
    }

    /**
     * Reads this writer's last committed row (sequence number and MAC) as the position to continue
     * from: when the sink opens, and before writing again after a failed batch, since a batch whose
     * commit's reply was lost may have been committed after all.
     */
    private void readPosition(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT seq, mac FROM infrakit_audit WHERE writer_id = ? ORDER BY seq DESC LIMIT 1")) {
            s.setString(1, writerId);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    lastSeq = rs.getLong(1);
                    lastMac = rs.getBytes(2);
                } else {
                    lastSeq = 0;
                    lastMac = Chain.GENESIS;
                }
            }
        }
    }

    @Override
    public void record(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        if (closed) {
            throw new AuditException("This audit sink is closed");
        }
        Pending pending = new Pending(event, json.toJson(event), durability == Durability.DURABLE);
        if (durability == Durability.ASYNC && queueFull == Durability.QueueFull.REJECT) {
            if (!queue.offer(pending)) {
                rejected.increment();
                throw new AuditException("Audit queue full; the event was not recorded");
            }
        } else {
            try {
                queue.put(pending);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AuditException("Interrupted while queueing an audit event; it was not recorded", e);
            }
        }
        if (pending.done != null) {
            await(pending.done);
        }
    }

    private void await(CompletableFuture<Void> done) {
        try {
            done.join();
        } catch (CompletionException e) {
            // The writer completes futures with messages fit for callers (no event values).
            throw new AuditException(e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void flush() {
        if (closed) {
            throw new AuditException("This audit sink is closed");
        }
        Pending marker = new Pending(null, null, true);
        try {
            queue.put(marker);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditException("Interrupted while flushing the audit sink", e);
        }
        await(marker.done);
    }

    /*
     * The writer thread. A batch is one transaction. The happy path is one insert of all its rows; when the
     * database refuses a row (SQL state class 22 or 23: a value it cannot store, a constraint), the
     * transaction is rolled back and the batch inserted again row by row, each row under a
     * savepoint, so that only refused rows are left out. Sequence numbers and MACs are assigned as
     * rows succeed, so a refused event takes no number and the chain stays gap-free. A refused
     * DURABLE event is reported to its caller; a refused ASYNC event is replaced by an
     * audit.event-refused event naming it. Any other error (connection, server, timeout, schema) is
     * about the batch, not a row: DURABLE callers get it and ASYNC events are retried.
     */
    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (!(closed && queue.isEmpty() && batch.isEmpty())) {
            if (batch.isEmpty()) {
                try {
                    Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                } catch (InterruptedException e) {
                    continue;
                }
            }
            queue.drainTo(batch, 1000 - batch.size());
            long start = System.nanoTime();
            Map<Pending, String> refused;
            try {
                refused = store(batch);
            } catch (SQLException | RuntimeException e) {
                failed(batch, e);
                continue;
            }
            commits.increment();
            commitNanos.add(System.nanoTime() - start);
            lastFailure = null;
            if (lastStored > 0) {
                refusingAll = null;
            } else if (!refused.isEmpty()) {
                refusingAll = "the database refuses every audit event (SQL state " + refused.values().iterator().next() + ")";
            }
            for (Pending p : batch) {
                if (p.done == null) {
                    continue;
                }
                String state = refused.get(p);
                if (state == null) {
                    p.done.complete(null);
                } else {
                    p.done.completeExceptionally(new AuditException("Audit insert failed: the database refused this "
                            + "event (SQL state " + state + "); it was not recorded, the other events of its batch were"));
                }
            }
            batch.clear();
            if (checkpointKey != null && (closed || System.nanoTime() - lastCheckpoint >= checkpointIntervalNanos)) {
                checkpointQuietly();
            }
        }
        if (checkpointKey != null) {
            checkpointQuietly();
        }
    }

    /**
     * After a batch failed as a whole: DURABLE callers are told, ASYNC events stay in {@code batch}
     * for a retry, and the position is read again before the next write.
     */
    private void failed(List<Pending> batch, Exception e) {
        failedBatches.increment();
        reread = true;
        boolean unknown = e instanceof OutcomeUnknown;
        String why = describe(e);
        lastFailure = why;
        String consequence = unknown
                ? "; the reply to the commit was lost, so the event may have been committed (recording the same "
                        + "event again stores it once)"
                : "; the event was not committed";
        List<Pending> retry = new ArrayList<>();
        for (Pending p : batch) {
            if (p.done != null) {
                // A DURABLE caller learns of the failure and may record the same event again.
                p.done.completeExceptionally(new AuditException("Audit insert failed: " + why + consequence,
                        safeCause(e)));
            } else {
                retry.add(p);
            }
        }
        LOG.warn("Audit batch of {} events {} ({}); {}", batch.size(),
                unknown ? "perhaps committed: the reply to its commit was lost" : "not committed", ClientText.forLog(why, 1000),
                retry.isEmpty() ? "its callers were told" : "retrying its " + retry.size() + " ASYNC events");
        batch.clear();
        batch.addAll(retry);
        try {
            Thread.sleep(retry.isEmpty() ? 0 : 1000);
        } catch (InterruptedException interrupted) {
            // Closing: keep retrying what ASYNC callers were promised.
        }
    }

    /**
     * Stores the events of {@code batch} in one transaction and commits it.
     *
     * @return the DURABLE events the database refused, with the SQL state of each
     * @throws SQLException if the batch as a whole was not committed
     */
    private Map<Pending, String> store(List<Pending> batch) throws SQLException {
        List<Pending> events = new ArrayList<>();
        for (Pending p : batch) {
            if (p.event != null) {
                events.add(p);
            }
        }
        if (events.isEmpty()) {
            return Map.of();
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            boolean committing = false;
            try (PreparedStatement s = c.prepareStatement(INSERT); PreparedStatement all = c.prepareStatement(INSERT_ALL)) {
                if (reread) {
                    // The last batch may have been committed although it failed: continue from the
                    // table's position, and leave out events it already holds.
                    readPosition(c);
                    java.util.Set<UUID> already = stored(c, events.stream().map(p -> p.event.id()).toList());
                    events.removeIf(p -> already.contains(p.event.id()));
                    c.commit();
                    reread = false;
                }
                Position at = new Position(lastSeq, lastMac);
                Map<Pending, String> refused = new IdentityHashMap<>();
                int stored;
                int replaced = 0;
                try {
                    List<Row> rows = new ArrayList<>(events.size());
                    for (Pending p : events) {
                        rows.add(row(p.event, p.json, at));
                    }
                    insertAll(c, all, rows);
                    stored = events.size();
                } catch (SQLException e) {
                    if (!rowError(e)) {
                        throw e;
                    }
                    // A refused row, or an event recorded before (a unique id): row by row.
                    c.rollback();
                    at = new Position(lastSeq, lastMac);
                    stored = 0;
                    for (Pending p : events) {
                        String state = insertOne(c, s, p.event, p.json, at);
                        if (state == null) {
                            stored++;
                        } else if (state == ALREADY_STORED) {
                            continue;
                        } else if (p.done != null) {
                            refused.put(p, state);
                        } else {
                            AuditEvent instead = refusal(p.event, state);
                            String again = insertOne(c, s, instead, json.toJson(instead), at);
                            if (again == ALREADY_STORED) {
                                continue;
                            }
                            if (again != null) {
                                // Even an event of the sink's own making is refused: the table, not the
                                // event, is the problem. Keep the whole batch for a retry.
                                throw new SQLException("the database refuses even the audit.event-refused record "
                                        + "(SQL state " + again + ")", again);
                            }
                            stored++;
                            replaced++;
                        }
                    }
                }
                committing = true;
                c.commit();
                lastSeq = at.seq;
                lastMac = at.mac;
                written.add(stored);
                lastStored = stored;
                refusedEvents.add(refused.size() + replaced);
                if (!refused.isEmpty() || replaced > 0) {
                    LOG.warn("The database refused {} audit events ({} recorded as audit.event-refused, {} reported "
                            + "to their callers); the other events of the batch were committed", refused.size() + replaced,
                            replaced, refused.size());
                }
                return refused;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                if (committing && e instanceof SQLException sql) {
                    throw new OutcomeUnknown(sql);
                }
                throw e;
            }
        }
    }

    /** The commit failed without a reply: the server may have committed the batch, or not. */
    private static final class OutcomeUnknown extends SQLException {
        private static final long serialVersionUID = 1L;

        OutcomeUnknown(SQLException cause) {
            super("the reply to the commit was lost", cause.getSQLState(), cause);
            setNextException(cause);
        }
    }

    /** The next sequence number and MAC of this writer's chain within a transaction. */
    private static final class Position {
        long seq;
        byte[] mac;

        Position(long seq, byte[] mac) {
            this.seq = seq;
            this.mac = mac;
        }
    }

    /**
     * Inserts one event under a savepoint at the next position.
     *
     * @return {@code null} when inserted (the position advanced), {@link #ALREADY_STORED} when an
     *     event with its id is in the table (nothing inserted), else the SQL state that refused it
     * @throws SQLException on an error that is not about this row
     */
    private String insertOne(Connection c, PreparedStatement s, AuditEvent event, String eventJson, Position at)
            throws SQLException {
        Position next = new Position(at.seq, at.mac);
        java.sql.Savepoint savepoint = c.setSavepoint();
        try {
            bind(s, row(event, eventJson, next));
            s.executeUpdate();
        } catch (SQLException e) {
            if (!rowError(e)) {
                throw e;
            }
            c.rollback(savepoint);
            if ("23505".equals(sqlState(e))) {
                if (!stored(c, List.of(event.id())).isEmpty()) {
                    return ALREADY_STORED;
                }
                if (taken(c, next.seq)) {
                    // Not this event's fault: the chain moved on without this sink knowing it.
                    throw new SQLException("sequence number " + next.seq + " of writer " + writerId + " is taken; "
                            + "reading the chain again (is another sink running with the same writer id?)");
                }
            }
            return sqlState(e);
        }
        c.releaseSavepoint(savepoint);
        at.seq = next.seq;
        at.mac = next.mac;
        return null;
    }

    /** Which of {@code ids} are in the table already. */
    private static java.util.Set<UUID> stored(Connection c, List<UUID> ids) throws SQLException {
        java.util.Set<UUID> found = new java.util.HashSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT event_id FROM infrakit_audit WHERE event_id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return found;
    }

    private boolean taken(Connection c, long seq) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM infrakit_audit WHERE writer_id = ? AND seq = ?")) {
            s.setString(1, writerId);
            s.setLong(2, seq);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The values of one row: its columns in table order after the writer id. */
    private record Row(long seq, String time, String category, String type, String severity, String actorId,
                       String action, String resourceType, String resourceId, String outcome, String body, byte[] mac,
                       UUID eventId) {
    }

    /**
     * The row of {@code event} at the position after {@code at}, with its body and MAC; advances
     * {@code at} to it.
     *
     * @throws SQLException with SQL state 22008 if the event time cannot be a column value
     */
    private Row row(AuditEvent e, String eventJson, Position at) throws SQLException {
        String time = timeText(e.timestamp());
        long seq = at.seq + 1;
        String body = "{\"writer\":" + encodedWriterId + ",\"seq\":" + seq + ",\"event\":" + eventJson + "}";
        byte[] mac = Chain.mac(hmac, at.mac, body);
        at.seq = seq;
        at.mac = mac;
        return new Row(seq, time, e.category().name(), columnText(e.type()), e.severity().name(),
                columnText(e.actor().id()), columnText(e.action()), e.resource().map(r -> columnText(r.type())).orElse(null),
                e.resource().map(r -> columnText(r.id())).orElse(null), e.outcome().name(), body, mac, e.id());
    }

    private void bind(PreparedStatement s, Row r) throws SQLException {
        s.setString(1, writerId);
        s.setLong(2, r.seq());
        s.setString(3, r.time());
        s.setString(4, r.category());
        s.setString(5, r.type());
        s.setString(6, r.severity());
        s.setString(7, r.actorId());
        s.setString(8, r.action());
        s.setString(9, r.resourceType());
        s.setString(10, r.resourceId());
        s.setString(11, r.outcome());
        s.setString(12, r.body());
        s.setBytes(13, r.mac());
        s.setObject(14, r.eventId());
    }

    private void insertAll(Connection c, PreparedStatement all, List<Row> rows) throws SQLException {
        int n = rows.size();
        Long[] seqs = new Long[n];
        String[][] text = new String[10][n];
        byte[][] macs = new byte[n][];
        UUID[] ids = new UUID[n];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            seqs[i] = r.seq();
            String[] values = {r.time(), r.category(), r.type(), r.severity(), r.actorId(), r.action(), r.resourceType(),
                    r.resourceId(), r.outcome(), r.body()};
            for (int column = 0; column < values.length; column++) {
                text[column][i] = values[column];
            }
            macs[i] = r.mac();
            ids[i] = r.eventId();
        }
        all.setString(1, writerId);
        all.setArray(2, c.createArrayOf("int8", seqs));
        for (int column = 0; column < text.length; column++) {
            all.setArray(3 + column, c.createArrayOf("text", text[column]));
        }
        all.setArray(13, c.createArrayOf("bytea", macs));
        all.setArray(14, c.createArrayOf("uuid", ids));
        all.executeUpdate();
    }

    /**
     * The column time ({@link #columnTime}) as PostgreSQL reads a {@code timestamptz}: proleptic
     * Gregorian, UTC, microseconds, with {@code BC} for years before 1.
     *
     * @throws SQLException with SQL state 22008 if beyond what an {@link Instant} can convert
     */
    static String timeText(Instant time) throws SQLException {
        java.time.LocalDateTime t;
        try {
            t = java.time.LocalDateTime.ofInstant(columnTime(time), ZoneOffset.UTC);
        } catch (java.time.DateTimeException | ArithmeticException outOfRange) {
            throw new SQLException("The event time is out of range", "22008");
        }
        int year = t.getYear();
        return String.format(java.util.Locale.ROOT, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00%s", year > 0 ? year : 1 - year,
                t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000,
                year > 0 ? "" : " BC");
    }

    /** The event recorded in place of an ASYNC event the database refused. */
    static AuditEvent refusal(AuditEvent refused, String sqlState) {
        return AuditEvent.builder(AuditEvent.Category.SECURITY, REFUSED_TYPE)
                // Derived from the refused event's id, so a retried batch stores it once.
                .id(UUID.nameUUIDFromBytes((REFUSED_TYPE + ":" + refused.id()).getBytes(StandardCharsets.UTF_8)))
                .actor(Actor.system()).action("record").severity(AuditEvent.Severity.ERROR)
                .outcome(AuditEvent.Outcome.FAILURE)
                .reason("The database refused an audit event; this record takes its place")
                .detail("event_id", refused.id().toString()).detail("event_type", refused.type())
                .detail("sql_state", sqlState)
                .build();
    }

    /**
     * Whether {@code e} is about the values of a row rather than the connection, the server or the
     * schema: SQL state class 22 (data exception: a value the column cannot hold) or 23 (integrity
     * constraint violation). Class 42 errors of this insert, whose parameters are all typed, come
     * from the schema (a missing column, a privilege) and would refuse every row alike, so they
     * count as errors of the batch, as do connection (08), operator (57), resource (53),
     * transaction (40) errors, timeouts and unknown states.
     */
    static boolean rowError(SQLException e) {
        String state = sqlState(e);
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** The SQL state of the innermost error of {@code e} (a batch error carries the server's as its next). */
    static String sqlState(SQLException e) {
        String state = null;
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (x.getSQLState() != null) {
                state = x.getSQLState();
            }
        }
        return state;
    }

    private static SQLException innermost(SQLException e) {
        SQLException x = e;
        while (x.getNextException() != null) {
            x = x.getNextException();
        }
        return x;
    }

    /**
     * What went wrong, fit for a log line, a health check and an exception message: the SQL state,
     * and for errors that are not about a row the first line of the server's or pool's message. Never
     * the driver's batch message or an error's detail, which quote the rows' values.
     */
    static String describe(Exception e) {
        if (!(e instanceof SQLException sql)) {
            return e.getClass().getSimpleName();
        }
        String state = sqlState(sql);
        if (rowError(sql)) {
            return "SQL state " + state;
        }
        String message = innermost(sql).getMessage();
        String first = message == null ? "" : message.strip().lines().findFirst().orElse("");
        return (state == null ? "" : "SQL state " + state + ": ") + first;
    }

    /** The cause worth attaching to a caller's exception: none when its message could quote values. */
    private static Throwable safeCause(Exception e) {
        if (e instanceof SQLException sql) {
            return rowError(sql) || innermost(sql) instanceof java.sql.BatchUpdateException ? null : innermost(sql);
        }
        return e;
    }

    /**
     * A text value as its plain text column holds it. PostgreSQL refuses U+0000 in {@code text}
     * (and UTF-8 cannot encode a lone surrogate), so one such value would fail the insert of its
     * whole batch: each becomes U+FFFD. The mapping is deterministic and applied alike to the
     * values written, to the verifier's comparison with the body (which keeps the exact value,
     * JSON-escaped) and to {@link #query} filters, so a query for the original value finds the row;
     * values differing only by NUL against U+FFFD at the same place share a column value.
     */
    static String columnText(String value) {
        if (value == null) {
            return null;
        }
        String canonical = Fields.canonical(value);
        return canonical.indexOf('\0') < 0 ? canonical : canonical.replace('\0', '\uFFFD');
    }

    /**
     * The event time as the {@code time} column holds it: rounded half up to the microsecond, as
     * the PostgreSQL driver rounds it (so rows written before this rounding was explicit verify).
     * Passed as an {@link OffsetDateTime}, never a {@link Timestamp}, whose Julian calendar would
     * shift times before 1582 by days.
     */
    static Instant columnTime(Instant time) {
        return time.plusNanos(500).truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Stores a checkpoint after a committed batch. A failure is logged and the checkpoint tried
     * again after the next batch: it never turns a committed batch into a failed one.
     */
    private void checkpointQuietly() {
        try {
            checkpoint();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Could not store an audit checkpoint ({}); trying again after the next batch",
                    ClientText.forLog(describe(e), 1000));
        }
    }

    /** Signs and stores a checkpoint of this writer's chain, if it moved since the last one. */
    private void checkpoint() throws SQLException {
        if (lastSeq != checkpointedSeq) {
            Instant now = clock.instant();
            String jws = Checkpoints.signWriter(checkpointKey, writerId, lastSeq, lastMac, now);
            try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                    "INSERT INTO infrakit_audit_checkpoint (writer_id, seq, time, jws) VALUES (?,?,?,?) "
                            + "ON CONFLICT (writer_id, seq) DO NOTHING")) {
                s.setString(1, writerId);
                s.setLong(2, lastSeq);
                s.setObject(3, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                s.setString(4, jws);
                s.executeUpdate();
                if (!c.getAutoCommit()) {
                    c.commit();
                }
            }
            checkpointedSeq = lastSeq;
        }
        lastCheckpoint = System.nanoTime();
    }

    /**
     * Reads events back, newest first, through the indexed columns. Filter values are mapped as the
     * columns are (U+0000 to U+FFFD) and results compared with the exact stored values, so a query
     * for an id holding NUL finds its events and no others. The records' text fields are the exact
     * values of the stored event.
     *
     * @throws AuditException if the query fails
     */
    @Override
    public List<AuditRecord> query(AuditQuery query) {
        Objects.requireNonNull(query, "query");
        StringBuilder sql = new StringBuilder("SELECT seq, time, category, type, severity, actor_id, action, resource_type, "
                + "resource_id, outcome, body FROM infrakit_audit WHERE true");
        List<Object> params = new ArrayList<>();
        if (query.from() != null) {
            sql.append(" AND time >= ?");
            params.add(OffsetDateTime.ofInstant(query.from(), ZoneOffset.UTC));
        }
        if (query.to() != null) {
            sql.append(" AND time < ?");
            params.add(OffsetDateTime.ofInstant(query.to(), ZoneOffset.UTC));
        }
        if (query.actorId() != null) {
            sql.append(" AND actor_id = ?");
            params.add(columnText(query.actorId()));
        }
        if (query.type() != null) {
            sql.append(" AND type = ?");
            params.add(columnText(query.type()));
        }
        if (query.resourceType() != null) {
            sql.append(" AND resource_type = ?");
            params.add(columnText(query.resourceType()));
        }
        if (query.resourceId() != null) {
            sql.append(" AND resource_id = ?");
            params.add(columnText(query.resourceId()));
        }
        // A column holds U+FFFD for NUL, so where a filter value has U+FFFD after that mapping the
        // rows found may differ from it at that place: those are read without a limit, and only
        // those whose exact value matches count.
        boolean exact = ambiguous(query.actorId()) || ambiguous(query.resourceType()) || ambiguous(query.resourceId());
        sql.append(" ORDER BY time DESC, seq DESC");
        if (!exact) {
            sql.append(" LIMIT ").append(query.limit());
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(sql.toString())) {
                s.setFetchSize(Math.min(query.limit(), 1000));
                for (int i = 0; i < params.size(); i++) {
                    s.setObject(i + 1, params.get(i));
                }
                List<AuditRecord> records = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (records.size() < query.limit() && rs.next()) {
                        AuditRecord r = record(rs);
                        if (!exact || (same(query.actorId(), r.actorId()) && same(query.resourceType(), r.resourceType())
                                && same(query.resourceId(), r.resourceId()))) {
                            records.add(r);
                        }
                    }
                }
                return records;
            } finally {
                c.rollback();
            }
        } catch (SQLException | IOException e) {
            throw new AuditException("Audit query failed: " + describe(e), e instanceof SQLException failure ? safeCause(failure) : e);
        }
    }

    private static boolean ambiguous(String filter) {
        return filter != null && columnText(filter).indexOf('\uFFFD') >= 0;
    }

    private static boolean same(String filter, String value) {
        return filter == null || Fields.canonical(filter).equals(value);
    }

    /** The record of the current row; text from the body: the exact values, where a column may hold U+FFFD for NUL. */
    private static AuditRecord record(ResultSet rs) throws SQLException, IOException {
        JsonNode event = JSON.readTree(rs.getString(11)).get("event");
        JsonNode resource = event.path("resource");
        return new AuditRecord(rs.getLong(1), rs.getObject(2, OffsetDateTime.class).toInstant(),
                rs.getString(3), event.path("type").asText(rs.getString(4)), rs.getString(5),
                event.path("actor").path("id").asText(rs.getString(6)),
                event.path("action").asText(rs.getString(7)),
                resource.isObject() ? resource.path("type").asText(rs.getString(8)) : rs.getString(8),
                resource.isObject() ? resource.path("id").asText(rs.getString(9)) : rs.getString(9),
                rs.getString(10), JSON.writeValueAsString(event));
    }

    /** This writer's id. */
    public String writerId() {
        return writerId;
    }

    /**
     * {@inheritDoc} Here: written counts rows committed (events, and the
     * {@code audit.event-refused} records of refused ASYNC events; an event already in the table is
     * not counted again); syncs are the batches committed, and their time that of inserting and
     * committing them.
     */
    @Override
    public AuditLog.Stats stats() {
        return new AuditLog.Stats(written.sum(), rejected.sum(), queue.size(), commits.sum(), commitNanos.sum());
    }

    /** {@link AuditMetrics} of this sink; built only when called. */
    @Override
    public java.util.Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
        return java.util.Optional.of(new AuditMetrics(this));
    }

    /**
     * A check named {@code audit-postgres}, in the readiness group: DOWN while the last batch
     * failed to commit (the database is unavailable; DURABLE callers get errors, ASYNC batches
     * wait) or while the database refuses every event given to it (a batch with refusals and
     * nothing stored), DEGRADED while the queue is at least 80 % full, else UP with the queue
     * depth. Always present.
     */
    @Override
    public java.util.Optional<dev.infrakit.core.health.HealthCheck> healthCheck() {
        return java.util.Optional.of(dev.infrakit.core.health.HealthCheck.of("audit-postgres", () -> {
            String failure = lastFailure;
            int depth = queue.size();
            if (failure != null) {
                return dev.infrakit.core.health.HealthResult.down("audit batch not committed: " + failure)
                        .observed(depth, "events").build();
            }
            String refusing = refusingAll;
            if (refusing != null) {
                return dev.infrakit.core.health.HealthResult.down(refusing).observed(depth, "events").build();
            }
            if (depth * 5 >= queueCapacity * 4) {
                return dev.infrakit.core.health.HealthResult.degraded("audit queue " + depth + " of " + queueCapacity)
                        .observed(depth, "events").build();
            }
            return dev.infrakit.core.health.HealthResult.up().observed(depth, "events").build();
        }).groups(dev.infrakit.core.health.HealthCheck.READINESS).build());
    }

    /**
     * Events the database refused while the other events of their batch were committed (a value it
     * cannot store, a constraint): DURABLE callers got an {@link AuditException} naming the SQL
     * state; each ASYNC one was replaced by an event of type {@code audit.event-refused} (actor
     * system, severity ERROR) whose details name its id, type and the SQL state. Thread-safe.
     */
    public long refusedEvents() {
        return refusedEvents.sum();
    }

    /** Batches that failed to commit (and were retried or reported). */
    public long failedBatches() {
        return failedBatches.sum();
    }

    @Override
    public String name() {
        return "postgres:" + writerId;
    }

    /** Commits everything accepted (retrying while the database is down), then stops. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.join(TimeUnit.MINUTES.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
            throw new AuditException("Audit events still not committed after 5 minutes; " + queue.size() + " queued");
        }
    }

    /**
     * Builds a {@link PostgresAuditSink}: the settings every sink has are those of
     * {@link AuditSinkBuilder}; {@link #checkpoints} stores this writer's checkpoints in
     * {@code infrakit_audit_checkpoint}, where {@link AuditVerifier#verifyTable(DataSource, byte[],
     * java.security.interfaces.ECPublicKey)} finds them and detects deleted newest rows. Each
     * setting may be given once. Not thread-safe.
     */
    public static final class Builder extends AuditSinkBuilder<Builder> {
        private final DataSource dataSource;
        /** The id used unless one is given: one per builder, as every sink it builds is the same writer. */
        private final String randomWriterId = UUID.randomUUID().toString();
        private String writerId;

        private Builder(DataSource dataSource, byte[] key) {
            super(key);
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /**
         * This writer's id (default a random UUID); reuse one to continue its chain after a restart.
         *
         * @throws AuditException if blank or longer than 100 characters
         * @throws IllegalArgumentException if it holds a control character
         * @throws IllegalStateException if it was already set
         */
        public Builder writerId(String writerId) {
            Arguments.setOnce(this.writerId, "writerId");
            String id = Fields.text("writerId", writerId, 100, true);
            if (id.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("writerId must not contain control characters");
            }
            this.writerId = id;
            return this;
        }

        /**
         * The sink; reads this writer's last sequence and MAC to continue its chain.
         *
         * @throws AuditException if the database cannot be reached, is not UTF8, or the schema is missing
         */
        @Override
        public PostgresAuditSink build() {
            try {
                return new PostgresAuditSink(this);
            } catch (SQLException e) {
                throw new AuditException("Cannot open the PostgreSQL audit sink: " + e.getMessage()
                        + ("42P01".equals(e.getSQLState()) ? "; run PostgresAuditSink.createSchema()"
                        : "42703".equals(e.getSQLState()) ? "; the table was created by an earlier version: run "
                        + "PostgresAuditSink.createSchema() to upgrade it" : ""), e);
            }
        }

        String writerId() {
            return writerId != null ? writerId : randomWriterId;
        }
    }
}
