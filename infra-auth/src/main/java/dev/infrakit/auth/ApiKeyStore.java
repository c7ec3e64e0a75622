package dev.infrakit.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where {@link ApiKeys} keeps its {@link ApiKeyRecord}s: {@link InMemoryApiKeyStore} for tests and
 * single processes, {@link PostgresApiKeyStore} for services sharing a database. A store holds
 * records only, never a key; it does no verification.
 *
 * <p>Implementations must be thread-safe, and each operation atomic on its record: {@link #revoke}
 * keeps the first revocation time, {@link #touch} only moves the last-use time forward. Times are
 * given by the caller ({@link ApiKeys} truncates them to microseconds, the precision of
 * PostgreSQL). {@link #insertWithin} is atomic per subject: however many threads and processes
 * create keys for one subject at once, it never stores more than the limit of live keys. Failures
 * of the backing storage are thrown as
 * {@link dev.infrakit.credentials.CredentialException}s that name the operation and the key id,
 * never a hash. The contract test kit {@code dev.infrakit.test.contract.ApiKeyStoreContract} in the
 * infra-test artifact states the behaviour every implementation must have.
 */
public interface ApiKeyStore {

    /**
     * Stores a new record.
     *
     * @return {@code true} if stored, {@code false} if a record with that key id already exists
     *     (which is then left unchanged)
     */
    boolean insert(ApiKeyRecord record);

    /** What {@link #insertWithin} did. */
    enum InsertResult {
        /** The record was stored. */
        STORED,
        /** A record with that key id exists (and was left unchanged); nothing was stored. */
        KEY_ID_TAKEN,
        /** The record's subject already holds the most live keys allowed; nothing was stored. */
        LIMIT_REACHED
    }

    /**
     * Stores a new record unless its subject already holds {@code maxLive} or more live keys at
     * {@code now} (see {@link #countLive}). The count and the insert are one atomic step per
     * subject, across threads and across processes sharing the store: concurrent calls for one
     * subject never leave more than {@code maxLive} live keys stored. A store may answer
     * {@link InsertResult#LIMIT_REACHED} while a concurrent insert for the subject is being undone.
     *
     * @param maxLive the most live keys the subject may hold (at least 1)
     * @throws IllegalArgumentException if {@code maxLive} is less than 1
     */
    InsertResult insertWithin(ApiKeyRecord record, int maxLive, Instant now);

    /**
     * How many keys of {@code subject} are live at {@code now}: not revoked, and without an expiry
     * or expiring after {@code now}. The default counts {@link #list}'s records.
     */
    default int countLive(String subject, Instant now) {
        java.util.Objects.requireNonNull(now, "now");
        return (int) list(subject).stream().filter(r -> !r.isRevoked() && !r.isExpiredAt(now)).count();
    }

    /** The record with {@code keyId}, if there is one. */
    Optional<ApiKeyRecord> find(String keyId);

    /** Every record of {@code subject}, oldest first (by creation time, then key id); empty if none. */
    List<ApiKeyRecord> list(String subject);

    /**
     * Marks the key revoked at {@code at}.
     *
     * @return {@code true} if it was revoked by this call; {@code false} if there is no such key or
     *     it was already revoked (its revocation time is kept)
     */
    boolean revoke(String keyId, Instant at);

    /**
     * Sets the key's last-use time to {@code at} if that is later than the stored one (or none is
     * stored).
     *
     * @return {@code true} if the time was changed; {@code false} if there is no such key or the
     *     stored time is at or after {@code at}
     */
    boolean touch(String keyId, Instant at);

    /**
     * Removes the record for good; a removed key verifies as unknown.
     *
     * @return whether there was one
     */
    boolean delete(String keyId);
}
