package dev.infrakit.redis;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.Ticker;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.Limit;
import dev.infrakit.ratelimit.RateLimitException;
import dev.infrakit.ratelimit.RateLimitMetricNames;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.SlowDown;
import dev.infrakit.ratelimit.internal.RemoteStoreGuard;
import dev.infrakit.ratelimit.internal.RemoteStoreMetrics;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisKeyAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A {@link RateLimitStore} in Redis, shared by every process that uses the same server: limits
 * hold across instances exactly.
 *
 * <p>Each decision is one {@code EVALSHA} of a Lua script (one round trip; after a server restart
 * or failover empties the script cache, the {@code NOSCRIPT} reply is answered with one
 * {@code EVAL}, which loads it again). The script runs atomically on the server, reads the Redis
 * server's clock ({@code TIME}, so the instances' own clocks do not matter), applies the same GCRA
 * arithmetic as the in-memory and PostgreSQL stores (several limits, permits, reservations within
 * {@code maxWait}, slow-down, spent tokens carried over a policy change), writes only when it
 * admits, and returns the numbers of the {@link Decision}, also when it refuses. Each
 * (policy, subject) is one string key, {@code <prefix><policy>:<SHA-256 of the subject, base64url>}
 * (any subject, never stored in clear; no hash tag, so keys spread over a cluster's slots), which
 * expires by itself when every bucket is full again.
 *
 * <p>Exactness needs integer arithmetic, and Lua's numbers are doubles (exact to 2<sup>53</sup>):
 * this store refuses a policy with a bucket deeper than {@link #MAX_WINDOW} (2<sup>52</sup> ns,
 * about 52 days; e.g. {@code 1000/30d} works, {@code 10/90d} does not) and treats a {@code maxWait}
 * above it as that much.
 *
 * <p>When Redis is unreachable, or a call exceeds the command timeout, the configured
 * {@link FailurePolicy} answers, and the store stops calling Redis for the retry interval so that
 * requests do not queue on a dead connection; the next call after it probes again. No caller waits
 * longer than the command timeout. {@link #healthCheck()} is DOWN while failing closed and DEGRADED
 * while failing open or falling back. Errors that are not about reachability (a script error, a
 * key of another type) are thrown as {@link RateLimitException}.
 *
 * <p>Give it a connection whose client rejects commands while disconnected
 * ({@code ClientOptions.disconnectedBehavior(REJECT_COMMANDS)}): with Lettuce's default, commands
 * issued while the connection is down are queued and run when it comes back, so decisions already
 * answered by the failure policy would take tokens afterwards. The store cancels the command of a
 * call that timed out. Thread-safe.
 */
public final class RedisRateLimitStore implements RateLimitStore {
    /** The deepest bucket (capacity × interval) the store accepts: 2<sup>52</sup> ns, about 52 days. */
    public static final Duration MAX_WINDOW = Duration.ofNanos(1L << 52);
    /** The key prefix unless {@link Builder#keyPrefix} sets another. */
    public static final String DEFAULT_PREFIX = "infrakit:rl:";

    private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimitStore.class);
    private static final String SCRIPT = script("rate-limit-acquire.lua");
    private static final String SHA1 = sha1Hex(SCRIPT);
    private static final long MAX_WAIT_NANOS = 1L << 52;

    private final RedisScriptingAsyncCommands<String, String> scripting;
    private final RedisKeyAsyncCommands<String, String> keys;
    private final BaseRedisAsyncCommands<String, String> base;
    private final String prefix;
    private final Duration timeout;
    private final RemoteStoreGuard guard;
    private final AutoCloseable owned;
    private final Map<String, PolicyArgs> policyArgs = new ConcurrentHashMap<>();
    private final LongAdder scripts = new LongAdder();
    private final LongAdder scriptNanos = new LongAdder();
    private final LongAdder reloads = new LongAdder();

    /** A policy's script arguments, built once. */
    private static final class PolicyArgs {
        final RateLimitPolicy policy;
        final String[] limits;
        final String slowAfter;
        final String slowStep;
        final String slowMax;

        PolicyArgs(RateLimitPolicy policy) {
            this.policy = policy;
            List<Limit> all = policy.limits();
            this.limits = new String[all.size() * 3];
            for (int i = 0; i < all.size(); i++) {
                Limit limit = all.get(i);
                if (limit.windowNanos() > MAX_WINDOW.toNanos()) {
                    throw new IllegalArgumentException("Policy '" + policy.name() + "': limit " + (i + 1) + " (" + limit
                            + ") holds " + Duration.ofNanos(limit.windowNanos()) + " of requests; the Redis store "
                            + "decides buckets up to " + MAX_WINDOW + " (about 52 days) deep");
                }
                limits[3 * i] = Long.toString(limit.intervalNanos());
                limits[3 * i + 1] = Long.toString(limit.windowNanos());
                limits[3 * i + 2] = Long.toString(limit.capacity());
            }
            SlowDown slowDown = policy.slowDown().orElse(null);
            this.slowAfter = slowDown == null ? "-1" : Long.toString(slowDown.after());
            this.slowStep = slowDown == null ? "1" : Long.toString(slowDown.step().toNanos());
            this.slowMax = slowDown == null ? "0" : Long.toString(Math.min(slowDown.max().toNanos(), MAX_WAIT_NANOS));
        }
    }

    private RedisRateLimitStore(Builder b) {
        this.scripting = b.scripting;
        this.keys = b.keys;
        this.base = b.base;
        this.prefix = b.prefix != null ? b.prefix : DEFAULT_PREFIX;
        this.timeout = b.timeout != null ? b.timeout : Duration.ofMillis(500);
        this.owned = b.owned;
        Ticker ticker = b.ticker != null ? b.ticker : Ticker.systemTicker();
        this.guard = new RemoteStoreGuard("Redis", b.failurePolicy, b.fallbackFraction != null ? b.fallbackFraction : 1.0,
                b.retryInterval != null ? b.retryInterval : Duration.ofSeconds(1), ticker, LOG);
    }

    /**
     * A builder over {@code connection} (a standalone server, or a Sentinel-managed primary through
     * a {@code redis-sentinel://} URI); the failure policy must be chosen.
     *
     * @param connection a connection with the UTF-8 string codec ({@code RedisClient.connect()})
     * @return the builder
     */
    public static Builder builder(StatefulRedisConnection<String, String> connection) {
        Objects.requireNonNull(connection, "connection");
        return new Builder(connection.async(), connection.async(), connection.async());
    }

    /**
     * A builder over a Redis Cluster {@code connection}: each key goes to the primary serving its
     * slot, and Lettuce follows {@code MOVED} / {@code ASK} redirections and, with topology refresh
     * on ({@code ClusterClientOptions.topologyRefreshOptions}), failovers. The failure policy must be
     * chosen.
     *
     * @param connection a cluster connection with the UTF-8 string codec ({@code RedisClusterClient.connect()})
     * @return the builder
     */
    public static Builder builder(StatefulRedisClusterConnection<String, String> connection) {
        Objects.requireNonNull(connection, "connection");
        return new Builder(connection.async(), connection.async(), connection.async());
    }

    /** The Lua script each decision runs, for review and for tests. */
    public static String script() {
        return SCRIPT;
    }

    @Override
    public Decision acquire(RateLimitPolicy policy, String key, long permits, Duration maxWait) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(key, "key");
        if (permits < 1 || permits > policy.maxPermits()) {
            throw new IllegalArgumentException("permits must be between 1 and " + policy.maxPermits() + " for policy '"
                    + policy.name() + "', got " + permits);
        }
        Arguments.notNegative(maxWait, "maxWait");
        long maxWaitNanos = maxWait.compareTo(Duration.ofNanos(MAX_WAIT_NANOS)) > 0 ? MAX_WAIT_NANOS : maxWait.toNanos();
        // A plain read on the hot path; compute (which locks the map's bin) only for a new or changed policy.
        PolicyArgs args = policyArgs.get(policy.name());
        if (args == null || (args.policy != policy && !args.policy.equals(policy))) {
            args = policyArgs.compute(policy.name(), (name, old) -> old != null && old.policy.equals(policy)
                    ? old : new PolicyArgs(policy));
        }
        if (!guard.mayCall()) {
            return guard.onFailure(policy, key, permits, maxWait);
        }
        try {
            Decision decision = call(args, key, permits, maxWaitNanos);
            guard.succeeded(decision.allowed());
            return decision;
        } catch (Unavailable e) {
            guard.failed(e.getMessage());
            return guard.onFailure(policy, key, permits, maxWait);
        } finally {
            guard.callEnded();
        }
    }

    private Decision call(PolicyArgs args, String key, long permits, long maxWaitNanos) throws Unavailable {
        String[] argv = new String[6 + args.limits.length];
        argv[0] = Integer.toString(args.limits.length / 3);
        argv[1] = Long.toString(permits);
        argv[2] = Long.toString(maxWaitNanos);
        argv[3] = args.slowAfter;
        argv[4] = args.slowStep;
        argv[5] = args.slowMax;
        System.arraycopy(args.limits, 0, argv, 6, args.limits.length);
        String[] redisKey = {redisKey(args.policy.name(), key)};
        long start = System.nanoTime();
        List<Object> reply;
        try {
            reply = await(() -> scripting.evalsha(SHA1, ScriptOutputType.MULTI, redisKey, argv), "EVALSHA");
        } catch (NoScript e) {
            // The server's script cache is empty (a restart, a failover, SCRIPT FLUSH): EVAL loads it.
            reloads.increment();
            reply = awaitOrUnavailable(() -> scripting.eval(SCRIPT, ScriptOutputType.MULTI, redisKey, argv), "EVAL");
        } finally {
            scripts.increment();
            scriptNanos.add(System.nanoTime() - start);
        }
        RateLimitPolicy policy = args.policy;
        if (reply == null || reply.size() != 7) {
            throw new RateLimitException("The Redis rate-limit script answered " + reply + ", not 7 numbers");
        }
        boolean allowed = number(reply, 0) == 1;
        int binding = (int) number(reply, 2);
        long remaining = number(reply, 3);
        long resetAfter = number(reply, 4);
        long retryAfter = number(reply, 5);
        long delay = number(reply, 6);
        return allowed ? Decision.admitted(policy, binding, remaining, resetAfter, delay)
                : Decision.rejected(policy, binding, remaining, resetAfter, retryAfter);
    }

    private static long number(List<Object> reply, int index) {
        Object value = reply.get(index);
        if (value instanceof Long number) {
            return number;
        }
        throw new RateLimitException("The Redis rate-limit script answered " + reply + ": item " + index + " is not a number");
    }

    /** The command's reply within the timeout; NOSCRIPT as {@link NoScript}; unreachability as {@link Unavailable}. */
    private <T> T await(Supplier<RedisFuture<T>> send, String command) throws Unavailable, NoScript {
        RedisFuture<T> future = null;
        try {
            future = send.get();
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new Unavailable(command + " took longer than " + timeout);
        } catch (InterruptedException e) {
            if (future != null) {
                future.cancel(true);
            }
            Thread.currentThread().interrupt();
            throw new Unavailable(command + " interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisNoScriptException) {
                throw new NoScript();
            }
            if (isUnavailable(cause)) {
                throw new Unavailable(command + ": " + cause.getMessage());
            }
            throw new RateLimitException("Rate-limit decision failed in Redis (" + command + "): " + cause.getMessage(), cause);
        } catch (RedisException e) {
            if (isUnavailable(e)) {
                throw new Unavailable(command + ": " + e.getMessage());
            }
            throw new RateLimitException("Rate-limit decision failed in Redis (" + command + "): " + e.getMessage(), e);
        }
    }

    private <T> T awaitOrUnavailable(Supplier<RedisFuture<T>> send, String command) throws Unavailable {
        try {
            return await(send, command);
        } catch (NoScript e) {
            throw new RateLimitException("Redis answered NOSCRIPT to EVAL, which carries the script");
        }
    }

    /** Connection failures, timeouts, a server loading, read-only or failing over: Redis is (for now) unavailable. */
    static boolean isUnavailable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RedisConnectionException || t instanceof RedisCommandTimeoutException
                    || t instanceof IOException || t instanceof TimeoutException) {
                return true;
            }
            String message = t.getMessage();
            if (message != null && (message.startsWith("LOADING") || message.startsWith("BUSY")
                    || message.startsWith("MASTERDOWN") || message.startsWith("CLUSTERDOWN")
                    || message.startsWith("TRYAGAIN") || message.startsWith("READONLY")
                    || message.contains("Connection closed") || message.contains("not connected")
                    || message.contains("Connection is closed") || message.contains("Commands are rejected"))) {
                return true;
            }
        }
        return false;
    }

    /** The Redis key of {@code subject} under {@code policy}. */
    String redisKey(String policy, String subject) {
        return prefix + policy + ':' + HASH.get().hash(subject);
    }

    private static final ThreadLocal<Sha256> HASH = ThreadLocal.withInitial(Sha256::new);

    /** SHA-256 of a subject, base64url without padding (43 characters). */
    private static final class Sha256 {
        private final MessageDigest digest;

        Sha256() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }

        String hash(String subject) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest.digest(subject.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * Deletes the key (one {@code DEL}) and its state in the local fallback. Not subject to the
     * failure policy: while Redis is unavailable this throws, and the key stays.
     *
     * @throws RateLimitException if Redis cannot delete it
     */
    @Override
    public void reset(RateLimitPolicy policy, String key) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(key, "key");
        guard.resetFallback(policy, key);
        try {
            await(() -> keys.del(redisKey(policy.name(), key)), "DEL");
        } catch (Unavailable | NoScript e) {
            throw new RateLimitException("Could not reset a rate-limit key in Redis: " + e.getMessage(), e);
        }
    }

    /** Redis stores carry spent tokens over lazily, per key, on its next decision. */
    @Override
    public void policyChanged(RateLimitPolicy previous, RateLimitPolicy current) {
        policyArgs.remove(current.name());
    }

    @Override
    public String name() {
        return "redis";
    }

    /** Scripts run since creation ({@code EVALSHA}, and {@code EVAL} after a {@code NOSCRIPT}): one per decision that reached Redis. */
    public long roundTrips() {
        return scripts.sum();
    }

    /** How often the script had to be loaded again ({@code NOSCRIPT} answered by {@code EVAL}). */
    public long scriptReloads() {
        return reloads.sum();
    }

    /** Whether decisions currently fall back to the failure policy. */
    public boolean isUnavailable() {
        return guard.isUnavailable();
    }

    /**
     * A readiness check named {@code ratelimit-store}: DOWN while failing closed, DEGRADED while
     * failing open or falling back, else a {@code PING} within the command timeout.
     */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return Optional.of(HealthCheck.of("ratelimit-store", () -> {
            Optional<HealthResult> away = guard.unavailableResult();
            if (away.isPresent()) {
                return away.get();
            }
            try {
                String pong = await(base::ping, "PING");
                return "PONG".equals(pong) ? HealthResult.up().build() : HealthResult.down("Redis answered " + pong).build();
            } catch (Unavailable | NoScript e) {
                return HealthResult.down("Redis unavailable: " + e.getMessage()).build();
            }
        }).groups(HealthCheck.READINESS).timeout(timeout.plusSeconds(1)).build());
    }

    /**
     * A binder of {@code infrakit.ratelimit.store.decisions} (tags {@code store=redis},
     * {@code outcome}: allowed, rejected, failed-open, failed-closed, fallback) and the
     * {@code infrakit.ratelimit.store.statement} timer of the decision scripts, named by
     * {@link RateLimitMetricNames#DEFAULT}.
     */
    @Override
    public Optional<MeterBinder> metrics() {
        return Optional.of(new RemoteStoreMetrics(RateLimitMetricNames.DEFAULT, name(), guard, Map.of(), scripts, scriptNanos,
                "Rate-limit decision scripts (EVALSHA)"));
    }

    /** Closes the local fallback and what {@link Builder#closeOnClose} named. */
    @Override
    public void close() {
        guard.close();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new RateLimitException("Could not close " + owned + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "RedisRateLimitStore[" + guard.describeState() + ", prefix " + prefix + "]";
    }

    private static String script(String name) {
        try (InputStream in = RedisRateLimitStore.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("infra-redis is missing its resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Could not read " + name + ": " + e, e);
        }
    }

    private static String sha1Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /** Redis could not answer: the failure policy decides. */
    private static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** The script is not in the server's cache. */
    private static final class NoScript extends Exception {
        private static final long serialVersionUID = 1L;

        NoScript() {
            super("NOSCRIPT", null, false, false);
        }
    }

    /**
     * Builds a {@link RedisRateLimitStore}; the failure policy must be chosen. Each setting may be
     * given once: a second call throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final RedisScriptingAsyncCommands<String, String> scripting;
        private final RedisKeyAsyncCommands<String, String> keys;
        private final BaseRedisAsyncCommands<String, String> base;
        private FailurePolicy failurePolicy;
        private Double fallbackFraction;
        private String prefix;
        private Duration timeout;
        private Duration retryInterval;
        private Ticker ticker;
        private AutoCloseable owned;

        private Builder(RedisScriptingAsyncCommands<String, String> scripting, RedisKeyAsyncCommands<String, String> keys,
                BaseRedisAsyncCommands<String, String> base) {
            this.scripting = scripting;
            this.keys = keys;
            this.base = base;
        }

        /**
         * What to answer while Redis cannot (required): admit, refuse, or decide locally.
         *
         * @return this builder
         */
        public Builder failurePolicy(FailurePolicy policy) {
            Arguments.setOnce(failurePolicy, "failurePolicy");
            this.failurePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * With {@link FailurePolicy#LOCAL_FALLBACK}: the fraction of each limit one instance may grant
         * alone while Redis is away, in (0, 1] (default 1: each instance the whole limit).
         *
         * @return this builder
         */
        public Builder fallbackFraction(double fraction) {
            Arguments.setOnce(fallbackFraction, "fallbackFraction");
            this.fallbackFraction = RemoteStoreGuard.checkFraction(fraction);
            return this;
        }

        /**
         * The prefix of every key (default {@value RedisRateLimitStore#DEFAULT_PREFIX}): printable,
         * 1 to 64 characters, without a space.
         *
         * @return this builder
         */
        public Builder keyPrefix(String prefix) {
            Arguments.setOnce(this.prefix, "keyPrefix");
            Objects.requireNonNull(prefix, "prefix");
            if (prefix.isEmpty() || prefix.length() > 64 || !prefix.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("A key prefix must be 1 to 64 printable ASCII characters without "
                        + "spaces, got '" + dev.infrakit.core.http.ClientText.forLog(prefix, 80) + "'");
            }
            this.prefix = prefix;
            return this;
        }

        /**
         * How long a decision waits for Redis before the failure policy answers (default 500 ms).
         *
         * @return this builder
         */
        public Builder commandTimeout(Duration timeout) {
            Arguments.setOnce(this.timeout, "commandTimeout");
            this.timeout = Arguments.positive(timeout, "commandTimeout");
            return this;
        }

        /**
         * How long not to call Redis after a failure (default 1 s); then one call probes it.
         *
         * @return this builder
         */
        public Builder retryInterval(Duration interval) {
            Arguments.setOnce(retryInterval, "retryInterval");
            this.retryInterval = Arguments.positive(interval, "retryInterval");
            return this;
        }

        /**
         * The ticker of the retry interval and the local fallback (tests).
         *
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            Arguments.setOnce(this.ticker, "ticker");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Closes {@code resource} (the connection, the client) when the store is closed.
         *
         * @return this builder
         */
        public Builder closeOnClose(AutoCloseable resource) {
            Arguments.setOnce(owned, "closeOnClose");
            this.owned = Objects.requireNonNull(resource, "resource");
            return this;
        }

        /**
         * Builds the store.
         *
         * @return the store
         * @throws IllegalStateException if no failure policy was chosen
         */
        public RedisRateLimitStore build() {
            if (failurePolicy == null) {
                throw new IllegalStateException("Choose a failure policy: failurePolicy(FAIL_OPEN | FAIL_CLOSED | "
                        + "LOCAL_FALLBACK) says what to answer while Redis cannot");
            }
            return new RedisRateLimitStore(this);
        }
    }
}
