package dev.infrakit.auth;

import java.util.Set;
import java.util.HashSet;
import dev.infrakit.core.Arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.VersionConflictException;
import dev.infrakit.credentials.VersionInfo;
import dev.infrakit.credentials.WriteCondition;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Token signing keys kept in a {@link CredentialStore}, so that every instance sharing the store
 * (and, for an encrypted store, its master key) signs with the same key and verifies every other
 * instance's tokens; with rotation on a timeline nobody has to coordinate:
 * <ol>
 *   <li>{@link #rotate()} adds a new key. It is published at once ({@link #jwks()}, and
 *   {@link #keys(String)} for verification) but does not sign yet, so that verifiers that cache
 *   the JWKS learn it first;</li>
 *   <li>after the grace period it becomes the signing key;</li>
 *   <li>the key it replaced keeps verifying until the last token it can have signed has expired
 *   (the new key's activation plus the token lifetime plus the clock skew), then is retired:
 *   left out of verification and the JWKS, and removed at the next rotation.</li>
 * </ol>
 * All keys are one credential (default {@code auth/token-signing-keys}, fields {@code keys}: a JSON
 * array of private JWKs with their times), changed only by check-and-set, so two instances rotating
 * at once add exactly one key. The store is read at most every {@code refresh} (default 30 s),
 * so a rotation made elsewhere is seen within that time; the grace period must be longer. The
 * first use creates the first key if there is none. Thread-safe.
 */
public final class TokenKeys implements KeyResolver, Supplier<SigningKey> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CredentialStore store;
    private final String name;
    private final JwsAlgorithm algorithm;
    private final Duration grace;
    private final Duration retireAfter;
    private final Duration refresh;
    private final Clock clock;
    private final dev.infrakit.audit.AuditSink audit;
    private volatile Snapshot snapshot;

    /** One key and its timeline. */
    private static final class Entry {
        final SigningKey key;
        final Instant created;
        final Instant activates;
        final Instant retires;

        Entry(SigningKey key, Instant created, Instant activates, Instant retires) {
            this.key = key;
            this.created = created;
            this.activates = activates;
            this.retires = retires;
        }

        boolean retiredAt(Instant t) {
            return retires != null && !t.isBefore(retires);
        }

        Entry retiring(Instant at) {
            return retires != null && !retires.isAfter(at) ? this : new Entry(key, created, activates, at);
        }
    }

    /** The keys as last read, with the store version they came from. */
    private static final class Snapshot {
        /** The version read: the newest readable one. */
        final int version;
        /** The credential's current version (a newer one may be deleted: a rolled-back rotation). */
        final int currentVersion;
        final List<Entry> entries;
        final Instant readAt;

        Snapshot(int version, int currentVersion, List<Entry> entries, Instant readAt) {
            this.version = version;
            this.currentVersion = currentVersion;
            this.entries = entries;
            this.readAt = readAt;
        }
    }

    private TokenKeys(Builder b) {
        this.store = b.store;
        this.name = b.name;
        this.algorithm = b.algorithm;
        this.grace = b.grace;
        this.retireAfter = b.tokenTtl.plus(b.skew);
        this.refresh = b.refresh;
        this.clock = b.clock;
        this.audit = b.audit;
    }

    /** A builder keeping the keys in {@code store}. */
    public static Builder builder(CredentialStore store) {
        return new Builder(store);
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        Instant now = clock.instant();
        if (s == null || !now.isBefore(s.readAt.plus(refresh))) {
            s = load(now);
        }
        return s;
    }

    private synchronized Snapshot load(Instant now) {
        Optional<CredentialMetadata> meta = store.metadata(name);
        if (meta.isEmpty()) {
            Entry first = new Entry(SigningKey.generate(algorithm, newKid()), now, now, null);
            try {
                store.put(name, encode(List.of(first)), WriteCondition.createOnly());
            } catch (VersionConflictException lost) {
                // Another instance created the first key at the same moment: use theirs.
            }
            meta = store.metadata(name);
        }
        CredentialMetadata m = meta.orElseThrow(() -> new IllegalStateException("The signing keys '" + name
                + "' disappeared while being created"));
        // The newest readable version: a rotation run by the rotation engine and rolled back leaves a
        // deleted version on top.
        int readable = m.versions().stream().filter(VersionInfo::readable).mapToInt(VersionInfo::version).max()
                .orElseThrow(() -> new IllegalStateException("The signing keys '" + name + "' have no readable version"));
        Snapshot s = snapshot;
        if (s == null || s.version != readable) {
            s = new Snapshot(readable, m.currentVersion(), decode(store.get(name, readable)), now);
        } else {
            s = new Snapshot(s.version, m.currentVersion(), s.entries, now);
        }
        snapshot = s;
        return s;
    }

    /** Forgets what was read, so the next use reads the store (after a rotation made elsewhere). */
    public void refreshNow() {
        snapshot = null;
    }

    /**
     * The key that signs now: the newest one whose grace period has passed.
     */
    public SigningKey signingKey() {
        Snapshot s = current(); // first: creating the first key stamps it with the time of the read
        Instant now = clock.instant();
        return s.entries.stream().filter(e -> !e.activates.isAfter(now) && !e.retiredAt(now))
                .max(Comparator.comparing(e -> e.activates)).map(e -> e.key)
                .orElseThrow(() -> new IllegalStateException("No signing key is active in '" + name + "'"));
    }

    /** {@link #signingKey()}, so that {@code TokenIssuer.builder(tokenKeys)} signs with the current key. */
    @Override
    public SigningKey get() {
        return signingKey();
    }

    /** The keys that verify now (active, about to be, or not yet retired), by {@code kid}. */
    @Override
    public List<VerificationKey> keys(String kid) {
        Snapshot s = current();
        Instant now = clock.instant();
        List<VerificationKey> keys = new ArrayList<>();
        for (Entry e : s.entries) {
            if (!e.retiredAt(now) && (kid == null || kid.equals(e.key.kid()))) {
                keys.add(e.key.verificationKey());
            }
        }
        return keys;
    }

    /**
     * The JWKS document of the public keys that verify now (HMAC secrets are never published: with
     * HS* keys, verifiers share the store instead).
     */
    public String jwks() {
        List<VerificationKey> published = new ArrayList<>();
        for (VerificationKey k : keys(null)) {
            if (k.isPublic()) {
                published.add(k);
            }
        }
        return JwkSet.of(published).toJson();
    }

    /**
     * Adds a new key, signing after the grace period; schedules the current signing key's
     * retirement and removes keys already retired. Safe from several instances at once: exactly one
     * key is added per call that wins the check-and-set; a losing call re-reads and retries.
     *
     * <p>With an {@link Builder#auditSink audit sink}, each attempt is recorded before it takes
     * effect: a {@code token-keys.rotated} event with outcome PENDING (naming the new key), then the
     * write, then its outcome (SUCCESS, or FAILURE when another instance changed the keys first and
     * the attempt is retried). If the PENDING event is refused, the keys are not changed and the
     * sink's exception is thrown.
     *
     * @return the new key's id
     * @throws dev.infrakit.audit.AuditException if the sink refuses the PENDING event (nothing changed)
     * @throws dev.infrakit.credentials.OutcomeNotRecordedException if the new key was stored but the
     *     outcome could not be recorded (the rotation stands)
     */
    public String rotate() {
        return rotate(null);
    }

    /**
     * {@link #rotate()} if the newest key was created {@code age} or longer ago (read from the
     * store, not the cached keys), else nothing: what a schedule calls, so that instances sharing
     * the store add one key per period between them, however many of them check and whenever they
     * restart. Audited as {@link #rotate()}.
     *
     * @return the new key's id, or empty if the newest key is younger than {@code age}
     */
    public Optional<String> rotateIfOlderThan(Duration age) {
        Objects.requireNonNull(age, "age");
        return Optional.ofNullable(rotate(age));
    }

    /**
     * Keeps the keys younger than {@code period}: checks every {@code period / 10} (at most every
     * hour, at least every second) on {@code executor} and {@linkplain #rotateIfOlderThan rotates}
     * when the newest key is {@code period} old. Every instance sharing the store may run it:
     * exactly one key is added per period. Failures are logged and the checks go on.
     *
     * @throws IllegalArgumentException if {@code period} is not longer than the grace period (a new
     *     key would be replaced before it ever signs)
     */
    public dev.infrakit.core.schedule.ScheduledJob scheduleRotation(Duration period,
            java.util.concurrent.ScheduledExecutorService executor) {
        return dev.infrakit.core.schedule.ScheduledJob.start(name, rotationChecks(period), executor, clock,
                () -> rotateIfOlderThan(period));
    }

    /**
     * {@link #scheduleRotation(Duration, java.util.concurrent.ScheduledExecutorService)} with each
     * check run under {@code lock}'s lock {@code token-keys rotation of <name>}: instances sharing the
     * store and the lock never check (and race to rotate) at once, so no instance writes a key only
     * to lose the check-and-set and retry. A check that finds the lock held elsewhere is skipped,
     * logged at debug and counted in {@link dev.infrakit.core.schedule.ScheduledJob#skipped()}.
     * Exactly one key per period, as without the lock.
     *
     * @param lock the lock shared by the instances, e.g. a {@code PostgresClusterLock}
     * @throws IllegalArgumentException if {@code period} is not longer than the grace period, or
     *     the keys' name makes an invalid lock name
     */
    public dev.infrakit.core.schedule.ScheduledJob scheduleRotation(Duration period,
            java.util.concurrent.ScheduledExecutorService executor, dev.infrakit.core.schedule.ClusterLock lock) {
        return dev.infrakit.core.schedule.ScheduledJob.start(name, rotationChecks(period), executor, clock, lock,
                lockName(), due -> rotateIfOlderThan(period));
    }

    /** Checks every {@code period / 10}, at least every hour and at most every second. */
    private dev.infrakit.core.schedule.Schedule rotationChecks(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.compareTo(grace) <= 0) {
            throw new IllegalArgumentException("The rotation period (" + period + ") must be longer than the grace "
                    + "period (" + grace + "), or a new key would be replaced before it signs");
        }
        Duration check = period.dividedBy(10);
        check = check.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                : check.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : check;
        return dev.infrakit.core.schedule.Schedule.every(check);
    }

    private String lockName() {
        return "token-keys rotation of " + name;
    }

    /** Rotates (only if the newest key is {@code ifOlderThan} old, when given); the new key's id, or null. */
    private String rotate(Duration ifOlderThan) {
        for (int attempt = 0; attempt < 10; attempt++) {
            Snapshot s = load(clock.instant());
            Instant now = clock.instant();
            if (ifOlderThan != null && s.entries.stream().anyMatch(e -> now.isBefore(e.created.plus(ifOlderThan)))) {
                return null; // another instance (or an earlier run) rotated within the period
            }
            List<Entry> next = next(s.entries, now);
            Entry added = next.get(next.size() - 1);
            dev.infrakit.audit.AuditEvent pending = audit(event(added).outcome(
                    dev.infrakit.audit.AuditEvent.Outcome.PENDING));
            int version;
            try {
                version = store.put(name, encode(next), WriteCondition.ifVersion(s.currentVersion));
            } catch (VersionConflictException raced) {
                refreshNow(); // another instance rotated or changed the keys: start from theirs
                outcome(pending, event(added).outcome(dev.infrakit.audit.AuditEvent.Outcome.FAILURE)
                        .severity(dev.infrakit.audit.AuditEvent.Severity.WARN)
                        .reason("another instance changed the keys first; retrying"), raced);
                continue;
            } catch (RuntimeException failed) {
                outcome(pending, event(added).outcome(dev.infrakit.audit.AuditEvent.Outcome.FAILURE)
                        .severity(dev.infrakit.audit.AuditEvent.Severity.ERROR)
                        .reason(failed.getClass().getSimpleName()), failed);
                throw failed;
            }
            refreshNow();
            try {
                outcome(pending, event(added), null);
            } catch (RuntimeException notRecorded) {
                throw new dev.infrakit.credentials.OutcomeNotRecordedException("token-keys.rotated", name,
                        java.util.OptionalInt.of(version), notRecorded);
            }
            return added.key.kid();
        }
        throw new IllegalStateException("Could not rotate the signing keys '" + name + "': the credential kept changing");
    }

    /** The keys after a rotation at {@code now}: retired ones dropped, the others retiring, a new one last. */
    private List<Entry> next(List<Entry> entries, Instant now) {
        Instant activates = now.plus(grace);
        List<Entry> next = new ArrayList<>();
        for (Entry e : entries) {
            if (e.retiredAt(now)) {
                continue;
            }
            // Every key still signing or waiting to sign stops being needed once the new key has
            // signed for a whole token lifetime.
            next.add(e.retiring(activates.plus(retireAfter)));
        }
        next.add(new Entry(SigningKey.generate(algorithm, newKid()), now, activates, null));
        return next;
    }

    /** The {@code token-keys.rotated} event adding {@code added} (outcome SUCCESS unless changed). */
    private dev.infrakit.audit.AuditEvent.Builder event(Entry added) {
        return dev.infrakit.audit.AuditEvent.builder(dev.infrakit.audit.AuditEvent.Category.ADMIN,
                "token-keys.rotated").clock(clock).actor(dev.infrakit.audit.Actor.system())
                .action("rotate").resource(dev.infrakit.audit.Resource.of("credential", name))
                .outcome(dev.infrakit.audit.AuditEvent.Outcome.SUCCESS)
                .detail("kid", added.key.kid()).detail("algorithm", algorithm.name())
                .detail("signs_from", added.activates.toString());
    }

    /** Records {@code event} (without a sink: nothing, and null). */
    private dev.infrakit.audit.AuditEvent audit(dev.infrakit.audit.AuditEvent.Builder event) {
        if (audit == null) {
            return null;
        }
        dev.infrakit.audit.AuditEvent built = event.build();
        audit.record(built);
        return built;
    }

    /**
     * Records the outcome of {@code pending}. If the sink refuses it: after a change that did not
     * happen ({@code failure} given), throws an AuditException saying nothing changed, with
     * {@code failure} suppressed; else rethrows the sink's exception.
     */
    private void outcome(dev.infrakit.audit.AuditEvent pending, dev.infrakit.audit.AuditEvent.Builder event,
            RuntimeException failure) {
        if (pending == null) {
            return;
        }
        try {
            audit(event.follows(pending));
        } catch (RuntimeException notRecorded) {
            if (failure == null) {
                throw notRecorded;
            }
            dev.infrakit.audit.AuditException thrown = new dev.infrakit.audit.AuditException("The signing keys '" + name
                    + "' were not changed, but the outcome could not be recorded: " + notRecorded.getMessage(),
                    notRecorded);
            thrown.addSuppressed(failure);
            throw thrown;
        }
    }

    /**
     * A strategy for {@link dev.infrakit.credentials.rotation.RotationEngine}, to rotate these keys
     * with its labels, audit and schedule instead of {@link #rotate()} (use one or the other): create
     * adds a key as {@link #rotate()} does (from the CURRENT version), apply has nothing to do (every
     * instance reads the store), and test signs a token with the new key and verifies it. While the
     * rotation is PENDING the new key is already published (it signs only after the grace period);
     * a rolled-back rotation's version is deleted and these keys read the newest readable version.
     * Register it under this instance's credential name.
     */
    public dev.infrakit.credentials.rotation.RotationStrategy rotationStrategy() {
        return new dev.infrakit.credentials.rotation.RotationStrategy() {
            @Override
            public SecretValue create(dev.infrakit.credentials.rotation.RotationContext context) {
                return encode(next(decode(context.current()), clock.instant()));
            }

            @Override
            public void apply(dev.infrakit.credentials.rotation.RotationContext context) {
                refreshNow();
            }

            @Override
            public void test(dev.infrakit.credentials.rotation.RotationContext context) {
                List<Entry> pending = decode(context.pending());
                SigningKey added = pending.get(pending.size() - 1).key;
                String probe = TokenIssuer.builder(added).issuer("infrakit-rotation-test").audience(name).clock(clock)
                        .build().issue("rotation-test", java.util.Set.of());
                AuthResult result = TokenVerifier.builder(added.verificationKey()).issuer("infrakit-rotation-test")
                        .audience(name).clock(clock).build().verify(probe);
                if (!result.ok()) {
                    throw new dev.infrakit.credentials.rotation.RotationException("The new signing key " + added.kid()
                            + " does not verify its own token: " + result);
                }
            }
        };
    }

    /**
     * Rotates on a schedule (a period or a cron expression, as the rotation engine's), on
     * {@code executor}; failures are logged and the schedule goes on. Instances sharing the store
     * may all schedule it: each rotation is one check-and-set, so a run that races another adds
     * its own key (schedule it on one instance, or give every instance one shared
     * {@link dev.infrakit.core.schedule.ClusterLock}, to get exactly one key per slot).
     */
    public dev.infrakit.core.schedule.ScheduledJob schedule(
            dev.infrakit.core.schedule.Schedule schedule,
            java.util.concurrent.ScheduledExecutorService executor) {
        return dev.infrakit.core.schedule.ScheduledJob.start(name, schedule, executor, clock, this::rotate);
    }

    /**
     * {@link #schedule(dev.infrakit.core.schedule.Schedule, java.util.concurrent.ScheduledExecutorService)}
     * for several instances sharing the store: each run takes {@code lock}'s lock
     * {@code token-keys rotation of <name>} (a run that finds it held elsewhere is skipped, logged at
     * debug and counted in {@link dev.infrakit.core.schedule.ScheduledJob#skipped()}) and, under it,
     * rotates only if no key was created at or after the run's due time (read from the store): with
     * every instance scheduling the same schedule on one shared lock, exactly one key is added per
     * slot. The slot comes from each instance's clock: keep them in sync to well under the
     * schedule's interval. Failures are logged and the schedule goes on.
     *
     * @param lock the lock shared by the instances, e.g. a {@code PostgresClusterLock}
     * @throws IllegalArgumentException if the keys' name makes an invalid lock name
     */
    public dev.infrakit.core.schedule.ScheduledJob schedule(
            dev.infrakit.core.schedule.Schedule schedule,
            java.util.concurrent.ScheduledExecutorService executor, dev.infrakit.core.schedule.ClusterLock lock) {
        return dev.infrakit.core.schedule.ScheduledJob.start(name, schedule, executor, clock, lock, lockName(), due -> {
            // rotate(age) skips when a key was created after now - age: with age = now - due + 1 ns,
            // when one was created at or after the due time, i.e. another instance did this slot.
            Duration sinceDue = Duration.between(due, clock.instant());
            rotate((sinceDue.isNegative() ? Duration.ZERO : sinceDue).plusNanos(1));
        });
    }

    /** The ids of the keys held, with their times (for diagnostics; no key material). */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Entry e : current().entries) {
            out.add(e.key.kid() + " " + e.key.algorithm() + " created " + e.created + ", signs from " + e.activates
                    + (e.retires == null ? "" : ", retires " + e.retires));
        }
        return out;
    }

    private static String newKid() {
        return "k-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    private static SecretValue encode(List<Entry> entries) {
        ArrayNode array = JSON.createArrayNode();
        for (Entry e : entries) {
            ObjectNode node = array.addObject();
            try {
                node.set("jwk", JSON.readTree(e.key.toJwk()));
            } catch (IOException ex) {
                throw new IllegalStateException("Cannot encode key " + e.key, ex);
            }
            node.put("created", e.created.toString());
            node.put("activates", e.activates.toString());
            if (e.retires != null) {
                node.put("retires", e.retires.toString());
            }
        }
        return SecretValue.ofFields(Map.of("format", "1", "keys", array.toString()));
    }

    private List<Entry> decode(Secret secret) {
        String keys = secret.value().field("keys").orElseThrow(() -> new IllegalStateException("The credential '" + name
                + "' does not hold signing keys (no 'keys' field)"));
        List<Entry> entries = new ArrayList<>();
        try {
            for (JsonNode node : JSON.readTree(keys)) {
                entries.add(new Entry(SigningKey.fromJwk(node.get("jwk").toString()),
                        Instant.parse(node.get("created").asText()), Instant.parse(node.get("activates").asText()),
                        node.hasNonNull("retires") ? Instant.parse(node.get("retires").asText()) : null));
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("The credential '" + name + "' does not hold valid signing keys: "
                    + e.getClass().getSimpleName());
        }
        return List.copyOf(entries);
    }

    @Override
    public String toString() {
        return "TokenKeys[" + name + ", " + algorithm + "]";
    }

    /** Builds {@link TokenKeys}. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private final CredentialStore store;
        private String name = "auth/token-signing-keys";
        private JwsAlgorithm algorithm = JwsAlgorithm.ES256;
        private Duration grace = Duration.ofMinutes(10);
        private Duration tokenTtl = Duration.ofMinutes(15);
        private Duration skew = Duration.ofSeconds(60);
        private Duration refresh = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();
        private dev.infrakit.audit.AuditSink audit;

        private Builder(CredentialStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The credential holding the keys (default {@code auth/token-signing-keys}). */
        public Builder name(String name) {
            Arguments.markSet(given, "name");
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The algorithm of new keys (default ES256). */
        public Builder algorithm(JwsAlgorithm algorithm) {
            Arguments.markSet(given, "algorithm");
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            return this;
        }

        /** How long a new key is published before it signs (default 10 minutes). */
        public Builder grace(Duration grace) {
            Arguments.markSet(given, "grace");
            this.grace = Arguments.notNegative(grace, "grace");
            return this;
        }

        /** The longest lifetime of the tokens these keys sign (default 15 minutes) and the verifiers' clock skew (60 s). */
        public Builder tokenLifetime(Duration tokenTtl, Duration skew) {
            Arguments.markSet(given, "tokenLifetime");
            this.tokenTtl = Arguments.notNegative(tokenTtl, "tokenTtl");
            this.skew = Arguments.notNegative(skew, "skew");
            return this;
        }

        /** How often the store is read again (default 30 s; zero: every use). */
        public Builder refresh(Duration refresh) {
            Arguments.markSet(given, "refresh");
            this.refresh = Arguments.notNegative(refresh, "refresh");
            return this;
        }

        /** The clock (tests). */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Records each rotation ({@code token-keys.rotated}: the new key id and when it signs; no key
         * material), as a PENDING event before the keys change and its outcome after.
         */
        public Builder auditSink(dev.infrakit.audit.AuditSink audit) {
            Arguments.markSet(given, "auditSink");
            this.audit = Objects.requireNonNull(audit, "audit");
            return this;
        }

        /**
         * The keys.
         *
         * @throws IllegalArgumentException if the grace period is not longer than the refresh
         *     interval (other instances would sign with a key before every instance knows it)
         */
        public TokenKeys build() {
            if (grace.compareTo(refresh) <= 0 && !grace.isZero()) {
                throw new IllegalArgumentException("grace (" + grace + ") must be longer than refresh (" + refresh
                        + "), so every instance reads a new key before it signs");
            }
            return new TokenKeys(this);
        }

    }
}
