package dev.infrakit.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Keeps the load test's accounts signed in during a run longer than a token lives: each account
 * signs in again when 80 % of its token's lifetime has passed, and the new token replaces the old
 * one for the requests that follow. A failed renewal is reported on the progress stream and retried
 * every {@link #RETRY}; until one succeeds, the old token is used (and its requests fail once it
 * expires, which the run counts as errors). Tokens are never printed.
 */
final class TokenRenewal implements AutoCloseable {
    /** How long after a failed renewal the next attempt is made. */
    static final Duration RETRY = Duration.ofSeconds(10);

    /** A token and how long it lives. */
    record Session(String token, Duration lifetime) {
        Session {
            Objects.requireNonNull(token, "token");
            if (lifetime.isNegative() || lifetime.isZero()) {
                throw new IllegalArgumentException("a token lifetime is positive, got " + lifetime);
            }
        }

        @Override
        public String toString() {
            return "Session[lifetime " + lifetime + "]";
        }
    }

    /** Signs account {@code i} in again. */
    interface Login {
        Session login(int account) throws Exception;
    }

    private final AtomicReferenceArray<String> tokens;
    private final Login login;
    private final ScheduledExecutorService scheduler;
    private final PrintStream progress;
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean closed;

    /**
     * Starts renewing: account {@code i}'s first renewal is due at 80 % of {@code initial.get(i)}'s
     * lifetime.
     */
    TokenRenewal(List<Session> initial, Login login, ScheduledExecutorService scheduler, PrintStream progress) {
        this.tokens = new AtomicReferenceArray<>(initial.size());
        this.login = Objects.requireNonNull(login, "login");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.progress = Objects.requireNonNull(progress, "progress");
        for (int i = 0; i < initial.size(); i++) {
            tokens.set(i, initial.get(i).token());
            schedule(i, renewalDelay(initial.get(i).lifetime()));
        }
    }

    /** When a token of this lifetime is renewed: at 80 % of it. */
    static Duration renewalDelay(Duration lifetime) {
        return lifetime.multipliedBy(4).dividedBy(5);
    }

    private void schedule(int account, Duration delay) {
        if (!closed) {
            scheduler.schedule(() -> renew(account), delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void renew(int account) {
        if (closed) {
            return;
        }
        try {
            Session fresh = login.login(account);
            tokens.set(account, fresh.token());
            renewals.incrementAndGet();
            schedule(account, renewalDelay(fresh.lifetime()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            progress.println("loadtest: renewing the token of account " + (account + 1) + " failed ("
                    + e.getMessage() + "); retrying in " + RETRY.toSeconds() + " s");
            failures.incrementAndGet();
            schedule(account, RETRY);
        }
    }

    /** Account {@code i}'s current token. */
    String token(int account) {
        return tokens.get(account);
    }

    /** How many accounts there are. */
    int accounts() {
        return tokens.length();
    }

    /** Successful renewals so far. */
    long renewals() {
        return renewals.get();
    }

    /** Failed renewal attempts so far. */
    long failures() {
        return failures.get();
    }

    /** Stops renewing (tasks already running finish; none is scheduled again). */
    @Override
    public void close() {
        closed = true;
    }
}
