package dev.infrakit.credentials;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A versioned store of credentials, modelled on Vault's KV version 2: every write adds a version,
 * writes can be check-and-set, versions can be soft-deleted, undeleted and destroyed, and each
 * credential keeps a bounded number of versions.
 *
 * <p>Names are 1 to 256 characters of letters, digits and {@code . _ - /}; {@code /} separates
 * path segments (none empty, none {@code .} or {@code ..}), so {@code list("apps/")} lists a
 * folder. A bad name is an {@link IllegalArgumentException} saying what is wrong with it.
 *
 * <p>Implementations: {@link InMemoryCredentialStore}, {@link FileCredentialStore} (encrypted
 * files) and {@link PostgresCredentialStore} (encrypted rows); {@link CachingCredentialStore} and
 * {@link AuditedCredentialStore} decorate any of them. All are thread-safe. A third-party store can
 * check itself against the contract kit {@code dev.infrakit.test.contract.CredentialStoreContract}
 * in the infra-test artifact.
 */
public interface CredentialStore extends AutoCloseable {

    /**
     * The current version.
     *
     * @throws CredentialNotFoundException if the credential does not exist or its current version is
     *     deleted or destroyed
     */
    Secret get(String name);

    /**
     * A given version.
     *
     * @throws CredentialNotFoundException if it does not exist (never written, or no longer kept) or
     *     is deleted or destroyed
     */
    Secret get(String name, int version);

    /** The current version, or empty where {@link #get(String)} would throw not-found. */
    default Optional<Secret> find(String name) {
        try {
            return Optional.of(get(name));
        } catch (CredentialNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes a new version if {@code condition} holds; returns its version number. Versions beyond
     * the credential's maximum are removed, oldest first.
     *
     * @throws VersionConflictException if the condition does not hold (nothing is written)
     */
    int put(String name, SecretValue value, WriteCondition condition);

    /** Writes a new version unconditionally; returns its version number. */
    default int put(String name, SecretValue value) {
        return put(name, value, WriteCondition.any());
    }

    /** The credential's metadata, or empty if it does not exist. */
    Optional<CredentialMetadata> metadata(String name);

    /**
     * Metadata of every credential whose name starts with {@code prefix} ("" for all), sorted by
     * name.
     */
    List<CredentialMetadata> list(String prefix);

    /**
     * Replaces the credential's custom metadata (not secret: it shows in listings).
     *
     * @throws CredentialNotFoundException if the credential does not exist
     */
    void setCustomMetadata(String name, Map<String, String> custom);

    /**
     * Sets how many versions the credential keeps (0: the store's default); older ones are removed
     * at once.
     *
     * @throws CredentialNotFoundException if the credential does not exist
     */
    void setMaxVersions(String name, int maxVersions);

    /**
     * Soft-deletes versions (the current one when none are given): they can no longer be read but
     * {@link #undelete} restores them.
     *
     * @throws CredentialNotFoundException if the credential or a given version does not exist
     */
    void delete(String name, int... versions);

    /**
     * Restores soft-deleted versions (destroyed ones stay destroyed).
     *
     * @throws CredentialNotFoundException if the credential or a given version does not exist
     * @throws IllegalArgumentException if no version is given
     */
    void undelete(String name, int... versions);

    /**
     * Destroys the values of versions for good; their metadata remains, marked destroyed.
     *
     * @throws CredentialNotFoundException if the credential or a given version does not exist
     * @throws IllegalArgumentException if no version is given
     */
    void destroy(String name, int... versions);

    /**
     * Removes the credential: every version and its metadata. Returns whether it existed.
     */
    boolean deleteAll(String name);

    /**
     * A health check of what the store depends on (its database, its directory), to add to a
     * {@link dev.infrakit.core.health.HealthRegistry}; empty when there is nothing to check (the
     * default). Decorators return their delegate's.
     *
     * @return the store's health check, if it has one
     */
    default java.util.Optional<dev.infrakit.core.health.HealthCheck> healthCheck() {
        return java.util.Optional.empty();
    }

    /**
     * The store's Micrometer meters, to bind to a registry; empty when it has none (the default).
     * Calling this is what loads Micrometer: a store used without it needs no Micrometer jar.
     *
     * @return a binder of the store's meters, if it has any
     */
    default java.util.Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
        return java.util.Optional.empty();
    }

    /** Releases the store's resources. The default does nothing. */
    @Override
    default void close() {
    }

    /**
     * Checks a credential name against the rules every store applies (see above), for code that
     * builds names and wants the store's own message before it writes.
     *
     * @param name the name to check
     * @return {@code name}
     * @throws IllegalArgumentException naming what is wrong with it
     */
    static String requireValidName(String name) {
        return dev.infrakit.credentials.internal.Names.requireValid(name);
    }

    /**
     * Checks a listing prefix ({@code ""} for all): it may only have characters a name may have.
     *
     * @param prefix the prefix to check
     * @return {@code prefix}
     * @throws IllegalArgumentException naming what is wrong with it
     */
    static String requireValidPrefix(String prefix) {
        return dev.infrakit.credentials.internal.Names.requireValidPrefix(prefix);
    }
}
