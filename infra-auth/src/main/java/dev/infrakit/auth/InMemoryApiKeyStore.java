package dev.infrakit.auth;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;

/**
 * An {@link ApiKeyStore} in this process's memory, for tests and single-process services; its
 * records are gone when the process ends. Each operation is atomic on its record (a
 * {@link ConcurrentHashMap} compute); {@link #list} scans every record; {@link #insertWithin}
 * counts and inserts under one lock (plain inserts do not take it). Thread-safe.
 */
public final class InMemoryApiKeyStore implements ApiKeyStore {
    private static final Comparator<ApiKeyRecord> OLDEST_FIRST = Comparator.comparing(ApiKeyRecord::createdAt)
            .thenComparing(ApiKeyRecord::keyId);

    private final ConcurrentMap<String, ApiKeyRecord> records = new ConcurrentHashMap<>();
    /** Serialises {@link #insertWithin}: its count and insert are one step. */
    private final Object limitedInserts = new Object();

    private InMemoryApiKeyStore() {
    }

    /** An empty store. */
    public static InMemoryApiKeyStore create() {
        return new InMemoryApiKeyStore();
    }

    @Override
    public boolean insert(ApiKeyRecord record) {
        Objects.requireNonNull(record, "record");
        return records.putIfAbsent(record.keyId(), record) == null;
    }

    @Override
    public InsertResult insertWithin(ApiKeyRecord record, int maxLive, Instant now) {
        Objects.requireNonNull(record, "record");
        ApiKeyStores.requireMaxLive(maxLive);
        synchronized (limitedInserts) {
            if (countLive(record.subject(), now) >= maxLive) {
                return InsertResult.LIMIT_REACHED;
            }
            return insert(record) ? InsertResult.STORED : InsertResult.KEY_ID_TAKEN;
        }
    }

    @Override
    public Optional<ApiKeyRecord> find(String keyId) {
        return Optional.ofNullable(records.get(Objects.requireNonNull(keyId, "keyId")));
    }

    @Override
    public List<ApiKeyRecord> list(String subject) {
        Objects.requireNonNull(subject, "subject");
        return records.values().stream().filter(r -> r.subject().equals(subject)).sorted(OLDEST_FIRST)
                .collect(Collectors.toUnmodifiableList());
    }

    @Override
    public boolean revoke(String keyId, Instant at) {
        return update(keyId, r -> r.withRevokedAt(Objects.requireNonNull(at, "at")));
    }

    @Override
    public boolean touch(String keyId, Instant at) {
        return update(keyId, r -> r.withLastUsedAt(Objects.requireNonNull(at, "at")));
    }

    private boolean update(String keyId, java.util.function.UnaryOperator<ApiKeyRecord> change) {
        Objects.requireNonNull(keyId, "keyId");
        boolean[] changed = {false};
        records.computeIfPresent(keyId, (id, r) -> {
            ApiKeyRecord updated = change.apply(r);
            changed[0] = updated != r;
            return updated;
        });
        return changed[0];
    }

    @Override
    public boolean delete(String keyId) {
        return records.remove(Objects.requireNonNull(keyId, "keyId")) != null;
    }

    @Override
    public String toString() {
        return "InMemoryApiKeyStore[" + records.size() + " keys]";
    }
}
