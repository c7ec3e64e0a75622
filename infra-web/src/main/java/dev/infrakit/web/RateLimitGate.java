package dev.infrakit.web;

import dev.infrakit.core.Arguments;
import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.RateLimitHeaders;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimiter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;

/**
 * The rate-limit rule of an HTTP endpoint, written once for every server adapter (the Servlet
 * {@code RateLimitServletFilter} and the JDK {@code RateLimitFilter}): which paths are exempt,
 * the decision for a request's {@link RateLimitKey}, and what the answer carries:
 * {@code RateLimit-Policy} and {@code RateLimit} on every limited response (and, if enabled,
 * {@code X-RateLimit-*}), {@code Retry-After} and an RFC 9457 problem body on a 429, and the
 * slow-down delay to hold an admitted request for. An adapter only moves these onto its server's
 * request and response, and schedules the delay in its own way.
 *
 * <p>Needs infra-ratelimit. Immutable and thread-safe; the limiter's store decides what a failing
 * store does (its exception propagates from {@link #admit}).
 */
public final class RateLimitGate {
    private final RateLimiter limiter;
    private final List<String> exemptPaths;
    private final boolean legacyHeaders;

    private RateLimitGate(Builder b) {
        this.limiter = b.limiter;
        this.exemptPaths = List.copyOf(b.exemptPaths);
        this.legacyHeaders = b.legacyHeaders != null && b.legacyHeaders;
    }

    /**
     * A builder of a gate over {@code limiter}.
     *
     * @throws NullPointerException if {@code limiter} is null
     */
    public static Builder builder(RateLimiter limiter) {
        return new Builder(limiter);
    }

    /** The limiter deciding. */
    public RateLimiter limiter() {
        return limiter;
    }

    /** Whether any path is exempt (when none is, an adapter need not work out a request's path). */
    public boolean hasExemptPaths() {
        return !exemptPaths.isEmpty();
    }

    /** Whether {@code path} (within the application) starts with an exempt path and passes unlimited. */
    public boolean exempt(String path) {
        for (String exempt : exemptPaths) {
            if (path.startsWith(exempt)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decides one request of {@code key}.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public Admission admit(RateLimitKey key) {
        Objects.requireNonNull(key, "key");
        return new Admission(limiter.decide(key.tier(), key.subject(), 1), legacyHeaders);
    }

    /**
     * A single daemon thread named {@code infrakit-ratelimit-delays} to time slow-down delays on,
     * for an adapter that was given no scheduler. Its owner shuts it down.
     */
    public static ScheduledExecutorService newDelayScheduler() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "infrakit-ratelimit-delays");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String toString() {
        return "RateLimitGate[" + limiter.name() + ", exempt " + exemptPaths + "]";
    }

    /** What the gate decided for one request, rendered for HTTP. Immutable. */
    public static final class Admission {
        private final Decision decision;
        private final boolean legacy;

        private Admission(Decision decision, boolean legacy) {
            this.decision = decision;
            this.legacy = legacy;
        }

        /** The limiter's decision. */
        public Decision decision() {
            return decision;
        }

        /** Whether the request may proceed (possibly after {@link #delayNanos()}). */
        public boolean allowed() {
            return decision.allowed();
        }

        /**
         * The headers the response carries, in order: {@code RateLimit-Policy}, {@code RateLimit},
         * {@code Retry-After} when refused, and the {@code X-RateLimit-*} headers if enabled.
         */
        public Map<String, String> headers() {
            return Collections.unmodifiableMap(RateLimitHeaders.of(decision, legacy));
        }

        /**
         * Gives {@link #headers()} to {@code setter} one by one, in the same order, without
         * collecting them in a map: what an adapter calls with its response's {@code setHeader}.
         *
         * @throws NullPointerException if {@code setter} is null
         */
        public void applyHeaders(BiConsumer<String, String> setter) {
            RateLimitHeaders.applyTo(decision, legacy, Objects.requireNonNull(setter, "setter"));
        }

        /** The status of a refused request's answer: 429. */
        public int status() {
            return 429;
        }

        /**
         * The problem+json body of a refused request (its limit, when to retry, {@code retryAfter}
         * and {@code violated-policies}).
         *
         * @throws IllegalStateException if the request was allowed
         */
        public String problemJson() {
            if (decision.allowed()) {
                throw new IllegalStateException("The request was allowed; there is no problem to answer");
            }
            return RateLimitHeaders.problemJson(decision);
        }

        /** How long to hold an admitted request before it proceeds (slow-down); 0 for none. */
        public long delayNanos() {
            return Math.max(0, decision.delayNanos());
        }
    }

    /**
     * Builds a {@link RateLimitGate}. Exempt paths are added; {@link #legacyHeaders} may be given
     * once. Not thread-safe.
     */
    public static final class Builder {
        private final RateLimiter limiter;
        private final List<String> exemptPaths = new ArrayList<>();
        private Boolean legacyHeaders;

        private Builder(RateLimiter limiter) {
            this.limiter = Objects.requireNonNull(limiter, "limiter");
        }

        /**
         * Adds paths (within the application, prefix match) that are never limited, e.g.
         * {@code /health}.
         *
         * @throws IllegalArgumentException if a path does not start with {@code /}
         * @throws NullPointerException if a path is null
         */
        public Builder exemptPaths(String... paths) {
            for (String path : paths) {
                if (!Objects.requireNonNull(path, "path").startsWith("/")) {
                    throw new IllegalArgumentException("An exempt path starts with '/', got '" + path + "'");
                }
                exemptPaths.add(path);
            }
            return this;
        }

        /**
         * Also send {@code X-RateLimit-Limit}, {@code -Remaining} and {@code -Reset} (default off).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder legacyHeaders(boolean legacy) {
            Arguments.setOnce(legacyHeaders, "legacyHeaders");
            this.legacyHeaders = legacy;
            return this;
        }

        /** The gate. */
        public RateLimitGate build() {
            return new RateLimitGate(this);
        }
    }
}
