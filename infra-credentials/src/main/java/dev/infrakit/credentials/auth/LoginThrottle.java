package dev.infrakit.credentials.auth;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Locks a user name out of logging in for a while after too many failed attempts, wherever they
 * come from: {@code maxFailures} failures (default 5) within {@code window} (default 15 minutes)
 * lock the name for {@code lockout} (default 15 minutes). The count is per user name, not per
 * client address, so an attacker spreading guesses over many addresses gets no more guesses
 * (the price: anyone can lock a known user name out for a while; pair it with a per-address rate
 * limit in front).
 *
 * <pre>{@code
 * LoginThrottle throttle = LoginThrottle.builder().auditSink(sink).build();
 * AuthResult result = throttle.attempt(username, request.remoteAddress(),
 *         () -> users.checkPassword(username, password));
 * }</pre>
 *
 * <p>User names are normalized (trimmed, lower-cased with {@link Locale#ROOT}) so that
 * {@code " Alice"} and {@code "alice"} share one count. The window slides: a failure counts for
 * {@code window} after it happened. When a lock starts the count restarts from zero, so after the
 * lockout the user has {@code maxFailures} attempts again. Failures recorded while locked are
 * audited but neither counted nor extend the lock. A success clears the count; it does not lift a
 * lock ({@link #unlock(String)} does).
 *
 * <p>{@link #attempt} also closes the race between checking and recording: it reserves one of the
 * remaining failures before calling the authenticator, so that however many attempts run at once,
 * at most {@code maxFailures} reach the authenticator before the lock (extra concurrent attempts
 * are refused with {@link AuthResult.Failure#LOCKED} until one finishes). This holds while the
 * user stays in the table; under the capacity pressure described next, a dropped entry forgets its
 * reservations along with its failures.
 *
 * <p><b>Bounded memory.</b> At most {@code maxTrackedUsers} user names (default 100,000) are
 * tracked. To make room, the entry idle longest among users that are not locked is dropped first
 * (its failures are forgotten). Locked users are dropped only if every tracked user is locked,
 * and then the one whose lock ends soonest (a warning is logged): the bound always holds, and a
 * lock is cut short only when the table is full of locks. Expired locks are dropped as time
 * passes; users with no failures and no attempt in progress are not tracked at all.
 *
 * <p><b>Audit</b> (if a sink is given), category SECURITY, actor = the normalized user name with
 * the client address (truncated to 64 characters), action {@code login}:
 * <ul>
 *   <li>{@code login.failed} — WARN, FAILURE; details {@code failures} (within the window) and
 *   {@code max_failures};</li>
 *   <li>{@code login.locked} — when a lock starts: WARN, FAILURE; details {@code failures},
 *   {@code lockout_seconds};</li>
 *   <li>{@code login.refused-locked} — an attempt refused while locked: WARN, DENIED; detail
 *   {@code remaining_seconds};</li>
 *   <li>{@code login.succeeded} — INFO, SUCCESS.</li>
 * </ul>
 * This class never sees a password, so none can reach an event or a log line.
 *
 * <p><b>When the sink refuses an event</b>, its exception propagates and a failed audit never turns
 * a refusal into a success:
 * <ul>
 *   <li>a failed login is counted (and may start a lock) <em>before</em> its events are recorded, so
 *   it counts even when they cannot be: {@link #attempt} throws instead of returning the refusal,
 *   and an attacker gains no guesses from an audit outage;</li>
 *   <li>an attempt refused while locked stays refused ({@link #attempt} throws instead of returning
 *   LOCKED);</li>
 *   <li>a successful login is recorded <em>before</em> it takes effect: if {@code login.succeeded}
 *   cannot be recorded, {@link #attempt} throws instead of returning the success, the user's
 *   failures are not cleared, and the attempt counts neither as a success nor as a failure (a
 *   correct password is not a guess). A login is never accepted unaudited.</li>
 * </ul>
 *
 * <p>Thread-safe: one lock guards the table, held for a few map operations and never while the
 * authenticator or the audit sink runs.
 */
public final class LoginThrottle {
    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);
    private static final int MAX_USERNAME_LENGTH = 256;
    private static final int MAX_ADDRESS_LENGTH = 64;

    /*
     * Two tables, each entry in exactly one. `counting` holds users with recent failures or an
     * attempt in progress, in access order, so its eldest entry is the one idle longest. `locked`
     * holds locked users in insertion order; since every lock lasts the same `lockout`, that is
     * also the order in which locks end, so expired locks are always at its head and dropping
     * them costs O(1) per lock.
     */
    private final LinkedHashMap<String, Entry> counting = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<String, Entry> locked = new LinkedHashMap<>();
    private final Object lock = new Object();

    private final int maxFailures;
    private final long windowNanos;
    private final long lockoutNanos;
    private final Duration lockout;
    private final Ticker ticker;
    private final Clock clock;
    private final AuditSink sink;
    private final int maxTrackedUsers;
    private long locksEvicted;

    /** One user's state. Guarded by {@code lock}. */
    private static final class Entry {
        final long[] failures;
        int head;
        int count;
        int inFlight;
        long lockedUntil;

        Entry(int maxFailures) {
            failures = new long[maxFailures];
        }

        void prune(long now, long windowNanos) {
            while (count > 0 && now - failures[head] >= windowNanos) {
                head = (head + 1) % failures.length;
                count--;
            }
        }

        void add(long now) {
            failures[(head + count) % failures.length] = now;
            count++;
        }

        void reset() {
            head = 0;
            count = 0;
        }
    }

    private LoginThrottle(Builder b) {
        this.maxFailures = b.maxFailures;
        this.windowNanos = b.window.toNanos();
        this.lockout = b.lockout;
        this.lockoutNanos = b.lockout.toNanos();
        this.ticker = b.ticker;
        this.clock = b.clock;
        this.sink = b.sink;
        this.maxTrackedUsers = b.maxTrackedUsers;
    }

    /** A builder with the defaults: 5 failures within 15 minutes lock for 15 minutes. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether {@code username} is locked now.
     *
     * @throws IllegalArgumentException if the user name is blank or longer than 256 characters
     */
    public boolean isLocked(String username) {
        return !lockedFor(username).isZero();
    }

    /**
     * How long {@code username} stays locked ({@link Duration#ZERO} if it is not).
     *
     * @throws IllegalArgumentException if the user name is blank or longer than 256 characters
     */
    public Duration lockedFor(String username) {
        String key = normalize(username);
        synchronized (lock) {
            long now = ticker.read();
            dropExpiredLocks(now);
            Entry e = locked.get(key);
            return e == null ? Duration.ZERO : Duration.ofNanos(e.lockedUntil - now);
        }
    }

    /**
     * Records a failed login for {@code username}; the {@code maxFailures}-th within the window
     * starts a lock. While locked, the failure is audited but not counted.
     *
     * @param clientAddress where the attempt came from (for the audit), or {@code null}
     * @throws IllegalArgumentException if the user name is blank or longer than 256 characters
     * @throws dev.infrakit.audit.AuditException if the sink refuses the event (the failure still counts)
     */
    public void recordFailure(String username, String clientAddress) {
        String key = normalize(username);
        List<AuditEvent.Builder> events = new ArrayList<>(2);
        synchronized (lock) {
            failed(key, clientAddress, events);
        }
        audit(events);
    }

    /**
     * Records a successful login: forgets {@code username}'s failures. A current lock stays (see
     * {@link #unlock(String)}).
     *
     * @throws IllegalArgumentException if the user name is blank or longer than 256 characters
     */
    public void recordSuccess(String username) {
        recordSuccess(username, null);
    }

    /**
     * {@link #recordSuccess(String)}, auditing the client address too. The event is recorded first:
     * if the sink refuses it, its exception propagates and the failures are not forgotten.
     *
     * @param clientAddress where the login came from, or {@code null}
     * @throws dev.infrakit.audit.AuditException if the sink refuses the event
     */
    public void recordSuccess(String username, String clientAddress) {
        String key = normalize(username);
        // Recorded first: a success that cannot be audited does not clear the failures.
        audit(List.of(event(key, clientAddress, "login.succeeded")));
        synchronized (lock) {
            succeeded(key);
        }
    }

    /**
     * Lifts {@code username}'s lock and forgets its failures (an administrator's action; not
     * audited here).
     *
     * @return whether it was locked
     * @throws IllegalArgumentException if the user name is blank or longer than 256 characters
     */
    public boolean unlock(String username) {
        String key = normalize(username);
        synchronized (lock) {
            dropExpiredLocks(ticker.read());
            counting.remove(key);
            return locked.remove(key) != null;
        }
    }

    /**
     * One throttled login: refuses at once while {@code username} is locked, without calling
     * {@code authenticate}, with {@link AuthResult.Failure#LOCKED} and a detail such as
     * "too many failed logins for this user; try again in 12m30s". Otherwise calls
     * {@code authenticate} and records its result: success clears the failures, any refusal counts
     * as a failure. If {@code authenticate} throws, nothing is recorded and the exception
     * propagates (an unavailable user store is not a wrong password).
     *
     * @param clientAddress where the attempt comes from (for the audit), or {@code null}
     * @throws IllegalArgumentException if the user name is blank or longer than 256 characters
     * @throws NullPointerException if {@code authenticate} returns {@code null}
     * @throws dev.infrakit.audit.AuditException if the sink refuses an event: the attempt is refused
     *     (a failure is still counted; a success is not returned and clears nothing)
     */
    public AuthResult attempt(String username, String clientAddress, Supplier<AuthResult> authenticate) {
        String key = normalize(username);
        Objects.requireNonNull(authenticate, "authenticate");
        Entry entry;
        long remaining;
        synchronized (lock) {
            long now = ticker.read();
            dropExpiredLocks(now);
            Entry lockedEntry = locked.get(key);
            if (lockedEntry != null) {
                remaining = lockedEntry.lockedUntil - now;
                entry = null;
            } else {
                entry = counting.get(key);
                if (entry == null) {
                    makeRoom();
                    entry = new Entry(maxFailures);
                    counting.put(key, entry);
                }
                entry.prune(now, windowNanos);
                if (entry.count + entry.inFlight >= maxFailures) {
                    // Every remaining failure is reserved by attempts still running.
                    remaining = -1;
                    entry = null;
                } else {
                    entry.inFlight++;
                    remaining = 0;
                }
            }
        }
        if (entry == null) {
            AuditEvent.Builder refused = event(key, clientAddress, "login.refused-locked")
                    .severity(AuditEvent.Severity.WARN).outcome(AuditEvent.Outcome.DENIED);
            if (remaining > 0) {
                refused.detail("remaining_seconds", ceilSeconds(remaining));
            }
            audit(List.of(refused));
            return AuthResult.failure(AuthResult.Failure.LOCKED, remaining > 0
                    ? "too many failed logins for this user; try again in " + format(remaining)
                    : "too many login attempts in progress for this user; try again in a moment");
        }

        AuthResult result;
        try {
            result = Objects.requireNonNull(authenticate.get(), "authenticate returned null");
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                entry.inFlight--;
                if (entry.inFlight == 0 && entry.count == 0 && counting.get(key) == entry) {
                    counting.remove(key);
                }
            }
            throw e;
        }
        if (result.ok()) {
            // Recorded before it takes effect: a success the sink refuses is not returned, clears no
            // failures and counts as nothing.
            try {
                audit(List.of(event(key, clientAddress, "login.succeeded")));
            } catch (RuntimeException | Error e) {
                synchronized (lock) {
                    entry.inFlight--;
                    if (entry.inFlight == 0 && entry.count == 0 && counting.get(key) == entry) {
                        counting.remove(key);
                    }
                }
                throw e;
            }
            synchronized (lock) {
                entry.inFlight--;
                succeeded(key);
            }
            return result;
        }
        // Counted first: a failure whose events the sink refuses still counts (and the caller gets
        // the sink's exception, never a success).
        List<AuditEvent.Builder> events = new ArrayList<>(2);
        synchronized (lock) {
            entry.inFlight--;
            failed(key, clientAddress, events);
        }
        audit(events);
        return result;
    }

    /** How many user names are tracked now (at most {@code maxTrackedUsers}). */
    public int trackedUsers() {
        synchronized (lock) {
            dropExpiredLocks(ticker.read());
            return counting.size() + locked.size();
        }
    }

    @Override
    public String toString() {
        return "LoginThrottle[" + maxFailures + " failures in " + Duration.ofNanos(windowNanos) + " lock for "
                + lockout + ", max " + maxTrackedUsers + " users]";
    }

    // ---- under lock

    private void failed(String key, String clientAddress, List<AuditEvent.Builder> events) {
        long now = ticker.read();
        dropExpiredLocks(now);
        if (locked.containsKey(key)) {
            events.add(failedEvent(key, clientAddress, maxFailures));
            return;
        }
        Entry e = counting.get(key);
        if (e == null) {
            makeRoom();
            e = new Entry(maxFailures);
            counting.put(key, e);
        }
        e.prune(now, windowNanos);
        e.add(now);
        int failures = e.count;
        events.add(failedEvent(key, clientAddress, failures));
        if (failures >= maxFailures) {
            e.reset();
            e.lockedUntil = now + lockoutNanos;
            counting.remove(key);
            locked.put(key, e);
            events.add(event(key, clientAddress, "login.locked").severity(AuditEvent.Severity.WARN)
                    .outcome(AuditEvent.Outcome.FAILURE).detail("failures", failures)
                    .detail("lockout_seconds", lockout.toSeconds()));
        }
    }

    private void succeeded(String key) {
        dropExpiredLocks(ticker.read());
        Entry e = counting.get(key);
        if (e != null) {
            e.reset();
            if (e.inFlight == 0) {
                counting.remove(key);
            }
        }
    }

    private void dropExpiredLocks(long now) {
        Iterator<Entry> it = locked.values().iterator();
        while (it.hasNext() && it.next().lockedUntil - now <= 0) {
            it.remove();
        }
    }

    /** Evicts until one more entry fits: the longest-idle unlocked user, else the lock ending soonest. */
    private void makeRoom() {
        while (counting.size() + locked.size() >= maxTrackedUsers) {
            if (!counting.isEmpty()) {
                Iterator<Entry> eldest = counting.values().iterator();
                eldest.next();
                eldest.remove();
            } else {
                Iterator<Entry> soonest = locked.values().iterator();
                soonest.next();
                soonest.remove();
                locksEvicted++;
                if (Long.bitCount(locksEvicted) == 1) {
                    LOG.warn("LoginThrottle dropped {} lock(s) before they ended: all {} tracked users were locked; "
                            + "raise maxTrackedUsers if this is not an attack", locksEvicted, maxTrackedUsers);
                }
            }
        }
    }

    // ---- no lock

    private AuditEvent.Builder failedEvent(String key, String clientAddress, int failures) {
        return event(key, clientAddress, "login.failed").severity(AuditEvent.Severity.WARN)
                .outcome(AuditEvent.Outcome.FAILURE).detail("failures", failures).detail("max_failures", maxFailures);
    }

    private AuditEvent.Builder event(String key, String clientAddress, String type) {
        String ip = clientAddress == null || clientAddress.length() <= MAX_ADDRESS_LENGTH ? clientAddress
                : clientAddress.substring(0, MAX_ADDRESS_LENGTH);
        return AuditEvent.builder(AuditEvent.Category.SECURITY, type).clock(clock)
                .actor(Actor.user(key).from(ip, null)).action("login");
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

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    /** {@code 12m30s}, {@code 1h0m5s}, {@code 45s}: rounded up to the second. */
    static String format(long nanos) {
        long s = ceilSeconds(nanos);
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

    /** Builds a {@link LoginThrottle}; each setting is checked when given. Not thread-safe. */
    public static final class Builder {
        private int maxFailures = 5;
        private Duration window = Duration.ofMinutes(15);
        private Duration lockout = Duration.ofMinutes(15);
        private Ticker ticker = Ticker.systemTicker();
        private Clock clock = Clock.systemUTC();
        private AuditSink sink;
        private int maxTrackedUsers = 100_000;

        private Builder() {
        }

        /**
         * Failures within the window that lock the user (default 5).
         *
         * @throws IllegalArgumentException if not 1 to 1000
         */
        public Builder maxFailures(int maxFailures) {
            if (maxFailures < 1 || maxFailures > 1000) {
                throw new IllegalArgumentException("maxFailures must be 1 to 1000, got " + maxFailures);
            }
            this.maxFailures = maxFailures;
            return this;
        }

        /**
         * How long a failure counts (default 15 minutes).
         *
         * @throws IllegalArgumentException if not positive or longer than 365 days
         */
        public Builder window(Duration window) {
            this.window = duration(window, "window");
            return this;
        }

        /**
         * How long a lock lasts (default 15 minutes).
         *
         * @throws IllegalArgumentException if not positive or longer than 365 days
         */
        public Builder lockout(Duration lockout) {
            this.lockout = duration(lockout, "lockout");
            return this;
        }

        /** The time source for windows and locks (tests: a {@link dev.infrakit.core.ManualClock}). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The clock stamping audit events (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where to record login events (default: none). */
        public Builder auditSink(AuditSink sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Most user names tracked at once (default 100,000); see the class comment for what is
         * dropped when full.
         *
         * @throws IllegalArgumentException if less than 1
         */
        public Builder maxTrackedUsers(int maxTrackedUsers) {
            if (maxTrackedUsers < 1) {
                throw new IllegalArgumentException("maxTrackedUsers must be at least 1, got " + maxTrackedUsers);
            }
            this.maxTrackedUsers = maxTrackedUsers;
            return this;
        }

        /** The throttle. */
        public LoginThrottle build() {
            return new LoginThrottle(this);
        }

        private static Duration duration(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(365)) > 0) {
                throw new IllegalArgumentException(name + " must be positive and at most 365 days, got " + d);
            }
            return d;
        }
    }
}
