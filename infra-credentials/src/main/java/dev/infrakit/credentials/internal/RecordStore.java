package dev.infrakit.credentials.internal;

import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialNotFoundException;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.WriteCondition;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link CredentialStore} operations written once over {@link CredentialRecord}s: a store
 * only says how to load, change (atomically, under its own lock or transaction), list and remove
 * records, and how to seal and open a value. Every store therefore applies the same rules.
 *
 * @param <P> what a version holds in this store
 */
public abstract class RecordStore<P> implements CredentialStore {
    /** Versions kept per credential unless configured otherwise. */
    public static final int DEFAULT_MAX_VERSIONS = 10;

    protected final Clock clock;
    protected final int defaultMaxVersions;

    /** A change to one record, applied atomically by {@link #mutate}. */
    @FunctionalInterface
    protected interface Mutation<P, T> {
        /** Changes the record (an exception leaves the stored record as it was). */
        T apply(CredentialRecord<P> record);
    }

    protected RecordStore(Clock clock, int defaultMaxVersions) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.defaultMaxVersions = requireMaxVersions(defaultMaxVersions);
    }

    /** Checks a store-wide default of versions kept. */
    public static int requireMaxVersions(int max) {
        if (max < 1 || max > CredentialRecord.MAX_VERSIONS_LIMIT) {
            throw new IllegalArgumentException("maxVersions must be 1 to " + CredentialRecord.MAX_VERSIONS_LIMIT + ", got "
                    + max);
        }
        return max;
    }

    /** The record as stored, or {@code null}. */
    protected abstract CredentialRecord<P> load(String name);

    /**
     * Loads the record under a lock (creating an empty one if absent and {@code create}), applies
     * the mutation, and saves the result; if the mutation throws, nothing is saved.
     *
     * @throws CredentialNotFoundException if absent and not {@code create}
     */
    protected abstract <T> T mutate(String name, boolean create, Mutation<P, T> mutation);

    /** Removes a record; returns whether it existed. */
    protected abstract boolean remove(String name);

    /** Every record whose name starts with {@code prefix}, in any order. */
    protected abstract List<CredentialRecord<P>> loadAll(String prefix);

    /** What a new version stores for {@code value}. */
    protected abstract P seal(String name, int version, SecretValue value);

    /** The value a version holds. */
    protected abstract SecretValue open(String name, int version, P payload);

    /** Told of every write made through this store (in this process). */
    private final java.util.List<dev.infrakit.credentials.CredentialChangeListener> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Tells {@code listener} of every write made through this store from now on (put, metadata,
     * delete, undelete, destroy, deleteAll), after it succeeded; closing the handle stops it.
     * Writes made through another instance or process are not reported here.
     */
    public AutoCloseable subscribe(dev.infrakit.credentials.CredentialChangeListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Called after every successful write of {@code name}: tells the subscribers (a failing one is logged). */
    protected void changed(String name) {
        for (dev.infrakit.credentials.CredentialChangeListener listener : listeners) {
            try {
                listener.changed(name);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(RecordStore.class).warn("Credential change listener {} failed on a "
                        + "change of '{}'", listener, dev.infrakit.core.http.ClientText.forLog(name, 256), e);
            }
        }
    }

    /** Now, to the microsecond (what PostgreSQL keeps), so every store reports the same times. */
    protected Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    protected static CredentialNotFoundException notFound(String name) {
        return new CredentialNotFoundException(name, "No credential named '" + name + "'");
    }

    @Override
    public Secret get(String name) {
        CredentialRecord<P> record = existing(name);
        return read(record, record.currentVersion());
    }

    @Override
    public Secret get(String name, int version) {
        return read(existing(name), version);
    }

    private CredentialRecord<P> existing(String name) {
        CredentialRecord<P> record = load(Names.requireValid(name));
        if (record == null) {
            throw notFound(name);
        }
        return record;
    }

    private Secret read(CredentialRecord<P> record, int version) {
        P payload = record.read(version);
        return new Secret(record.name(), version, record.createdOf(version), open(record.name(), version, payload));
    }

    @Override
    public int put(String name, SecretValue value, WriteCondition condition) {
        Names.requireValid(name);
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(condition, "condition");
        int version = mutate(name, true, r -> r.put(condition, n -> seal(name, n, value), now(), defaultMaxVersions));
        changed(name);
        return version;
    }

    @Override
    public Optional<CredentialMetadata> metadata(String name) {
        CredentialRecord<P> record = load(Names.requireValid(name));
        return record == null ? Optional.empty() : Optional.of(record.metadata());
    }

    @Override
    public List<CredentialMetadata> list(String prefix) {
        List<CredentialMetadata> result = new ArrayList<>();
        for (CredentialRecord<P> r : loadAll(Names.requireValidPrefix(prefix))) {
            result.add(r.metadata());
        }
        result.sort((a, b) -> a.name().compareTo(b.name()));
        return result;
    }

    @Override
    public void setCustomMetadata(String name, Map<String, String> custom) {
        Map<String, String> valid = CredentialRecord.validCustom(Objects.requireNonNull(custom, "custom"));
        mutate(Names.requireValid(name), false, r -> {
            r.custom(valid, now());
            return null;
        });
        changed(name);
    }

    @Override
    public void setMaxVersions(String name, int maxVersions) {
        mutate(Names.requireValid(name), false, r -> {
            r.maxVersions(maxVersions, defaultMaxVersions, now());
            return null;
        });
        changed(name);
    }

    @Override
    public void delete(String name, int... versions) {
        int[] numbers = versions == null ? new int[0] : versions.clone();
        mutate(Names.requireValid(name), false, r -> {
            r.delete(numbers, now());
            return null;
        });
        changed(name);
    }

    @Override
    public void undelete(String name, int... versions) {
        int[] numbers = versions == null ? new int[0] : versions.clone();
        mutate(Names.requireValid(name), false, r -> {
            r.undelete(numbers, now());
            return null;
        });
        changed(name);
    }

    @Override
    public void destroy(String name, int... versions) {
        int[] numbers = versions == null ? new int[0] : versions.clone();
        mutate(Names.requireValid(name), false, r -> {
            r.destroy(numbers, now());
            return null;
        });
        changed(name);
    }

    @Override
    public boolean deleteAll(String name) {
        boolean existed = remove(Names.requireValid(name));
        if (existed) {
            changed(name);
        }
        return existed;
    }
}
