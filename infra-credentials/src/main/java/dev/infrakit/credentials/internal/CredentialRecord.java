package dev.infrakit.credentials.internal;

import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialNotFoundException;
import dev.infrakit.credentials.VersionInfo;
import dev.infrakit.credentials.WriteCondition;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * One credential's versions and metadata, and the rules every store applies to them (check-and-set,
 * the delete lifecycle, pruning to the maximum number of versions), so that all stores behave alike.
 * A store loads a record, applies an operation and saves it; not thread-safe.
 *
 * @param <P> what a version holds: the encoded value, or its ciphertext
 */
public final class CredentialRecord<P> {
    /** The most versions a credential may be set to keep. */
    public static final int MAX_VERSIONS_LIMIT = 1000;
    private static final int MAX_CUSTOM_ENTRIES = 64;

    private final String name;
    private final Instant created;
    private Instant updated;
    private int currentVersion;
    private int maxVersions;
    private Map<String, String> custom;
    private final TreeMap<Integer, Version<P>> versions = new TreeMap<>();

    /** One version: its payload is {@code null} once destroyed. */
    public static final class Version<P> {
        private final int number;
        private final Instant created;
        private Instant deleted;
        private boolean destroyed;
        private P payload;

        /**
         * @param number version number
         * @param created when written
         * @param deleted when soft-deleted, or null
         * @param destroyed whether destroyed
         * @param payload the stored value, null when destroyed
         */
        public Version(int number, Instant created, Instant deleted, boolean destroyed, P payload) {
            this.number = number;
            this.created = created;
            this.deleted = deleted;
            this.destroyed = destroyed;
            this.payload = payload;
        }

        public int number() {
            return number;
        }

        public Instant created() {
            return created;
        }

        public Instant deleted() {
            return deleted;
        }

        public boolean destroyed() {
            return destroyed;
        }

        public P payload() {
            return payload;
        }

        /** Replaces the payload (re-encryption under a new key). */
        public void payload(P payload) {
            this.payload = payload;
        }

        VersionInfo info() {
            return new VersionInfo(number, created, deleted, destroyed);
        }
    }

    /**
     * A record as stored.
     *
     * @param maxVersions 0 for the store's default
     */
    public CredentialRecord(String name, Instant created, Instant updated, int currentVersion, int maxVersions,
            Map<String, String> custom, List<Version<P>> versions) {
        this.name = name;
        this.created = created;
        this.updated = updated;
        this.currentVersion = currentVersion;
        this.maxVersions = maxVersions;
        this.custom = Map.copyOf(custom);
        for (Version<P> v : versions) {
            this.versions.put(v.number, v);
        }
    }

    /** A copy whose changes do not affect this record (payloads are shared, not copied). */
    public CredentialRecord<P> copy() {
        List<Version<P>> list = new ArrayList<>();
        for (Version<P> v : versions.values()) {
            list.add(new Version<>(v.number, v.created, v.deleted, v.destroyed, v.payload));
        }
        return new CredentialRecord<>(name, created, updated, currentVersion, maxVersions, custom, list);
    }

    /** A credential about to get its first version. */
    public static <P> CredentialRecord<P> create(String name, Instant now) {
        return new CredentialRecord<>(name, now, now, 0, 0, Map.of(), List.of());
    }

    public String name() {
        return name;
    }

    public Instant created() {
        return created;
    }

    public Instant updated() {
        return updated;
    }

    public int currentVersion() {
        return currentVersion;
    }

    public int maxVersions() {
        return maxVersions;
    }

    public Map<String, String> custom() {
        return custom;
    }

    /** The versions held, oldest first (live view). */
    public java.util.Collection<Version<P>> versions() {
        return versions.values();
    }

    /**
     * Adds a version if {@code condition} holds, then prunes; returns the new version number.
     *
     * @param payload makes the payload for the new version number
     * @param defaultMax the store's default number of versions kept
     */
    public int put(WriteCondition condition, IntFunction<P> payload, Instant now, int defaultMax) {
        condition.check(name, currentVersion);
        int next = currentVersion + 1;
        versions.put(next, new Version<>(next, now, null, false, payload.apply(next)));
        currentVersion = next;
        updated = now;
        prune(defaultMax);
        return next;
    }

    /** The payload of a readable version, or a not-found error saying why it cannot be read. */
    public P read(int version) {
        Version<P> v = versions.get(version);
        if (v == null) {
            throw new CredentialNotFoundException(name, version < 1 || version > currentVersion
                    ? "Credential '" + name + "' has no version " + version + " (current version " + currentVersion + ")"
                    : "Version " + version + " of credential '" + name + "' is no longer kept (it keeps "
                            + versions.size() + " versions; oldest is " + versions.firstKey() + ")");
        }
        if (v.destroyed) {
            throw new CredentialNotFoundException(name, "Version " + version + " of credential '" + name
                    + "' was destroyed");
        }
        if (v.deleted != null) {
            throw new CredentialNotFoundException(name, "Version " + version + " of credential '" + name
                    + "' is deleted (since " + v.deleted + "); undelete it to read it");
        }
        return v.payload;
    }

    /** The version's created time (after {@link #read} succeeded for it). */
    public Instant createdOf(int version) {
        return versions.get(version).created;
    }

    /** Soft-deletes versions (the current one when none are given). */
    public void delete(int[] numbers, Instant now) {
        for (Version<P> v : require(numbers.length == 0 ? new int[] {currentVersion} : numbers)) {
            if (!v.destroyed && v.deleted == null) {
                v.deleted = now;
            }
        }
        updated = now;
    }

    /** Restores soft-deleted versions. */
    public void undelete(int[] numbers, Instant now) {
        requireSome(numbers, "undelete");
        for (Version<P> v : require(numbers)) {
            if (!v.destroyed) {
                v.deleted = null;
            }
        }
        updated = now;
    }

    /** Destroys versions' payloads. */
    public void destroy(int[] numbers, Instant now) {
        requireSome(numbers, "destroy");
        for (Version<P> v : require(numbers)) {
            v.destroyed = true;
            v.payload = null;
        }
        updated = now;
    }

    /** Sets the versions kept (0: store default) and prunes. */
    public void maxVersions(int max, int defaultMax, Instant now) {
        if (max < 0 || max > MAX_VERSIONS_LIMIT) {
            throw new IllegalArgumentException("maxVersions must be 0 (the store's default) to " + MAX_VERSIONS_LIMIT
                    + ", got " + max);
        }
        maxVersions = max;
        updated = now;
        prune(defaultMax);
    }

    /** Replaces the custom metadata. */
    public void custom(Map<String, String> metadata, Instant now) {
        custom = validCustom(metadata);
        updated = now;
    }

    /** Checks custom metadata: at most 64 entries, keys 1–128 and values up to 512 characters. */
    public static Map<String, String> validCustom(Map<String, String> metadata) {
        if (metadata.size() > MAX_CUSTOM_ENTRIES) {
            throw new IllegalArgumentException("Custom metadata may have at most " + MAX_CUSTOM_ENTRIES + " entries, got "
                    + metadata.size());
        }
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().length() > 128) {
                throw new IllegalArgumentException("Custom metadata key '" + e.getKey() + "' must be 1 to 128 characters");
            }
            if (e.getValue() == null || e.getValue().length() > 512) {
                throw new IllegalArgumentException("Custom metadata value of '" + e.getKey()
                        + "' must be present and at most 512 characters");
            }
            copy.put(e.getKey(), e.getValue());
        }
        return Map.copyOf(copy);
    }

    /** This record's metadata. */
    public CredentialMetadata metadata() {
        List<VersionInfo> infos = new ArrayList<>();
        for (Version<P> v : versions.values()) {
            infos.add(v.info());
        }
        return new CredentialMetadata(name, currentVersion, created, updated, maxVersions, custom, infos);
    }

    private void prune(int defaultMax) {
        int keep = maxVersions > 0 ? maxVersions : defaultMax;
        while (versions.size() > keep) {
            versions.pollFirstEntry();
        }
    }

    private List<Version<P>> require(int[] numbers) {
        List<Version<P>> found = new ArrayList<>();
        for (int n : numbers) {
            Version<P> v = versions.get(n);
            if (v == null) {
                throw new CredentialNotFoundException(name, "Credential '" + name + "' has no version " + n
                        + " (versions held: " + versions.keySet() + ")");
            }
            found.add(v);
        }
        return found;
    }

    private void requireSome(int[] numbers, String operation) {
        if (numbers == null || numbers.length == 0) {
            throw new IllegalArgumentException(operation + " needs the versions to " + operation + " (got none)");
        }
    }

    @Override
    public String toString() {
        return "CredentialRecord[" + name + " v" + currentVersion + ", versions " + Arrays.toString(
                versions.keySet().toArray()) + "]";
    }
}
