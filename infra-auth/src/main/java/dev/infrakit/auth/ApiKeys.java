package dev.infrakit.auth;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.auth.internal.ApiKeyFormat;
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
 * ApiKeys apiKeys = ApiKeys.builder(PostgresApiKeyStore.create(dataSource, keyRing)).auditSink(sink).build();
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
 * <h2>Who may create, list and revoke</h2>
 * Request handlers use the {@link Caller} methods, which apply the rules that keep one user from
 * multiplying their access:
 * <ul>
 *   <li>only an interactive login creates keys ({@link #create(Caller, String, Duration)}): a
 *       principal that authenticated by password, or with a token issued for a password login
 *       ({@link Principal#interactive()}); an API key, or a token obtained with one, is refused
 *       ({@link ApiKeyRefusedException.Reason#NOT_INTERACTIVE}), so keys cannot mint keys;</li>
 *   <li>a subject holds at most {@link Builder#maxLiveKeys} live keys (not revoked, not expired;
 *       default {@value #DEFAULT_MAX_LIVE_KEYS}); a create over the cap is refused
 *       ({@link ApiKeyRefusedException.Reason#LIMIT_REACHED}, naming the cap). The store counts
 *       and inserts in one atomic step ({@link ApiKeyStore#insertWithin}), so concurrent creates
 *       cannot pass it. The cap also holds for {@link #create(String, Set, String, Duration)};</li>
 *   <li>a key draws on its owner's rate-limit budget: {@link #rateLimitSubject(Principal)} is the
 *       owner, not the key id, unless {@link Builder#rateLimitPerKey(boolean)} gives every key a
 *       budget of its own;</li>
 *   <li>a caller lists and revokes its own keys; a caller with the {@link Builder#adminRole admin
 *       role} (default {@code admin}) lists and revokes anyone's. Revoking a key that is not the
 *       caller's is answered exactly like revoking one that does not exist
 *       ({@link ApiKeyRefusedException.Reason#NO_SUCH_KEY}), so key ids of others are not
 *       confirmed.</li>
 * </ul>
 * The {@code api-key.created} and {@code api-key.revoked} events of these methods name the calling
 * user and its client address and user agent.
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
 * (category ADMIN, by the {@link Caller caller}, or for the methods without one by the
 * {@link Builder#actor actor}; a create refused by the rules above is an {@code api-key.created}
 * event with outcome DENIED and the reason), and {@code api-key.rejected} for every
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
    /** The most live keys a subject holds unless {@link Builder#maxLiveKeys} says otherwise. */
    public static final int DEFAULT_MAX_LIVE_KEYS = 10;
    /** The admin role unless {@link Builder#adminRole} says otherwise. */
    public static final String DEFAULT_ADMIN_ROLE = "admin";
    /** The prefix of {@link #rateLimitSubject} for a key with a budget of its own. */
    public static final String PER_KEY_SUBJECT_PREFIX = "apikey:";

    private final ApiKeyStore store;
    private final Clock clock;
    private final AuditSink auditSink;
    private final Supplier<Actor> actor;
    private final Duration lastUsedGranularity;
    private final SecureRandom random;
    private final int maxLiveKeys;
    private final String adminRole;
    private final boolean rateLimitPerKey;
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
        this.maxLiveKeys = b.maxLiveKeys != null ? b.maxLiveKeys : DEFAULT_MAX_LIVE_KEYS;
        this.adminRole = b.adminRole != null ? b.adminRole : DEFAULT_ADMIN_ROLE;
        this.rateLimitPerKey = b.rateLimitPerKey != null && b.rateLimitPerKey;
        this.decoyHash = ApiKeyFormat.hash(ApiKeyFormat.newSecret(random));
    }

    /** A builder over {@code store}. */
    public static Builder builder(ApiKeyStore store) {
        return new Builder(store);
    }

    /**
     * Who asks, in a request: the authenticated principal and where the request came from, for the
     * rules and the audit events of {@link #create(Caller, String, Duration)},
     * {@link #list(Caller, String)} and {@link #revoke(Caller, String)}.
     *
     * @param principal who the request authenticated as
     * @param clientAddress the client's address as the service sees it (null if unknown)
     * @param userAgent the client's user agent (null if none; cut to 512 characters)
     */
    public record Caller(Principal principal, String clientAddress, String userAgent) {
        /** Checks the principal is given; cuts the user agent to what an audit actor holds. */
        public Caller {
            Objects.requireNonNull(principal, "principal");
            if (userAgent != null && userAgent.length() > 512) {
                userAgent = userAgent.substring(0, 512);
            }
            if (clientAddress != null && clientAddress.length() > 64) {
                clientAddress = clientAddress.substring(0, 64);
            }
        }

        /** The audit actor: the principal's subject as a user, from the address and user agent. */
        public Actor actor() {
            return Actor.user(principal.subject()).from(clientAddress, userAgent);
        }
    }

    /**
     * Makes a new key for the caller, with the caller's subject and roles, if the caller logged in
     * interactively and holds fewer than {@link Builder#maxLiveKeys} live keys; returns it in
     * clear, once. The audit events name the caller and its address.
     *
     * @param name what it is for (at most 200 characters; may be empty)
     * @param validity how long it is valid from now, or {@code null} for no expiry
     * @throws ApiKeyRefusedException {@link ApiKeyRefusedException.Reason#NOT_INTERACTIVE} if the
     *     caller authenticated with an API key or a token not issued for a password login;
     *     {@link ApiKeyRefusedException.Reason#LIMIT_REACHED} if it holds the most live keys allowed
     * @throws IllegalArgumentException if an argument is invalid (the message names it)
     * @throws CredentialException if the store fails
     * @throws dev.infrakit.audit.AuditException if the audit sink refuses an event (no key is left stored)
     */
    public NewApiKey create(Caller caller, String name, Duration validity) {
        Objects.requireNonNull(caller, "caller");
        Principal p = caller.principal();
        if (!p.interactive()) {
            Actor who = caller.actor();
            audit(AuditEvent.builder(AuditEvent.Category.ADMIN, "api-key.created").actor(who).action("create")
                    .outcome(AuditEvent.Outcome.DENIED).severity(AuditEvent.Severity.WARN)
                    .reason("only an interactive login creates API keys; authenticated by " + p.method()
                            + (p.method() == Principal.Method.API_KEY ? " " + p.credentialId().orElse("") : ""))
                    .detail("subject", p.subject()));
            throw new ApiKeyRefusedException(ApiKeyRefusedException.Reason.NOT_INTERACTIVE, "Only an interactive "
                    + "login (a password, or a token issued for one) creates API keys; this request authenticated "
                    + (p.method() == Principal.Method.API_KEY ? "with an API key" : "with a token not issued for a "
                            + "password login") + ".");
        }
        return create(p.subject(), p.roles(), name, validity, caller.actor());
    }

    /**
     * The key records of {@code owner} (revoked and expired ones included, oldest first), if the
     * caller may see them: its own, or anyone's for a caller with the admin role.
     *
     * @param owner whose keys, or {@code null} for the caller's own
     * @throws ApiKeyRefusedException {@link ApiKeyRefusedException.Reason#NOT_ALLOWED} if
     *     {@code owner} is someone else and the caller lacks the admin role
     * @throws IllegalArgumentException if {@code owner} is blank, too long or holds a control character
     * @throws CredentialException if the store fails
     */
    public List<ApiKeyRecord> list(Caller caller, String owner) {
        Objects.requireNonNull(caller, "caller");
        Principal p = caller.principal();
        String whose = owner == null ? p.subject() : ApiKeyRecord.requireSubject(owner);
        if (!whose.equals(p.subject()) && !p.hasRole(adminRole)) {
            throw new ApiKeyRefusedException(ApiKeyRefusedException.Reason.NOT_ALLOWED, "Listing another user's "
                    + "API keys needs the role " + adminRole + ".");
        }
        return store.list(whose);
    }

    /**
     * Revokes a key of the caller's, or anyone's for a caller with the admin role; the audit
     * events name the caller and its address.
     *
     * @return {@code true} if revoked by this call, {@code false} if it was already revoked
     * @throws ApiKeyRefusedException {@link ApiKeyRefusedException.Reason#NO_SUCH_KEY} if there is
     *     no such key, or it is another user's and the caller lacks the admin role (one answer for both),
     *     or its stored record failed its integrity check (so its owner is unknown) and the caller
     *     lacks the admin role; an admin's revocation of such a key removes the untrusted record
     * @throws IllegalArgumentException if {@code keyId} is not a key id
     * @throws CredentialException if the store fails
     * @throws dev.infrakit.audit.AuditException if the audit sink refuses its PENDING event (nothing is revoked)
     * @throws dev.infrakit.credentials.OutcomeNotRecordedException if the key was revoked but the
     *     outcome could not be recorded (the revocation stands)
     */
    public boolean revoke(Caller caller, String keyId) {
        Objects.requireNonNull(caller, "caller");
        requireKeyId(keyId);
        Principal p = caller.principal();
        ApiKeyRecord record;
        try {
            record = store.find(keyId).orElse(null);
        } catch (dev.infrakit.credentials.CredentialIntegrityException untrusted) {
            // Whose key it is cannot be believed either: only an admin may revoke it, which removes
            // the untrusted record (see ApiKeyStore#revoke).
            if (!p.hasRole(adminRole)) {
                throw new ApiKeyRefusedException(ApiKeyRefusedException.Reason.NO_SUCH_KEY, "API key " + keyId
                        + " cannot be trusted: its stored record failed its integrity check. It is refused; an admin "
                        + "can revoke it to remove the record.");
            }
            LOG.error("API key {}: revoking a key whose stored record failed its integrity check: {}", keyId,
                    untrusted.getMessage());
            return revoke(keyId, caller.actor());
        }
        if (record == null || (!record.subject().equals(p.subject()) && !p.hasRole(adminRole))) {
            throw new ApiKeyRefusedException(ApiKeyRefusedException.Reason.NO_SUCH_KEY, "No API key " + keyId
                    + (p.hasRole(adminRole) ? "." : " of yours."));
        }
        if (record.isRevoked()) {
            return false;
        }
        return revoke(keyId, caller.actor());
    }

    /**
     * The rate-limit subject of a request made as {@code principal}: its subject, so every key of
     * an owner draws on the owner's budget (minting keys gains no requests); with
     * {@link Builder#rateLimitPerKey(boolean) rateLimitPerKey(true)}, an API key's own
     * {@code apikey:<keyId>} instead.
     */
    public String rateLimitSubject(Principal principal) {
        Objects.requireNonNull(principal, "principal");
        if (rateLimitPerKey && principal.method() == Principal.Method.API_KEY && principal.credentialId().isPresent()) {
            return PER_KEY_SUBJECT_PREFIX + principal.credentialId().get();
        }
        return principal.subject();
    }

    /**
     * Makes a new key for {@code subject} with {@code roles}, stores its record, and returns the key
     * in clear, once. For provisioning by the service itself (the audit actor is the
     * {@link Builder#actor actor}); a request handler uses {@link #create(Caller, String, Duration)}.
     * The subject's cap of live keys applies.
     *
     * @param subject who the key authenticates as (1 to 256 characters, not blank)
     * @param roles its roles (at most 64, each 1 to 100 characters, not blank)
     * @param name what it is for (at most 200 characters; may be empty)
     * @param validity how long it is valid from now, or {@code null} for no expiry
     * @return the key and its record
     * @throws IllegalArgumentException if an argument is invalid (the message names it), or the
     *     validity is zero or negative
     * @throws ApiKeyRefusedException {@link ApiKeyRefusedException.Reason#LIMIT_REACHED} if the
     *     subject holds the most live keys allowed
     * @throws CredentialException if the store fails
     * @throws dev.infrakit.audit.AuditException if the audit sink refuses an event (no key is left
     *     stored: a refused PENDING event stores nothing, a refused outcome removes the key again)
     */
    public NewApiKey create(String subject, Set<String> roles, String name, Duration validity) {
        return create(subject, roles, name, validity, null);
    }

    private NewApiKey create(String subject, Set<String> roles, String name, Duration validity, Actor caller) {
        ApiKeyRecord.requireSubject(subject);
        Set<String> checkedRoles = ApiKeyRecord.requireRoles(roles);
        ApiKeyRecord.requireName(name);
        if (validity != null && (validity.isZero() || validity.isNegative())) {
            throw new IllegalArgumentException("An API key's validity must be positive (or null for none), got "
                    + validity);
        }
        Instant now = now();
        Instant expires = validity == null ? null : now.plus(validity).truncatedTo(ChronoUnit.MICROS);
        Actor who = caller != null ? caller : actor.get();
        // The cheap refusal first (one DENIED event, no PENDING one); the store's atomic check decides.
        if (store.countLive(subject, now) >= maxLiveKeys) {
            throw limitReached(subject, who, null);
        }
        for (int attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
            String keyId = ApiKeyFormat.newKeyId(random);
            byte[] secret = ApiKeyFormat.newSecret(random);
            try {
                ApiKeyRecord record = new ApiKeyRecord(keyId, ApiKeyFormat.hash(secret), subject, checkedRoles, name,
                        now, expires, null, null);
                Supplier<AuditEvent.Builder> event = () -> AuditEvent.builder(AuditEvent.Category.ADMIN,
                        "api-key.created").actor(who).action("create").resource(Resource.of("api-key", keyId))
                        .detail("subject", subject).detail("roles", List.copyOf(new TreeSet<>(checkedRoles)))
                        .detail("name", name)
                        .details(expires == null ? Map.of() : Map.of("expires_at", expires.toString()));
                AuditEvent pending = pending(event.get());
                ApiKeyStore.InsertResult inserted;
                try {
                    inserted = store.insertWithin(record, maxLiveKeys, now);
                } catch (RuntimeException e) {
                    outcomeOfNothing(after(event.get(), pending).outcome(AuditEvent.Outcome.FAILURE)
                            .severity(AuditEvent.Severity.ERROR).reason(reason(e)), e);
                    throw e;
                }
                if (inserted == ApiKeyStore.InsertResult.LIMIT_REACHED) {
                    throw limitReached(subject, who, pending);
                }
                if (inserted == ApiKeyStore.InsertResult.KEY_ID_TAKEN) {
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
                                + "its secret was never handed out): {}", ClientText.forLog(keyId, 100),
                                ClientText.forLog(e.getMessage(), 1000));
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

    /** Records the refusal of a create over the cap (as the outcome of {@code pending}, if any); the exception. */
    private ApiKeyRefusedException limitReached(String subject, Actor who, AuditEvent pending) {
        String reason = subject + " already holds " + maxLiveKeys + " live API keys, the most allowed";
        AuditEvent.Builder refused = AuditEvent.builder(AuditEvent.Category.ADMIN, "api-key.created").actor(who)
                .action("create").outcome(AuditEvent.Outcome.DENIED).severity(AuditEvent.Severity.WARN).reason(reason)
                .detail("subject", subject).detail("max_live_keys", String.valueOf(maxLiveKeys));
        if (pending != null) {
            outcomeOfNothing(refused.follows(pending), null);
        } else {
            audit(refused);
        }
        return new ApiKeyRefusedException(ApiKeyRefusedException.Reason.LIMIT_REACHED, "API key limit reached: "
                + reason + " (" + maxLiveKeys + "); revoke one before creating another.");
    }

    /**
     * Checks a presented key.
     *
     * @param presentedKey the key as presented (may be null or anything; it is never echoed)
     * @return success with a {@link Principal} (the record's subject and roles, method
     *     {@link Principal.Method#API_KEY}, credential id = key id, the key's expiry), or a failure:
     *     {@link AuthResult.Failure#MALFORMED}, {@link AuthResult.Failure#UNKNOWN_KEY} (no such
     *     key id, or a wrong secret), {@link AuthResult.Failure#REVOKED} or
     *     {@link AuthResult.Failure#EXPIRED}; a key whose stored record fails its integrity check (a
     *     {@link dev.infrakit.credentials.CredentialIntegrityException}: rolled back, edited, put
     *     back) is refused as {@link AuthResult.Failure#UNKNOWN_KEY}, logged and audited as an
     *     {@code ERROR} naming the credential and the file, never accepted
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
        ApiKeyRecord record;
        try {
            record = store.find(keyId).orElse(null);
        } catch (dev.infrakit.credentials.CredentialIntegrityException e) {
            // The record is not the one the store last wrote (rolled back, edited, put back): nothing
            // in it can be believed, a revocation least of all. Refuse the key, loudly; the store
            // itself is fine for every other key.
            LOG.error("API key {} refused: its stored record failed its integrity check: {}", keyId, e.getMessage());
            return rejectUntrusted(clientAddress, keyId, e);
        }
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
        requireKeyId(keyId);
        return revoke(keyId, actor.get());
    }

    private static void requireKeyId(String keyId) {
        if (!ApiKeyFormat.isKeyId(Objects.requireNonNull(keyId, "keyId"))) {
            throw new IllegalArgumentException("Not an API key id: expected " + ApiKeyFormat.KEY_ID_LENGTH
                    + " characters of a-z and 2-7");
        }
    }

    private boolean revoke(String keyId, Actor who) {
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
                LOG.warn("Could not record the last use of API key {}: {}", ClientText.forLog(keyId, 100),
                        ClientText.forLog(e.getMessage(), 1000));
            }
        }
    }

    /** A key whose record failed its integrity check: refused as unknown, recorded as an ERROR. */
    private AuthResult rejectUntrusted(String clientAddress, String keyId, RuntimeException e) {
        AuthResult.Failure failure = AuthResult.Failure.UNKNOWN_KEY;
        if (auditSink != null) {
            audit(AuditEvent.builder(AuditEvent.Category.SECURITY, "api-key.rejected")
                    .actor(clientAddress == null ? Actor.anonymous(null)
                            : Actor.anonymous(clientAddress).from(clientAddress, null))
                    .action("verify").outcome(AuditEvent.Outcome.DENIED).severity(AuditEvent.Severity.ERROR)
                    .reason(failure + ": the key's stored record failed its integrity check: " + reason(e))
                    .detail("failure", failure.name()).detail("integrity", "failed")
                    .resource(Resource.of("api-key", keyId)));
        }
        return AuthResult.failure(failure, "API key " + keyId + " cannot be trusted: its stored record failed its "
                + "integrity check");
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
        return "ApiKeys[" + store + ", at most " + maxLiveKeys + " live keys per subject, last use every "
                + lastUsedGranularity
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
        private Integer maxLiveKeys;
        private String adminRole;
        private Boolean rateLimitPerKey;

        private Builder(ApiKeyStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * The clock for creation, expiry, revocation and last-use times (default: the system UTC clock).
         *
         * @throws IllegalStateException if already set
         */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
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
            Arguments.setOnce(this.auditSink, "auditSink");
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
            Arguments.setOnce(this.actor, "actor");
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
            Arguments.setOnce(this.lastUsedGranularity, "lastUsedGranularity");
            this.lastUsedGranularity = Arguments.notNegative(granularity, "lastUsedGranularity");
            return this;
        }

        /**
         * The source of key ids and secrets (default: a new {@link SecureRandom}).
         *
         * @throws IllegalStateException if already set
         */
        public Builder random(SecureRandom random) {
            Arguments.setOnce(this.random, "random");
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * The most live keys (not revoked, not expired) one subject may hold (default
         * {@value ApiKeys#DEFAULT_MAX_LIVE_KEYS}); a create beyond it is refused.
         *
         * @throws IllegalArgumentException if less than 1
         * @throws IllegalStateException if already set
         */
        public Builder maxLiveKeys(int maxLiveKeys) {
            Arguments.setOnce(this.maxLiveKeys, "maxLiveKeys");
            if (maxLiveKeys < 1) {
                throw new IllegalArgumentException("maxLiveKeys must be at least 1, got " + maxLiveKeys);
            }
            this.maxLiveKeys = maxLiveKeys;
            return this;
        }

        /**
         * The role that lists and revokes anyone's keys (default {@value ApiKeys#DEFAULT_ADMIN_ROLE}).
         *
         * @throws IllegalArgumentException if blank
         * @throws IllegalStateException if already set
         */
        public Builder adminRole(String adminRole) {
            Arguments.setOnce(this.adminRole, "adminRole");
            if (Objects.requireNonNull(adminRole, "adminRole").isBlank()) {
                throw new IllegalArgumentException("adminRole must not be blank");
            }
            this.adminRole = adminRole;
            return this;
        }

        /**
         * Whether each key gets a rate-limit budget of its own ({@code true}: its
         * {@link ApiKeys#rateLimitSubject rate-limit subject} is {@code apikey:<keyId>}) instead of
         * drawing on its owner's (default {@code false}). With {@code true}, a user's budget is
         * multiplied by the keys it holds (up to {@link #maxLiveKeys} + 1).
         *
         * @throws IllegalStateException if already set
         */
        public Builder rateLimitPerKey(boolean perKey) {
            Arguments.setOnce(this.rateLimitPerKey, "rateLimitPerKey");
            this.rateLimitPerKey = perKey;
            return this;
        }

        /** The service. */
        public ApiKeys build() {
            return new ApiKeys(this);
        }
    }
}
