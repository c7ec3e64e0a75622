package dev.infrakit.credentials.auth;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.internal.ApiKeyFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * Issues and verifies API keys: opaque random keys, shown once when created, stored only as a
 * hash in an {@link ApiKeyStore}, each mapping to a subject and roles (a {@link Principal} that,
 * for example, picks the caller's rate-limit tier).
 *
 * <pre>{@code
 * ApiKeys apiKeys = ApiKeys.builder(PostgresApiKeyStore.create(dataSource)).auditSink(sink).build();
 * NewApiKey issued = apiKeys.create("billing-exporter", Set.of("partner"), "nightly export", Duration.ofDays(90));
 * hand(issued.key());                                   // ik_<keyId>_<secret>; not retrievable later
 * AuthResult result = apiKeys.verify(request.header("X-Api-Key"));
 * if (result.ok()) { Principal p = result.principal(); ... }   // method API_KEY, credentialId = key id
 * }</pre>
 *
 * <h2>The key</h2>
 * {@code ik_<keyId>_<secret>}, 59 characters: the prefix {@code ik_}; a key id of 12 random
 * characters of lower-case base32 ({@code a-z}, {@code 2-7}), which finds the record and is not
 * secret (it appears in records, audit events and {@link Principal#credentialId()}); an underscore;
 * and the secret, 32 bytes from a {@link SecureRandom} in base64url without padding (43
 * characters). Only the SHA-256 of the secret's bytes is stored (see {@link ApiKeyRecord} for why a
 * fast hash suffices). Parsing is strict: anything else — another prefix, another length, a
 * character outside the alphabets, a non-canonical last character — is {@code MALFORMED}, and no
 * result, exception or event quotes the presented key.
 *
 * <h2>Verification</h2>
 * {@link #verify} parses the key, hashes its secret, reads the record by key id and compares the
 * hashes with {@link MessageDigest#isEqual} (constant time). An unknown key id is compared against
 * a decoy hash, so it costs the same hashing and comparison as a known one (the store lookup may
 * still differ in time). A wrong secret for an existing key id is refused exactly like an unknown
 * key id — {@link AuthResult.Failure#UNKNOWN_KEY}, same detail — so results do not tell which key
 * ids exist. Only once the secret matches are {@link AuthResult.Failure#REVOKED} and then
 * {@link AuthResult.Failure#EXPIRED} (at or after the expiry instant) reported.
 *
 * <h2>Last use</h2>
 * A successful verification records the time of use, but at most once per
 * {@link Builder#lastUsedGranularity granularity} (default one minute) per key and instance, so a
 * busy key does not cost a database write per request; the stored time thus lags the real last use
 * by less than the granularity. If that write fails the verification still succeeds (the failure
 * is logged at WARN and the write retried on a later use): last-use is bookkeeping, not access
 * control.
 *
 * <h2>Audit</h2>
 * With an {@link Builder#auditSink audit sink}: {@code api-key.created} and {@code api-key.revoked}
 * (category ADMIN, by the {@link Builder#actor actor}), and {@code api-key.rejected} for every
 * refused key (category SECURITY, severity WARN, outcome DENIED, actor anonymous at the client's
 * address when {@link #verify(String, String)} is given it, with the failure
 * and a reason; a rejected unknown key and a wrong secret are told apart here, for the operator).
 * No event holds a key or a hash. Successful verifications are not audited (one per request would
 * drown the log; what the key is used for is audited where it is done), so a valid key verifies
 * while the sink is down.
 *
 * <p>Creating and revoking are recorded before they take effect: an {@code api-key.created} or
 * {@code api-key.revoked} event with outcome PENDING, then the change, then its outcome (detail
 * {@code pending_id}). If the sink refuses the PENDING event, nothing is stored or revoked and the
 * sink's exception is thrown. If it refuses the outcome: a created key is removed again (its secret
 * was never handed out) and an {@link dev.infrakit.audit.AuditException} is thrown; a revocation
 * stands and an {@link dev.infrakit.credentials.OutcomeNotRecordedException} says so. A rejection is
 * still a rejection when its {@code api-key.rejected} event is refused: {@link #verify} throws the
 * sink's exception instead of returning it, never a success.
 *
 * <p>Times are truncated to microseconds (the precision of PostgreSQL). Store failures propagate
 * as {@link CredentialException}s. Thread-safe.
 */
public final class ApiKeys {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
    private static final Duration DEFAULT_LAST_USED_GRANULARITY = Duration.ofMinutes(1);
    private static final int INSERT_ATTEMPTS = 3;

    private final ApiKeyStore store;
    private final Clock clock;
    private final AuditSink auditSink;
    private final Supplier<Actor> actor;
    private final Duration lastUsedGranularity;
    private final SecureRandom random;
    /** Compared against when the key id is unknown, so that case does the same work. */
    private final byte[] decoyHash;
    /** Per key, the latest last-use time written or seen in the store, to throttle writes. */
    private final ConcurrentMap<String, Instant> lastUseWritten = new ConcurrentHashMap<>();

    private ApiKeys(Builder b) {
        this.store = b.store;
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        this.auditSink = b.auditSink;
        this.actor = b.actor != null ? b.actor : Actor::system;
        this.lastUsedGranularity = b.lastUsedGranularity != null ? b.lastUsedGranularity
                : DEFAULT_LAST_USED_GRANULARITY;
        this.random = b.random != null ? b.random : new SecureRandom();
        this.decoyHash = ApiKeyFormat.hash(ApiKeyFormat.newSecret(random));
    }

    /** A builder over {@code store}. */
    public static Builder builder(ApiKeyStore store) {
        return new Builder(store);
    }

    /**
     * Makes a new key for {@code subject} with {@code roles}, stores its record, and returns the key
     * in clear, once.
     *
     * @param subject who the key authenticates as (1 to 256 characters, not blank)
     * @param roles its roles (at most 64, each 1 to 100 characters, not blank)
     * @param name what it is for (at most 200 characters; may be empty)
     * @param validity how long it is valid from now, or {@code null} for no expiry
     * @return the key and its record
     * @throws IllegalArgumentException if an argument is invalid (the message names it), or the
     *     validity is zero or negative
     * @throws CredentialException if the store fails
     * @throws dev.infrakit.audit.AuditException if the audit sink refuses an event (no key is left
     *     stored: a refused PENDING event stores nothing, a refused outcome removes the key again)
     */
    public NewApiKey create(String subject, Set<String> roles, String name, Duration validity) {
        ApiKeyRecord.requireSubject(subject);
        Set<String> checkedRoles = ApiKeyRecord.requireRoles(roles);
        ApiKeyRecord.requireName(name);
        if (validity != null && (validity.isZero() || validity.isNegative())) {
            throw new IllegalArgumentException("An API key's validity must be positive (or null for none), got "
                    + validity);
        }
        Instant now = now();
        Instant expires = validity == null ? null : now.plus(validity).truncatedTo(ChronoUnit.MICROS);
        for (int attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
            String keyId = ApiKeyFormat.newKeyId(random);
            byte[] secret = ApiKeyFormat.newSecret(random);
            try {
                ApiKeyRecord record = new ApiKeyRecord(keyId, ApiKeyFormat.hash(secret), subject, checkedRoles, name,
                        now, expires, null, null);
                Actor who = actor.get();
                Supplier<AuditEvent.Builder> event = () -> AuditEvent.builder(AuditEvent.Category.ADMIN,
                        "api-key.created").actor(who).action("create").resource(Resource.of("api-key", keyId))
                        .detail("subject", subject).detail("roles", List.copyOf(new TreeSet<>(checkedRoles)))
                        .detail("name", name)
                        .details(expires == null ? Map.of() : Map.of("expires_at", expires.toString()));
                AuditEvent pending = pending(event.get());
                boolean inserted;
                try {
                    inserted = store.insert(record);
                } catch (RuntimeException e) {
                    outcomeOfNothing(after(event.get(), pending).outcome(AuditEvent.Outcome.FAILURE)
                            .severity(AuditEvent.Severity.ERROR).reason(reason(e)), e);
                    throw e;
                }
                if (!inserted) {
                    outcomeOfNothing(after(event.get(), pending).outcome(AuditEvent.Outcome.FAILURE)
                            .severity(AuditEvent.Severity.WARN).reason("key id already in use; another is drawn"),
                            null);
                    continue;
                }
                try {
                    audit(after(event.get(), pending));
                } catch (RuntimeException notRecorded) {
                    // Never handed out, so nobody can use it: remove it rather than leave an unaudited key.
                    try {
                        store.delete(keyId);
                    } catch (RuntimeException e) {
                        notRecorded.addSuppressed(e);
                        LOG.warn("Could not remove API key {} whose creation could not be audited (it is unusable: "
                                + "its secret was never handed out): {}", keyId, e.getMessage());
                    }
                    throw new dev.infrakit.audit.AuditException("API key " + keyId + " was not created: its creation "
                            + "could not be recorded in the audit trail (" + notRecorded.getMessage() + ")", notRecorded);
                }
                return new NewApiKey(ApiKeyFormat.format(keyId, secret), record);
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }
        throw new CredentialException("Could not find an unused API key id in " + INSERT_ATTEMPTS
                + " attempts; the store refuses every insert");
    }

    /**
     * Checks a presented key.
     *
     * @param presentedKey the key as presented (may be null or anything; it is never echoed)
     * @return success with a {@link Principal} (the record's subject and roles, method
     *     {@link Principal.Method#API_KEY}, credential id = key id, the key's expiry), or a failure:
     *     {@link AuthResult.Failure#MALFORMED}, {@link AuthResult.Failure#UNKNOWN_KEY} (no such
     *     key id, or a wrong secret), {@link AuthResult.Failure#REVOKED} or
     *     {@link AuthResult.Failure#EXPIRED}
     * @throws CredentialException if the store fails
     * @throws dev.infrakit.audit.AuditException if the audit sink refuses a rejection event
     */
    public AuthResult verify(String presentedKey) {
        return verify(presentedKey, null);
    }

    /**
     * As {@link #verify(String)}, naming where the key came from: a refusal's
     * {@code api-key.rejected} event carries {@code clientAddress} as the actor's address.
     *
     * @param clientAddress the client's address, or {@code null} if unknown
     */
    public AuthResult verify(String presentedKey, String clientAddress) {
        ApiKeyFormat.Parsed parsed = ApiKeyFormat.parse(presentedKey);
        if (!parsed.ok()) {
            return reject(clientAddress, AuthResult.Failure.MALFORMED, "malformed API key: " + parsed.problem(), null, null,
                    parsed.problem());
        }
        String keyId = parsed.keyId();
        byte[] secret = parsed.secret();
        byte[] hash;
        try {
            hash = ApiKeyFormat.hash(secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        ApiKeyRecord record = store.find(keyId).orElse(null);
        boolean matches;
        if (record == null) {
            MessageDigest.isEqual(decoyHash, hash);
            matches = false;
        } else {
            matches = record.hashMatches(hash);
        }
        if (!matches) {
            return reject(clientAddress, AuthResult.Failure.UNKNOWN_KEY, "no valid API key with id " + keyId, keyId, null,
                    record == null ? "no key with this id" : "the secret does not match the key's");
        }
        Instant now = now();
        if (record.isRevoked()) {
            return reject(clientAddress, AuthResult.Failure.REVOKED, "API key " + keyId + " was revoked", keyId, record.subject(),
                    "revoked at " + record.revokedAt().orElseThrow());
        }
        if (record.isExpiredAt(now)) {
            return reject(clientAddress, AuthResult.Failure.EXPIRED, "API key " + keyId + " has expired", keyId, record.subject(),
                    "expired at " + record.expiresAt().orElseThrow());
        }
        recordUse(record, now);
        return AuthResult.success(new Principal(record.subject(), record.roles(), Principal.Method.API_KEY, keyId,
                record.expiresAt().orElse(null), Map.of()));
    }

    /**
     * Revokes a key: from now on it verifies as {@link AuthResult.Failure#REVOKED}. The record
     * stays (see {@link ApiKeyStore#delete} to remove it).
     *
     * @return {@code true} if revoked by this call; {@code false} if there is no such key or it
     *     was already revoked
     * @throws IllegalArgumentException if {@code keyId} is not a key id
     * @throws CredentialException if the store fails
     * @throws dev.infrakit.audit.AuditException if the audit sink refuses its PENDING event (nothing is
     *     revoked), or refuses the outcome of a call that revoked nothing
     * @throws dev.infrakit.credentials.OutcomeNotRecordedException if the key was revoked but the
     *     outcome could not be recorded (the revocation stands)
     */
    public boolean revoke(String keyId) {
        if (!ApiKeyFormat.isKeyId(Objects.requireNonNull(keyId, "keyId"))) {
            throw new IllegalArgumentException("Not an API key id: expected " + ApiKeyFormat.KEY_ID_LENGTH
                    + " characters of a-z and 2-7");
        }
        Actor who = actor.get();
        Supplier<AuditEvent.Builder> event = () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "api-key.revoked")
                .actor(who).action("revoke").resource(Resource.of("api-key", keyId));
        AuditEvent pending = pending(event.get());
        boolean revoked;
        try {
            revoked = store.revoke(keyId, now());
        } catch (RuntimeException e) {
            outcomeOfNothing(after(event.get(), pending).outcome(AuditEvent.Outcome.FAILURE)
                    .severity(AuditEvent.Severity.ERROR).reason(reason(e)), e);
            throw e;
        }
        lastUseWritten.remove(keyId);
        if (!revoked) {
            outcomeOfNothing(after(event.get(), pending).outcome(AuditEvent.Outcome.FAILURE)
                    .severity(AuditEvent.Severity.WARN).reason("no such API key, or already revoked"), null);
            return false;
        }
        try {
            audit(after(event.get(), pending));
        } catch (RuntimeException notRecorded) {
            throw new dev.infrakit.credentials.OutcomeNotRecordedException("api-key.revoked", keyId,
                    java.util.OptionalInt.empty(), notRecorded);
        }
        return true;
    }

    /**
     * Every key record of {@code subject}, oldest first (revoked and expired ones included).
     *
     * @throws IllegalArgumentException if {@code subject} is blank or too long
     * @throws CredentialException if the store fails
     */
    public List<ApiKeyRecord> list(String subject) {
        return store.list(ApiKeyRecord.requireSubject(subject));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Writes the last-use time unless this instance wrote, or the record shows, one less than a
     * granularity ago. The decision is made atomically per key, so concurrent verifications of one
     * key write once, not once per thread.
     */
    private void recordUse(ApiKeyRecord record, Instant now) {
        String keyId = record.keyId();
        Instant stored = record.lastUsedAt().orElse(null);
        boolean[] due = {false};
        lastUseWritten.compute(keyId, (id, written) -> {
            Instant latest = written == null || (stored != null && stored.isAfter(written)) ? stored : written;
            if (latest != null && now.isBefore(latest.plus(lastUsedGranularity))) {
                return latest;
            }
            due[0] = true;
            return now;
        });
        if (due[0]) {
            try {
                store.touch(keyId, now);
            } catch (RuntimeException e) {
                lastUseWritten.remove(keyId, now);
                LOG.warn("Could not record the last use of API key {}: {}", keyId, e.getMessage());
            }
        }
    }

    private AuthResult reject(String clientAddress, AuthResult.Failure failure, String detail, String keyId,
            String subject, String reason) {
        if (auditSink != null) {
            AuditEvent.Builder event = AuditEvent.builder(AuditEvent.Category.SECURITY, "api-key.rejected")
                    .actor(clientAddress == null ? Actor.anonymous(null) : Actor.anonymous(clientAddress).from(clientAddress, null)).action("verify").outcome(AuditEvent.Outcome.DENIED)
                    .severity(AuditEvent.Severity.WARN).reason(failure + ": " + reason).detail("failure", failure.name());
            if (keyId != null) {
                event.resource(Resource.of("api-key", keyId));
            }
            if (subject != null) {
                event.detail("subject", subject);
            }
            audit(event);
        }
        return AuthResult.failure(failure, detail);
    }

    private void audit(AuditEvent.Builder event) {
        if (auditSink != null) {
            auditSink.record(event.clock(clock).build());
        }
    }

    private static String reason(RuntimeException e) {
        String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
        return reason.length() <= 500 ? reason : reason.substring(0, 500) + "…";
    }

    /** {@code event} as the outcome of {@code pending} (none without a sink). */
    private static AuditEvent.Builder after(AuditEvent.Builder event, AuditEvent pending) {
        return pending == null ? event : event.follows(pending);
    }

    /** Records {@code event} as PENDING (before the change); null without a sink. */
    private AuditEvent pending(AuditEvent.Builder event) {
        if (auditSink == null) {
            return null;
        }
        AuditEvent pending = event.clock(clock).outcome(AuditEvent.Outcome.PENDING).severity(AuditEvent.Severity.INFO)
                .build();
        auditSink.record(pending);
        return pending;
    }

    /**
     * Records the outcome of a change that did not happen; if the sink refuses it, throws an
     * AuditException saying nothing changed (with {@code failure}, if any, suppressed).
     */
    private void outcomeOfNothing(AuditEvent.Builder event, RuntimeException failure) {
        try {
            audit(event);
        } catch (RuntimeException notRecorded) {
            dev.infrakit.audit.AuditException thrown = new dev.infrakit.audit.AuditException("Nothing was changed, "
                    + "but the outcome could not be recorded in the audit trail: " + notRecorded.getMessage(),
                    notRecorded);
            if (failure != null) {
                thrown.addSuppressed(failure);
            }
            throw thrown;
        }
    }

    @Override
    public String toString() {
        return "ApiKeys[" + store + ", last use every " + lastUsedGranularity
                + (auditSink == null ? "" : ", audit " + auditSink.name()) + "]";
    }

    /** Builds {@link ApiKeys}; each setting may be given once. Not thread-safe. */
    public static final class Builder {
        private final ApiKeyStore store;
        private Clock clock;
        private AuditSink auditSink;
        private Supplier<Actor> actor;
        private Duration lastUsedGranularity;
        private SecureRandom random;

        private Builder(ApiKeyStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        private static void requireUnset(Object current, String setting) {
            if (current != null) {
                throw new IllegalStateException(setting + " was already set to " + current);
            }
        }

        /**
         * The clock for creation, expiry, revocation and last-use times (default: the system UTC clock).
         *
         * @throws IllegalStateException if already set
         */
        public Builder clock(Clock clock) {
            requireUnset(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Where to record {@code api-key.created}, {@code api-key.revoked} and
         * {@code api-key.rejected} events (default: none).
         *
         * @throws IllegalStateException if already set
         */
        public Builder auditSink(AuditSink auditSink) {
            requireUnset(this.auditSink, "auditSink");
            this.auditSink = Objects.requireNonNull(auditSink, "auditSink");
            return this;
        }

        /**
         * Who creates and revokes keys, for audit events (default: {@link Actor#system()}); called
         * on the thread that creates or revokes.
         *
         * @throws IllegalStateException if already set
         */
        public Builder actor(Supplier<Actor> actor) {
            requireUnset(this.actor, "actor");
            this.actor = Objects.requireNonNull(actor, "actor");
            return this;
        }

        /**
         * The least time between two writes of a key's last-use time by this instance (default 1
         * minute; zero writes on every verification).
         *
         * @throws IllegalArgumentException if negative
         * @throws IllegalStateException if already set
         */
        public Builder lastUsedGranularity(Duration granularity) {
            requireUnset(this.lastUsedGranularity, "lastUsedGranularity");
            Objects.requireNonNull(granularity, "granularity");
            if (granularity.isNegative()) {
                throw new IllegalArgumentException("lastUsedGranularity must not be negative, got " + granularity);
            }
            this.lastUsedGranularity = granularity;
            return this;
        }

        /**
         * The source of key ids and secrets (default: a new {@link SecureRandom}).
         *
         * @throws IllegalStateException if already set
         */
        public Builder random(SecureRandom random) {
            requireUnset(this.random, "random");
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** The service. */
        public ApiKeys build() {
            return new ApiKeys(this);
        }
    }
}
