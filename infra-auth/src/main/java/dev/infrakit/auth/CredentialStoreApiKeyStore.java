package dev.infrakit.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.VersionConflictException;
import dev.infrakit.credentials.WriteCondition;
import dev.infrakit.auth.internal.ApiKeyFormat;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * An {@link ApiKeyStore} that keeps each record as a credential of a {@link CredentialStore}, under
 * {@code <prefix><keyId>} (default prefix {@code apikeys/}): with a {@link
 * dev.infrakit.credentials.FileCredentialStore} the records survive restarts and are encrypted at
 * rest like every other secret, without a database. Give it the store itself, not a
 * {@link dev.infrakit.credentials.CachingCredentialStore}: a revocation must be seen at once.
 *
 * <p>Each record is one JSON document (the SHA-256 of the secret, never the key). Changes are
 * check-and-set on the credential's version, retried when another writer got there first, so
 * {@link #revoke} and {@link #touch} are atomic on their record across threads and across processes
 * sharing the store. Only the newest version of a record is kept.
 *
 * <p>{@link #insertWithin} keeps the limit of live keys per subject across processes with a
 * marker credential per subject ({@code <prefix>owners/<sha-256 of the subject, hex>}): it reads
 * the marker's version, counts the subject's live keys, inserts, then writes the marker
 * check-and-set on the version it read. If another creator wrote the marker meanwhile, the insert
 * is undone (the key was never handed out) and the whole step retried, so two creators that both
 * counted the same keys cannot both keep theirs. Within one process the step is also serialised by
 * a lock, so threads do not retry against each other. {@link #list} reads every record
 * under the prefix: fine for the hundreds of keys of a small service; a service with many thousands
 * should use {@link PostgresApiKeyStore}.
 */
public final class CredentialStoreApiKeyStore implements ApiKeyStore {
    /** The prefix used by {@link #create(CredentialStore)}. */
    public static final String DEFAULT_PREFIX = "apikeys/";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ATTEMPTS = 20;
    private static final Comparator<ApiKeyRecord> OLDEST_FIRST = Comparator.comparing(ApiKeyRecord::createdAt)
            .thenComparing(ApiKeyRecord::keyId);

    private final CredentialStore store;
    private final String prefix;
    /** Serialises this process's {@link #insertWithin} calls (the marker serialises processes). */
    private final Object limitedInserts = new Object();

    private CredentialStoreApiKeyStore(CredentialStore store, String prefix) {
        this.store = Objects.requireNonNull(store, "store");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty() || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("The API key prefix must end with '/', got '" + prefix + "'");
        }
    }

    /** Records under {@value #DEFAULT_PREFIX} in {@code store}. */
    public static CredentialStoreApiKeyStore create(CredentialStore store) {
        return new CredentialStoreApiKeyStore(store, DEFAULT_PREFIX);
    }

    /**
     * Records under {@code prefix} in {@code store}.
     *
     * @param prefix a credential name prefix ending with {@code /}, e.g. {@code "billing/apikeys/"}
     * @throws IllegalArgumentException if the prefix does not end with {@code /}
     */
    public static CredentialStoreApiKeyStore create(CredentialStore store, String prefix) {
        return new CredentialStoreApiKeyStore(store, prefix);
    }

    @Override
    public boolean insert(ApiKeyRecord record) {
        Objects.requireNonNull(record, "record");
        String name = prefix + record.keyId();
        try {
            store.put(name, encode(record), WriteCondition.createOnly());
        } catch (VersionConflictException exists) {
            return false;
        }
        store.setMaxVersions(name, 1);
        return true;
    }

    @Override
    public InsertResult insertWithin(ApiKeyRecord record, int maxLive, Instant now) {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(now, "now");
        ApiKeyStores.requireMaxLive(maxLive);
        String marker = prefix + "owners/" + sha256Hex(record.subject());
        synchronized (limitedInserts) {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                int markerVersion = store.metadata(marker).map(CredentialMetadata::currentVersion).orElse(0);
                if (countLive(record.subject(), now) >= maxLive) {
                    return InsertResult.LIMIT_REACHED;
                }
                if (!insert(record)) {
                    return InsertResult.KEY_ID_TAKEN;
                }
                try {
                    store.put(marker, SecretValue.ofFields(java.util.Map.of("subject-lock", "api keys")),
                            markerVersion == 0 ? WriteCondition.createOnly() : WriteCondition.ifVersion(markerVersion));
                } catch (VersionConflictException raced) {
                    // Another process created a key for this subject meanwhile: undo ours and count again.
                    store.deleteAll(prefix + record.keyId());
                    continue;
                } catch (RuntimeException e) {
                    store.deleteAll(prefix + record.keyId());
                    throw e;
                }
                if (markerVersion == 0) {
                    store.setMaxVersions(marker, 1);
                }
                return InsertResult.STORED;
            }
        }
        throw new CredentialException("Could not insert API key " + record.keyId() + ": other processes kept creating "
                + "keys for its subject (" + MAX_ATTEMPTS + " attempts)");
    }

    private static String sha256Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public Optional<ApiKeyRecord> find(String keyId) {
        return read(Objects.requireNonNull(keyId, "keyId")).map(Versioned::record);
    }

    @Override
    public List<ApiKeyRecord> list(String subject) {
        Objects.requireNonNull(subject, "subject");
        List<ApiKeyRecord> found = new ArrayList<>();
        for (CredentialMetadata meta : store.list(prefix)) {
            String keyId = meta.name().substring(prefix.length());
            if (ApiKeyFormat.isKeyId(keyId)) {
                read(keyId).map(Versioned::record).filter(r -> r.subject().equals(subject)).ifPresent(found::add);
            }
        }
        found.sort(OLDEST_FIRST);
        return List.copyOf(found);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A record that fails its integrity check (a {@link CredentialIntegrityException}: rolled
     * back, edited or put back behind the store's back) cannot be revoked in place, since nothing in
     * it can be believed: it is deleted instead, so the key is refused as unknown from then on, and
     * {@code true} is returned.
     */
    @Override
    public boolean revoke(String keyId, Instant at) {
        Objects.requireNonNull(at, "at");
        try {
            return update(keyId, "revoke", r -> r.withRevokedAt(at));
        } catch (CredentialIntegrityException untrusted) {
            return store.deleteAll(prefix + keyId);
        }
    }

    @Override
    public boolean touch(String keyId, Instant at) {
        Objects.requireNonNull(at, "at");
        return update(keyId, "touch", r -> r.withLastUsedAt(at));
    }

    @Override
    public boolean delete(String keyId) {
        return store.deleteAll(prefix + Objects.requireNonNull(keyId, "keyId"));
    }

    /** Applies {@code change} by check-and-set; {@code false} if there is no record or nothing changed. */
    private boolean update(String keyId, String operation, UnaryOperator<ApiKeyRecord> change) {
        Objects.requireNonNull(keyId, "keyId");
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = read(keyId);
            if (current.isEmpty()) {
                return false;
            }
            ApiKeyRecord updated = change.apply(current.get().record);
            if (updated == current.get().record) {
                return false;
            }
            try {
                store.put(prefix + keyId, encode(updated), WriteCondition.ifVersion(current.get().version));
                return true;
            } catch (VersionConflictException raced) {
                // Another writer changed the record: re-read and decide again.
            }
        }
        throw new CredentialException("Could not " + operation + " API key " + keyId + ": its record kept changing ("
                + MAX_ATTEMPTS + " attempts)");
    }

    private Optional<Versioned> read(String keyId) {
        if (!ApiKeyFormat.isKeyId(keyId)) {
            return Optional.empty(); // not a name this store ever writes (and maybe not a valid credential name)
        }
        Optional<Secret> secret = store.find(prefix + keyId);
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        Secret s = secret.get();
        try {
            return Optional.of(new Versioned(decode(keyId, s.value().bytes()), s.version()));
        } finally {
            s.clear();
        }
    }

    private static SecretValue encode(ApiKeyRecord r) {
        ObjectNode node = JSON.createObjectNode();
        node.put("keyId", r.keyId());
        node.put("sha256", Base64.getEncoder().encodeToString(r.secretHash()));
        node.put("subject", r.subject());
        ArrayNode roles = node.putArray("roles");
        r.roles().forEach(roles::add);
        node.put("name", r.name());
        node.put("createdAt", r.createdAt().toString());
        r.expiresAt().ifPresent(t -> node.put("expiresAt", t.toString()));
        r.revokedAt().ifPresent(t -> node.put("revokedAt", t.toString()));
        r.lastUsedAt().ifPresent(t -> node.put("lastUsedAt", t.toString()));
        try {
            return SecretValue.ofBytes(JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot encode the record of API key " + r.keyId(), e);
        }
    }

    private static ApiKeyRecord decode(String keyId, byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject() || !keyId.equals(node.path("keyId").asText(null))) {
                throw new CredentialException("The stored record of API key " + keyId + " is not an API key record"
                        + " for that id");
            }
            Set<String> roles = new LinkedHashSet<>();
            for (JsonNode role : node.path("roles")) {
                roles.add(role.asText());
            }
            return new ApiKeyRecord(keyId, Base64.getDecoder().decode(text(node, "sha256", keyId)),
                    text(node, "subject", keyId), roles, text(node, "name", keyId),
                    Instant.parse(text(node, "createdAt", keyId)), time(node, "expiresAt"), time(node, "revokedAt"),
                    time(node, "lastUsedAt"));
        } catch (IOException e) {
            throw new CredentialException("The stored record of API key " + keyId + " is not valid JSON");
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new CredentialException("The stored record of API key " + keyId + " cannot be read: "
                    + e.getMessage());
        }
    }

    private static String text(JsonNode node, String field, String keyId) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new CredentialException("The stored record of API key " + keyId + " has no '" + field + "'");
        }
        return value.asText();
    }

    private static Instant time(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : Instant.parse(value.asText());
    }

    @Override
    public String toString() {
        return "CredentialStoreApiKeyStore[" + prefix + " in " + store + "]";
    }

    private static final class Versioned {
        final ApiKeyRecord record;
        final int version;

        Versioned(ApiKeyRecord record, int version) {
            this.record = record;
            this.version = version;
        }

        ApiKeyRecord record() {
            return record;
        }
    }
}
