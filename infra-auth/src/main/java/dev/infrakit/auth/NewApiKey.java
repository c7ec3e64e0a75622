package dev.infrakit.auth;

import dev.infrakit.auth.internal.ApiKeyFormat;

import java.util.Objects;

/**
 * A key just made by {@link ApiKeys#create}: the key in clear, to hand to its owner now (it is not
 * stored and cannot be shown again), and the record that was stored. Immutable;
 * {@link #toString()} masks the secret ({@code ik_<keyId>_********}).
 */
public final class NewApiKey {
    private final String key;
    private final ApiKeyRecord record;

    NewApiKey(String key, ApiKeyRecord record) {
        this.key = Objects.requireNonNull(key, "key");
        this.record = Objects.requireNonNull(record, "record");
    }

    /** The key, {@code ik_<keyId>_<secret>}: show it once, never log it. */
    public String key() {
        return key;
    }

    /** The key id (also in the key, and in the record). */
    public String keyId() {
        return record.keyId();
    }

    /** What was stored. */
    public ApiKeyRecord record() {
        return record;
    }

    /** The masked key and the record; never the secret. */
    @Override
    public String toString() {
        return "NewApiKey[" + ApiKeyFormat.masked(record.keyId()) + ", " + record + "]";
    }
}
