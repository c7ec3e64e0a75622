package dev.infrakit.auth;

import dev.infrakit.core.Arguments;

import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.SecretValue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Revoked access tokens, kept in a {@link CredentialStore} so that every instance sharing the
 * store (a {@code PostgresCredentialStore}, or one file store) honours a revocation made by any of
 * them within {@link Builder#maxStaleness(Duration) maxStaleness} (default 1 s). Two kinds:
 * <ul>
 *   <li><b>one token</b> ({@link #revoke(String, Instant)}, {@link #revoke(Principal)}): its
 *   {@code jti} is denied until the token expires (plus the clock skew), then forgotten;</li>
 *   <li><b>every token of a subject issued so far</b> ({@link #revokeAll(String)}: a password
 *   change, a deleted user, a stolen session). Each subject has an <em>epoch</em>, a counter that
 *   only grows; tokens carry the epoch they were issued in (claim {@value #EPOCH_CLAIM}, added by
 *   {@link #claims(String)}), and a token whose epoch is older than its subject's is revoked. A
 *   counter rather than a "not before" time: a token issued in the same second as a revocation,
 *   or by an instance whose clock is behind, is told apart exactly. Epochs are never deleted, so
 *   a user deleted and created again does not revive the old user's tokens.</li>
 * </ul>
 *
 * <p>Checks ({@link #check(Principal)}, or {@link TokenVerifier.Builder#revocations} for every
 * token verified) read an in-memory view, refreshed when older than {@link Builder#refresh(Duration)
 * refresh} (default 250 ms) by one caller while the others go on with the view they have; a refresh
 * reads one record (a change counter bumped by every revocation) and lists the revocations only
 * when it moved. A view older than {@code maxStaleness} is never used: if the store cannot be read,
 * checks fail with {@link AuthResult.Failure#UNAVAILABLE} (fail closed; an HTTP answer is 503).
 * What this instance revokes is in its own view at once.
 *
 * <p>The records live under a prefix of the store (default {@code auth/token-revocations/}): a
 * subject's epoch is the version number of {@code <prefix>subjects/<hash>}, a revoked token is
 * {@code <prefix>tokens/<expiry>-<hash>} (the hash is SHA-256 of the subject or {@code jti}, so no
 * client value names a record); expired token records are deleted by the next full reading (every
 * {@link Builder#fullRefresh(Duration) fullRefresh}, default 30 s). Revocations are not audited
 * here: the caller knows who asked and from where (the demo records {@code user.tokens-revoked}
 * and {@code token.revoked} around each call). Thread-safe.
 *
 * <pre>{@code
 * TokenRevocations revocations = TokenRevocations.builder(store).build();
 * TokenVerifier verifier = TokenVerifier.builder(keys).issuer("app").audience("app").revocations(revocations).build();
 * String token = issuer.issue(user, roles, revocations.claims(user), Duration.ofMinutes(15));
 * revocations.revokeAll(user);   // every token issued so far stops working, on every instance within 1 s
 * }</pre>
 */
public final class TokenRevocations {
    /** The claim carrying the subject's epoch when the token was issued (a number; absent means 0). */
    public static final String EPOCH_CLAIM = "ik_epoch";

    private final CredentialStore store;
    private final String prefix;
    private final String head;
    private final Duration refresh;
    private final Duration maxStaleness;
    private final Duration fullRefresh;
    private final Duration skew;
    private final Clock clock;
    private final ReentrantLock refreshing = new ReentrantLock();
    private volatile View view;

    /** What was read, and when the reading started (so it holds every change committed before). */
    private static final class View {
        final Map<String, Long> epochs;
        final Set<String> tokens;
        final int headVersion;
        final Instant readAt;
        final Instant listedAt;

        View(Map<String, Long> epochs, Set<String> tokens, int headVersion, Instant readAt, Instant listedAt) {
            this.epochs = epochs;
            this.tokens = tokens;
            this.headVersion = headVersion;
            this.readAt = readAt;
            this.listedAt = listedAt;
        }
    }

    private TokenRevocations(Builder b) {
        this.store = b.store;
        this.prefix = b.prefix;
        this.head = b.prefix + "head";
        this.refresh = b.refresh;
        this.maxStaleness = b.maxStaleness;
        this.fullRefresh = b.fullRefresh;
        this.skew = b.skew;
        this.clock = b.clock;
    }

    /** A builder keeping the revocations in {@code store}. */
    public static Builder builder(CredentialStore store) {
        return new Builder(store);
    }

    /**
     * The subject's epoch as the store holds it now (not the cached view): what a token issued
     * now must carry. Read it when issuing, after the user was authenticated.
     *
     * @throws dev.infrakit.credentials.CredentialException if the store cannot be read
     */
    public long epoch(String subject) {
        return store.metadata(subjectRecord(subject)).map(CredentialMetadata::currentVersion).orElse(0);
    }

    /** The claims a token issued now for {@code subject} carries: {@value #EPOCH_CLAIM} with {@link #epoch}. */
    public Map<String, Object> claims(String subject) {
        return Map.of(EPOCH_CLAIM, epoch(subject));
    }

    /**
     * Revokes every token of {@code subject} issued so far (their epoch is older than the one this
     * returns); tokens issued afterwards, which read the new epoch, work.
     *
     * @return the subject's new epoch
     * @throws dev.infrakit.credentials.CredentialException if the store cannot be written (nothing revoked)
     */
    public long revokeAll(String subject) {
        String record = subjectRecord(subject);
        int epoch = store.put(record, SecretValue.ofFields(Map.of("revoked", "all")));
        if (epoch == 1) {
            store.setMaxVersions(record, 1);
        }
        bumpHead();
        View v = view;
        if (v != null) {
            Map<String, Long> epochs = new HashMap<>(v.epochs);
            epochs.merge(hash(subject), (long) epoch, Math::max);
            view = new View(Map.copyOf(epochs), v.tokens, v.headVersion, v.readAt, v.listedAt);
        }
        return epoch;
    }

    /**
     * Revokes one token: its {@code jti} is refused until {@code expiresAt} (plus the clock skew),
     * after which the token is refused for its expiry anyway.
     *
     * @throws IllegalArgumentException if {@code jti} is empty or longer than 256 characters
     * @throws dev.infrakit.credentials.CredentialException if the store cannot be written (nothing revoked)
     */
    public void revoke(String jti, Instant expiresAt) {
        Objects.requireNonNull(jti, "jti");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (jti.isEmpty() || jti.length() > 256) {
            throw new IllegalArgumentException("A token id (jti) is 1 to 256 characters, got " + jti.length());
        }
        String record = prefix + "tokens/" + expiresAt.getEpochSecond() + "-" + hash(jti);
        store.put(record, SecretValue.ofFields(Map.of("revoked", "token")));
        bumpHead();
        View v = view;
        if (v != null) {
            Set<String> tokens = new HashSet<>(v.tokens);
            tokens.add(hash(jti));
            view = new View(v.epochs, Set.copyOf(tokens), v.headVersion, v.readAt, v.listedAt);
        }
    }

    /**
     * Revokes the token {@code principal} was authenticated with.
     *
     * @throws IllegalArgumentException if it was not a token with an id ({@code jti}) and an expiry
     */
    public void revoke(Principal principal) {
        if (principal.method() != Principal.Method.JWT || principal.credentialId().isEmpty()
                || principal.expiresAt().isEmpty()) {
            throw new IllegalArgumentException("Only a token with an id (jti) and an expiry can be revoked one by one; "
                    + "revoke all of the subject's tokens instead");
        }
        revoke(principal.credentialId().get(), principal.expiresAt().get());
    }

    /**
     * Whether {@code principal}'s token stands: {@link AuthResult#success} with it, or
     * {@link AuthResult.Failure#REVOKED} (its {@code jti} is denied, or its epoch is older than its
     * subject's), or {@link AuthResult.Failure#UNAVAILABLE} (the revocations could not be read for
     * longer than {@code maxStaleness}). Principals that did not come from a token are returned as
     * they are.
     */
    public AuthResult check(Principal principal) {
        if (principal.method() != Principal.Method.JWT) {
            return AuthResult.success(principal);
        }
        View v;
        try {
            v = current();
        } catch (RuntimeException e) {
            return AuthResult.failure(AuthResult.Failure.UNAVAILABLE, "the token revocations could not be read ("
                    + e.getClass().getSimpleName() + ")");
        }
        Optional<String> jti = principal.credentialId();
        if (jti.isPresent() && v.tokens.contains(hash(jti.get()))) {
            return AuthResult.failure(AuthResult.Failure.REVOKED, "the token was revoked");
        }
        Long epoch = v.epochs.get(hash(principal.subject()));
        if (epoch != null) {
            Object claim = principal.claims().get(EPOCH_CLAIM);
            long carried;
            if (claim == null) {
                carried = 0;
            } else if (claim instanceof Number && ((Number) claim).doubleValue() == ((Number) claim).longValue()) {
                carried = ((Number) claim).longValue();
            } else {
                return AuthResult.failure(AuthResult.Failure.MISSING_CLAIM, "the " + EPOCH_CLAIM
                        + " claim must be a whole number");
            }
            if (carried < epoch) {
                return AuthResult.failure(AuthResult.Failure.REVOKED, "the subject's tokens issued before epoch " + epoch
                        + " were revoked");
            }
        }
        return AuthResult.success(principal);
    }

    /** Reads the store now (a full reading), instead of at the next check that finds the view old. */
    public void refreshNow() {
        refreshing.lock();
        try {
            view = read(view, true);
        } finally {
            refreshing.unlock();
        }
    }

    /**
     * The view to check against: the current one while younger than {@code refresh}; else one
     * caller reads the store while the others use the current view if it is younger than
     * {@code maxStaleness}, and wait for the reading if not.
     */
    private View current() {
        View v = view;
        Instant now = clock.instant();
        if (v != null && now.isBefore(v.readAt.plus(refresh))) {
            return v;
        }
        boolean fresh = v != null && now.isBefore(v.readAt.plus(maxStaleness));
        if (fresh) {
            if (!refreshing.tryLock()) {
                return v;
            }
        } else {
            refreshing.lock();
        }
        try {
            View latest = view;
            if (latest != v && latest != null && clock.instant().isBefore(latest.readAt.plus(refresh))) {
                return latest; // another caller read while this one waited
            }
            try {
                View read = read(latest, false);
                view = read;
                return read;
            } catch (RuntimeException e) {
                if (fresh) {
                    return v; // still within maxStaleness: the next check tries again
                }
                throw e;
            }
        } finally {
            refreshing.unlock();
        }
    }

    /** Reads the change counter, and the revocations if it moved (or a full reading is due). */
    private View read(View previous, boolean full) {
        Instant started = clock.instant();
        int headVersion = store.metadata(head).map(CredentialMetadata::currentVersion).orElse(0);
        if (!full && previous != null && previous.headVersion == headVersion
                && started.isBefore(previous.listedAt.plus(fullRefresh))) {
            return new View(previous.epochs, previous.tokens, headVersion, started, previous.listedAt);
        }
        Map<String, Long> epochs = new HashMap<>();
        Set<String> tokens = new HashSet<>();
        String subjects = prefix + "subjects/";
        String revokedTokens = prefix + "tokens/";
        for (CredentialMetadata m : store.list(prefix)) {
            String name = m.name();
            if (name.startsWith(subjects)) {
                epochs.put(name.substring(subjects.length()), (long) m.currentVersion());
            } else if (name.startsWith(revokedTokens)) {
                String rest = name.substring(revokedTokens.length());
                int dash = rest.indexOf('-');
                long expiry;
                try {
                    expiry = Long.parseLong(rest.substring(0, Math.max(0, dash)));
                } catch (NumberFormatException e) {
                    continue; // not a record of ours
                }
                if (started.isAfter(Instant.ofEpochSecond(expiry).plus(skew))) {
                    store.deleteAll(name); // expired: the token is refused for its expiry now
                } else {
                    tokens.add(rest.substring(dash + 1));
                }
            }
        }
        return new View(Map.copyOf(epochs), Set.copyOf(tokens), headVersion, started, started);
    }

    private void bumpHead() {
        int version = store.put(head, SecretValue.ofFields(Map.of("changed", "1")));
        if (version == 1) {
            store.setMaxVersions(head, 1);
        }
    }

    private String subjectRecord(String subject) {
        Objects.requireNonNull(subject, "subject");
        return prefix + "subjects/" + hash(subject);
    }

    private static String hash(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "TokenRevocations[" + prefix + "]";
    }

    /** Builds {@link TokenRevocations}. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private final CredentialStore store;
        private String prefix = "auth/token-revocations/";
        private Duration refresh = Duration.ofMillis(250);
        private Duration maxStaleness = Duration.ofSeconds(1);
        private Duration fullRefresh = Duration.ofSeconds(30);
        private Duration skew = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();

        private Builder(CredentialStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** Where the records go (default {@code auth/token-revocations/}); must end with {@code /}. */
        public Builder prefix(String prefix) {
            Arguments.markSet(given, "prefix");
            Objects.requireNonNull(prefix, "prefix");
            if (!prefix.endsWith("/") || prefix.length() < 2) {
                throw new IllegalArgumentException("prefix must end with '/', got '" + prefix + "'");
            }
            CredentialStore.requireValidPrefix(prefix);
            this.prefix = prefix;
            return this;
        }

        /** How old the view may get before a check reads the store again (default 250 ms). */
        public Builder refresh(Duration refresh) {
            Arguments.markSet(given, "refresh");
            this.refresh = Arguments.positive(refresh, "refresh");
            return this;
        }

        /**
         * The oldest view a check may use (default 1 s): the promise that a revocation is honoured
         * everywhere within this time. Must not be shorter than {@code refresh}.
         */
        public Builder maxStaleness(Duration maxStaleness) {
            Arguments.markSet(given, "maxStaleness");
            this.maxStaleness = Arguments.positive(maxStaleness, "maxStaleness");
            return this;
        }

        /** How often the revocations are listed whatever the change counter says (default 30 s). */
        public Builder fullRefresh(Duration fullRefresh) {
            Arguments.markSet(given, "fullRefresh");
            this.fullRefresh = Arguments.positive(fullRefresh, "fullRefresh");
            return this;
        }

        /** The verifiers' clock skew: a revoked token's record is kept this long past its expiry (default 60 s). */
        public Builder clockSkew(Duration skew) {
            Arguments.markSet(given, "clockSkew");
            this.skew = Arguments.notNegative(skew, "clockSkew");
            return this;
        }

        /** The clock (tests). */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The revocations.
         *
         * @throws IllegalArgumentException if {@code maxStaleness} is shorter than {@code refresh}
         */
        public TokenRevocations build() {
            if (maxStaleness.compareTo(refresh) < 0) {
                throw new IllegalArgumentException("maxStaleness (" + maxStaleness + ") must not be shorter than refresh ("
                        + refresh + ")");
            }
            return new TokenRevocations(this);
        }

    }
}
