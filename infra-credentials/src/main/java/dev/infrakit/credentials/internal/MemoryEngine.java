package dev.infrakit.credentials.internal;

import dev.infrakit.credentials.SecretValue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** The in-memory store's records: encoded values in a sorted map under one lock. */
public final class MemoryEngine extends RecordStore<byte[]> {
    private final TreeMap<String, CredentialRecord<byte[]>> records = new TreeMap<>();

    public MemoryEngine(Clock clock, int maxVersions) {
        super(clock, maxVersions);
    }

    @Override
    protected synchronized CredentialRecord<byte[]> load(String name) {
        CredentialRecord<byte[]> record = records.get(name);
        return record == null ? null : record.copy();
    }

    @Override
    protected synchronized <T> T mutate(String name, boolean create, Mutation<byte[], T> mutation) {
        CredentialRecord<byte[]> stored = records.get(name);
        if (stored == null && !create) {
            throw notFound(name);
        }
        CredentialRecord<byte[]> working = stored == null ? CredentialRecord.create(name, now()) : stored.copy();
        T result = mutation.apply(working);
        records.put(name, working);
        return result;
    }

    @Override
    protected synchronized boolean remove(String name) {
        return records.remove(name) != null;
    }

    @Override
    protected synchronized List<CredentialRecord<byte[]>> loadAll(String prefix) {
        List<CredentialRecord<byte[]>> result = new ArrayList<>();
        for (CredentialRecord<byte[]> r : records.tailMap(prefix, true).values()) {
            if (!r.name().startsWith(prefix)) {
                break;
            }
            result.add(r.copy());
        }
        return result;
    }

    @Override
    protected byte[] seal(String name, int version, SecretValue value) {
        return value.toBytes();
    }

    @Override
    protected SecretValue open(String name, int version, byte[] payload) {
        return SecretValue.fromBytes(payload);
    }
}
