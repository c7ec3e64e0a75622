package dev.infrakit.auth;

import java.util.Set;
import java.util.HashSet;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.Ticker;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.Limit;
import dev.infrakit.ratelimit.LocalRateLimitStore;
import dev.infrakit.ratelimit.RateLimitException;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.SlowDown;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Throttles password logins with three budgets, as OWASP's authentication guidance describes, kept
 * in a {@link RateLimitStore}: in memory for one process (the default), or a
 * {@code PostgresRateLimitStore} shared by every instance, so N instances give an attacker no more
 * guesses than one.
 *
 * <ol>
 *   <li><b>Lockout per (user, network)</b>: {@code maxFailures} failed logins (default 5) for one
 *   user name from one {@link ClientAddress#budgetKey() client network} (an IPv4 address or an IPv6
 *   /64) lock that pair: its attempts are refused with {@link AuthResult.Failure#LOCKED} and a
 *   {@link AuthResult#retryAfter()}, without calling the authenticator. Each failure is forgiven
 *   {@code lockout} (default 15 minutes) after the one before it was, so a lock lasts until the
 *   oldest counted failure is {@code lockout} old (at most {@code lockout}), then the pair has one
 *   attempt, and all {@code maxFailures} again after {@code maxFailures × lockout} without one. Other networks are not
 *   locked: a remote attacker cannot lock the real user out.</li>
 *   <li><b>Budget per user, across networks</b> (default 100 attempts an hour): past it, each
 *   attempt on that user name, from anywhere, is delayed by a growing {@code step} (default 1 s) up
 *   to {@code maxDelay} (default 10 s) before the authenticator runs — never refused, so the real
 *   user still gets in, and an attacker spreading guesses over many networks gains nothing.</li>
 *   <li><b>Budget per network, across users</b> (default 100 attempts per 15 minutes): past it,
 *   attempts from that network are refused with {@link AuthResult.Failure#THROTTLED} and a
 *   {@link AuthResult#retryAfter()}.</li>
 * </ol>
 *
 * <pre>{@code
 * LoginThrottle throttle = LoginThrottle.builder().store(postgresStore).auditSink(sink).build();
 * AuthResult result = throttle.attempt(username, clients.resolve(exchange),
 *         () -> users.checkPassword(username, password));
 * }</pre>
 *
 * <p>Every attempt takes one token from each budget <em>before</em> the authenticator runs, so
 * however many attempts run at once (on however many instances sharing the store), at most
 * {@code maxFailures} per (user, network) reach the authenticator before the lock. A successful
 * login {@link RateLimitStore#reset resets} the user's lockout counter for that network and the
 * user's budget (the network's budget stays spent: a valid account must not buy its owner more
 * guesses at others); if the store cannot reset, the success stands and a warning is logged. An attempt refused by a budget takes nothing further. If the authenticator
 * throws, the attempt stays counted (it was charged before; an unavailable user store costs the
 * caller an attempt, not the attacker's budget its meaning).
 *
 * <p>User names are normalized (trimmed, lower-cased with {@link Locale#ROOT}) so that
 * {@code " Alice"} and {@code "alice"} share the budgets. State lives under the store policies
 * {@code login-lock}, {@code login-user} and {@code login-network}; give the throttle a store (or
 * policy names) no rate limiter uses for other tiers of those names. Memory is the store's: the
 * in-memory store forgets keys whose buckets are full and caps their number (its
 * {@code maxKeys}; when full it refuses new keys, which here refuses their attempts).
 *
 * <p><b>Audit</b> (if a sink is given), category SECURITY, actor = the normalized user name with
 * the client address ({@link ClientAddress#text()}), action {@code login}:
 * <ul>
 *   <li>{@code login.failed} — WARN, FAILURE; details {@code failures} (for this user and network)
 *   and {@code max_failures}, {@code delay_ms} when the attempt was delayed;</li>
 *   <li>{@code login.locked} — when a failure uses the last one: WARN, FAILURE; details
 *   {@code failures}, {@code lockout_seconds};</li>
 *   <li>{@code login.refused-locked} — refused while locked: WARN, DENIED; {@code remaining_seconds};</li>
 *   <li>{@code login.throttled} — refused by the network's budget: WARN, DENIED; {@code remaining_seconds};</li>
 *   <li>{@code login.succeeded} — INFO, SUCCESS; {@code delay_ms} when delayed.</li>
 * </ul>
 * This class never sees a password, so none can reach an event or a log line.
 *
 * <p><b>When the sink refuses an event</b>, its exception propagates and a failed audit never turns
 * a refusal into a success: a failed login is already counted when its events are recorded; a
 * refusal stays a refusal ({@link #attempt} throws instead of returning it); a successful login is
 * recorded <em>before</em> it takes effect, so if {@code login.succeeded} cannot be recorded,
 * {@link #attempt} throws instead of returning the success and resets nothing.
 *
 * <p>Thread-safe; holds no lock (the store decides). The per-user delay is spent on the calling
 * thread through the {@link Sleeper} (default {@link Thread#sleep}), bounded by {@code maxDelay};
 * at most {@link Builder#maxWaiting} threads (default 4) wait at once, and an attempt that would
 * be one more is refused THROTTLED with the delay as its {@code retryAfter}, so a distributed
 * attacker cannot tie up a server's worker threads with delayed logins.
 */
public final class LoginThrottle {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LoginThrottle.class);
    private static final int MAX_USERNAME_LENGTH = 256;

    private final RateLimitStore store;
    private final RateLimitPolicy lockPolicy;
    private final RateLimitPolicy userPolicy;
    private final RateLimitPolicy networkPolicy;
    private final int maxFailures;
    private final Duration lockout;
    private final Duration maxDelay;
    private final Clock clock;
    private final AuditSink sink;
    private final Sleeper sleeper;
    /** Threads allowed to wait out a delay at once: what a distributed attacker can tie up. */
    private final java.util.concurrent.Semaphore waiting;

    /** Waits out a login delay; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        /**
         * Returns after {@code delay}.
         *
         * @throws InterruptedException if interrupted while waiting
         */
        void sleep(Duration delay) throws InterruptedException;
    }

    private LoginThrottle(Builder b) {
        this.store = b.store != null ? b.store
                : LocalRateLimitStore.builder().ticker(b.ticker != null ? b.ticker : Ticker.systemTicker()).build();
        this.maxFailures = b.maxFailures;
        this.lockout = b.lockout;
        this.maxDelay = b.maxDelay;
        this.lockPolicy = RateLimitPolicy.of(b.policyPrefix + "-lock", Limit.of(b.maxFailures, 1, b.lockout));
        // Room for the slow-down to reach maxDelay before the bucket is empty; the budget refills at its rate.
        long ramp = (b.maxDelay.toNanos() + b.delayStep.toNanos() - 1) / b.delayStep.toNanos();
        this.userPolicy = RateLimitPolicy.of(b.policyPrefix + "-user",
                Limit.of(b.userAttempts + ramp, b.userAttempts, b.userPeriod))
                .withSlowDown(SlowDown.after(b.userAttempts, b.delayStep, b.maxDelay));
        this.networkPolicy = RateLimitPolicy.of(b.policyPrefix + "-network", Limit.of(b.networkAttempts, b.networkPeriod));
        this.clock = b.clock;
        this.sink = b.sink;
        this.sleeper = b.sleeper;
        this.waiting = new java.util.concurrent.Semaphore(b.maxWaiting);
    }

    /**
     * A builder with the defaults: an in-memory store; 5 failures per (user, network) lock it for
     * 15 minutes; 100 attempts an hour per user, then delays of 1 s more each, up to 10 s; 100
     * attempts per 15 minutes per network.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One throttled login. Refuses at once, without calling {@code authenticate}, when the client's
     * network has spent its budget ({@link AuthResult.Failure#THROTTLED}) or the user is locked for
     * that network ({@link AuthResult.Failure#LOCKED}, detail such as "too many failed logins for
     * this user from this network; try again in 12m30s"), both with {@link AuthResult#retryAfter()}.
     * Otherwise waits the user's delay (if past its budget), calls {@code authenticate} and records
     * its result: a success resets the user's counters, any refusal counts as a failure.
     *
     * @param client where the attempt comes from ({@code null}: counted as one unknown network)
     * @throws IllegalArgumentException if the user name is blank or longer than 256 characters
     * @throws NullPointerException if {@code authenticate} is or returns {@code null}
     * @throws dev.infrakit.ratelimit.RateLimitException if the store cannot decide
     * @throws dev.infrakit.audit.AuditException if the sink refuses an event: the attempt is refused
     *     (a failure still counts; a success is not returned and resets nothing)
     */
    public AuthResult attempt(String username, ClientAddress client, Supplier<AuthResult> authenticate) {
        String user = normalize(username);
        Objects.requireNonNull(authenticate, "authenticate");
        ClientAddress from = client == null ? ClientAddress.unknown() : client;
        String network = from.budgetKey();
        String pair = pairKey(user, network);

        Decision byNetwork = store.acquire(networkPolicy, network, 1, Duration.ZERO);
        if (!byNetwork.allowed()) {
            audit(List.of(refused(user, from, "login.throttled", byNetwork)));
            return AuthResult.failure(AuthResult.Failure.THROTTLED, "too many login attempts from this network; try "
                    + "again in " + format(byNetwork.retryAfterNanos()), byNetwork.retryAfter());
        }
        Decision lock = store.acquire(lockPolicy, pair, 1, Duration.ZERO);
        if (!lock.allowed()) {
            audit(List.of(refused(user, from, "login.refused-locked", lock)));
            return AuthResult.failure(AuthResult.Failure.LOCKED, "too many failed logins for this user from this "
                    + "network; try again in " + format(lock.retryAfterNanos()), lock.retryAfter());
        }
        // Past the user's budget the store admits with a growing delay; past the ramp it cannot
        // admit within maxDelay, and the attempt still goes on after maxDelay: never a lock.
        Decision byUser = store.acquire(userPolicy, user, 1, maxDelay);
        Duration delay = byUser.allowed() ? byUser.delay() : maxDelay;
        if (!delay.isZero()) {
            if (!waiting.tryAcquire()) {
                // Every waiting place is taken (many users' delays at once: a distributed attack):
                // tell the client to come back after the delay instead of holding one more thread.
                return AuthResult.failure(AuthResult.Failure.THROTTLED, "too many delayed logins in progress; try "
                        + "again in " + format(delay.toNanos()), delay);
            }
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return AuthResult.failure(AuthResult.Failure.THROTTLED, "interrupted while the login was delayed",
                        delay);
            } finally {
                waiting.release();
            }
        }

        AuthResult result = Objects.requireNonNull(authenticate.get(), "authenticate returned null");
        if (result.ok()) {
            // Recorded before it takes effect: a success the sink refuses is not returned and resets nothing.
            audit(List.of(withDelay(event(user, from, "login.succeeded"), delay)));
            try {
                store.reset(lockPolicy, pair);
                store.reset(userPolicy, user);
            } catch (RateLimitException e) {
                // The login is valid and recorded; counters left behind refill on their own.
                LOG.warn("A successful login could not reset its throttle counters: {}", ClientText.forLog(e.getMessage(), 1000));
            }
            return result;
        }
        long failures = maxFailures - lock.remaining();
        List<AuditEvent.Builder> events = new ArrayList<>(2);
        events.add(withDelay(event(user, from, "login.failed").severity(AuditEvent.Severity.WARN)
                .outcome(AuditEvent.Outcome.FAILURE).detail("failures", failures).detail("max_failures", maxFailures),
                delay));
        if (lock.remaining() == 0) {
            events.add(event(user, from, "login.locked").severity(AuditEvent.Severity.WARN)
                    .outcome(AuditEvent.Outcome.FAILURE).detail("failures", failures)
                    .detail("lockout_seconds", lockout.toSeconds()));
        }
        audit(events);
        return result;
    }

    /**
     * Lifts the lock of {@code username} for {@code client}'s network and clears the user's budget
     * (an administrator's action; not audited here: audit it where it is decided). Locks of the
     * user from other networks stay: each is that network's own.
     *
     * @throws IllegalArgumentException if the user name is blank or longer than 256 characters
     * @throws NullPointerException if {@code client} is null
     * @throws dev.infrakit.ratelimit.RateLimitException if the store cannot reset
     */
    public void unlock(String username, ClientAddress client) {
        String user = normalize(username);
        Objects.requireNonNull(client, "client");
        store.reset(lockPolicy, pairKey(user, client.budgetKey()));
        store.reset(userPolicy, user);
    }

    /** The store the counters live in. */
    public RateLimitStore store() {
        return store;
    }

    @Override
    public String toString() {
        return "LoginThrottle[" + lockPolicy + "; " + userPolicy + "; " + networkPolicy + "; store " + store.name() + "]";
    }

    private static String pairKey(String user, String network) {
        return user + '\n' + network;
    }

    private AuditEvent.Builder refused(String user, ClientAddress from, String type, Decision decision) {
        return event(user, from, type).severity(AuditEvent.Severity.WARN).outcome(AuditEvent.Outcome.DENIED)
                .detail("remaining_seconds", decision.retryAfterSeconds());
    }

    private static AuditEvent.Builder withDelay(AuditEvent.Builder event, Duration delay) {
        return delay.isZero() ? event : event.detail("delay_ms", delay.toMillis());
    }

    private AuditEvent.Builder event(String user, ClientAddress from, String type) {
        return AuditEvent.builder(AuditEvent.Category.SECURITY, type).clock(clock)
                .actor(Actor.user(user).from(from.text(), null)).action("login");
    }

    private void audit(List<AuditEvent.Builder> events) {
        if (sink == null) {
            return;
        }
        for (AuditEvent.Builder event : events) {
            sink.record(event.build());
        }
    }

    private static String normalize(String username) {
        String key = Objects.requireNonNull(username, "username").trim().toLowerCase(Locale.ROOT);
        if (key.isEmpty()) {
            throw new IllegalArgumentException("username must not be blank");
        }
        if (key.length() > MAX_USERNAME_LENGTH) {
            throw new IllegalArgumentException("username must be at most " + MAX_USERNAME_LENGTH
                    + " characters, got " + key.length());
        }
        return key;
    }

    /** {@code 12m30s}, {@code 1h0m5s}, {@code 45s}: rounded up to the second. */
    static String format(long nanos) {
        long s = (nanos + 999_999_999L) / 1_000_000_000L;
        long h = s / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        StringBuilder out = new StringBuilder();
        if (h > 0) {
            out.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            out.append(m).append('m');
        }
        return out.append(sec).append('s').toString();
    }

    /** Builds a {@link LoginThrottle}; each setting is checked when given, and may be given once. Not thread-safe. */
    public static final class Builder {
        private RateLimitStore store;
        private Ticker ticker;
        private int maxFailures = 5;
        private Duration lockout = Duration.ofMinutes(15);
        private long userAttempts = 100;
        private Duration userPeriod = Duration.ofHours(1);
        private Duration delayStep = Duration.ofSeconds(1);
        private Duration maxDelay = Duration.ofSeconds(10);
        private long networkAttempts = 100;
        private Duration networkPeriod = Duration.ofMinutes(15);
        private String policyPrefix = "login";
        private Clock clock = Clock.systemUTC();
        private AuditSink sink;
        private Sleeper sleeper = delay -> Thread.sleep(delay.toMillis(), (int) (delay.toNanos() % 1_000_000));
        private int maxWaiting = 4;
        private final java.util.Set<String> given = new java.util.HashSet<>();

        private Builder() {
        }

        private void once(String setting) {
            Arguments.markSet(given, setting);
        }

        /**
         * Where the counters live (default: a new in-memory store on {@link #ticker}). Pass a
         * {@code PostgresRateLimitStore} to share them between instances.
         */
        public Builder store(RateLimitStore store) {
            once("store");
            if (ticker != null) {
                throw new IllegalStateException("ticker applies to the default in-memory store; give the store its ticker");
            }
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The time source of the default in-memory store (tests: a {@link dev.infrakit.core.ManualClock}). */
        public Builder ticker(Ticker ticker) {
            once("ticker");
            if (store != null) {
                throw new IllegalStateException("ticker applies to the default in-memory store; give the store its ticker");
            }
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Failed logins per (user, network) that lock it (default 5).
         *
         * @throws IllegalArgumentException if not 1 to 1000
         */
        public Builder maxFailures(int maxFailures) {
            once("maxFailures");
            if (maxFailures < 1 || maxFailures > 1000) {
                throw new IllegalArgumentException("maxFailures must be 1 to 1000, got " + maxFailures);
            }
            this.maxFailures = maxFailures;
            return this;
        }

        /**
         * How long a lock lasts; one failure is forgiven per lockout (default 15 minutes).
         *
         * @throws IllegalArgumentException if not 1 second to 1 day
         */
        public Builder lockout(Duration lockout) {
            once("lockout");
            this.lockout = duration(lockout, "lockout", Duration.ofSeconds(1), Duration.ofDays(1));
            return this;
        }

        /**
         * Attempts per user name, from all networks, before each further one is delayed (default 100
         * per hour).
         *
         * @throws IllegalArgumentException if attempts is not 1 to 1,000,000 or the period not 1 second to 1 day
         */
        public Builder perUser(long attempts, Duration period) {
            once("perUser");
            this.userAttempts = count(attempts, "perUser attempts");
            this.userPeriod = duration(period, "perUser period", Duration.ofSeconds(1), Duration.ofDays(1));
            return this;
        }

        /**
         * The delay past the user's budget: {@code step} more per attempt, at most {@code max}
         * (default 1 s and 10 s). It holds the calling thread (through the {@link Sleeper}).
         *
         * @throws IllegalArgumentException unless 1 ms ≤ step ≤ max ≤ 1 minute
         */
        public Builder delay(Duration step, Duration max) {
            once("delay");
            this.delayStep = duration(step, "delay step", Duration.ofMillis(1), Duration.ofMinutes(1));
            this.maxDelay = duration(max, "delay max", delayStep, Duration.ofMinutes(1));
            return this;
        }

        /**
         * Attempts per network ({@link ClientAddress#budgetKey()}), for all user names, before its
         * attempts are refused (default 100 per 15 minutes).
         *
         * @throws IllegalArgumentException if attempts is not 1 to 1,000,000 or the period not 1 second to 1 day
         */
        public Builder perNetwork(long attempts, Duration period) {
            once("perNetwork");
            this.networkAttempts = count(attempts, "perNetwork attempts");
            this.networkPeriod = duration(period, "perNetwork period", Duration.ofSeconds(1), Duration.ofDays(1));
            return this;
        }

        /**
         * The prefix of the store policies' names (default {@code login}: {@code login-lock},
         * {@code login-user}, {@code login-network}); distinct throttles on one store need distinct
         * prefixes.
         *
         * @throws IllegalArgumentException if not 1 to 40 of letters, digits, '.', '-', '_'
         */
        public Builder policyPrefix(String prefix) {
            once("policyPrefix");
            Objects.requireNonNull(prefix, "prefix");
            if (!prefix.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,39}")) {
                throw new IllegalArgumentException("policyPrefix must be 1 to 40 letters, digits, '.', '-' or '_', got '"
                        + prefix + "'");
            }
            this.policyPrefix = prefix;
            return this;
        }

        /** The clock stamping audit events (default UTC system clock). */
        public Builder clock(Clock clock) {
            once("clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where to record login events (default: none). */
        public Builder auditSink(AuditSink sink) {
            once("auditSink");
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * At most {@code threads} attempts wait out a delay at once (default 4); a further attempt
         * that needs a delay is refused {@link AuthResult.Failure#THROTTLED} with the delay as
         * {@link AuthResult#retryAfter()}, so delayed logins can never take all of a server's worker
         * threads (1 to 1000).
         */
        public Builder maxWaiting(int threads) {
            once("maxWaiting");
            if (threads < 1 || threads > 1000) {
                throw new IllegalArgumentException("maxWaiting must be 1 to 1000 threads, got " + threads);
            }
            this.maxWaiting = threads;
            return this;
        }

        /** How delays are waited out (default {@link Thread#sleep}). */
        public Builder sleeper(Sleeper sleeper) {
            once("sleeper");
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** The throttle. */
        public LoginThrottle build() {
            return new LoginThrottle(this);
        }

        private static long count(long n, String name) {
            if (n < 1 || n > 1_000_000) {
                throw new IllegalArgumentException(name + " must be 1 to 1000000, got " + n);
            }
            return n;
        }

        private static Duration duration(Duration d, String name, Duration min, Duration max) {
            Objects.requireNonNull(d, name);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", got " + d);
            }
            return d;
        }
    }
}
