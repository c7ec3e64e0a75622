package dev.infrakit.web.jdk;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.RateLimitGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Applies a {@link RateLimiter} to the requests of a JDK {@code HttpServer} context, over the same
 * {@link RateLimitGate} as the Servlet {@code RateLimitServletFilter}:
 *
 * <pre>{@code
 * RateLimitFilter filter = RateLimitFilter.builder(limiter)
 *         .keyResolver(exchange -> principal(exchange) == null
 *                 ? new RateLimitKey("anonymous", Exchanges.clientAddress(exchange).budgetKey())
 *                 : new RateLimitKey(role(exchange), userId(exchange)))
 *         .exemptPaths("/health", "/metrics")
 *         .build();
 * server.createContext("/api", handler).getFilters().add(filter);
 * }</pre>
 *
 * <p>Every limited response carries {@code RateLimit-Policy} and {@code RateLimit} (and, if
 * enabled, {@code X-RateLimit-*}); a rejected request is answered 429 with {@code Retry-After} and
 * an RFC 9457 problem body, and never reaches the handler. A request admitted with a slow-down
 * delay is held: with a {@link Builder#delayScheduler delay scheduler}, no thread waits (the worker
 * thread is released, the scheduler only fires when the delay is over, and the rest of the chain
 * runs on the server's executor or the {@link Builder#resumeExecutor resume executor}, never on the
 * scheduler's thread, so one delayed request never holds up another); without one, by sleeping on
 * the worker thread. Exempt paths (prefix match) and requests for which the resolver returns
 * {@code null} pass through unlimited. If the limiter's store fails, the exception propagates
 * (choose the failure behaviour in the store). Thread-safe.
 */
public final class RateLimitFilter extends Filter {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);

    /** Picks the tier and subject of a request, or {@code null} to let it through unlimited. */
    @FunctionalInterface
    public interface KeyResolver {
        /** The key for {@code exchange}, or {@code null} for no limit. */
        RateLimitKey resolve(HttpExchange exchange);

        /**
         * The client's {@link ClientAddress#budgetKey() budget key} in {@code tier}: its IPv4
         * address or IPv6 /64, from the socket's peer address ({@code X-Forwarded-For} ignored).
         *
         * @throws NullPointerException if {@code tier} is null
         */
        static KeyResolver clientAddress(String tier) {
            return clientAddress(tier, ClientAddress.resolver().build());
        }

        /**
         * The budget key of the client {@code clients} finds (behind trusted proxies, from their
         * {@code X-Forwarded-For} entry), in {@code tier}.
         *
         * @throws NullPointerException if an argument is null
         */
        static KeyResolver clientAddress(String tier, ClientAddress.Resolver clients) {
            Objects.requireNonNull(tier, "tier");
            Objects.requireNonNull(clients, "clients");
            return exchange -> new RateLimitKey(tier, Exchanges.clientAddress(clients, exchange).budgetKey());
        }
    }

    private final RateLimitGate gate;
    private final KeyResolver resolver;
    private final ScheduledExecutorService scheduler;
    private final Executor resumeExecutor;

    private RateLimitFilter(Builder b) {
        this.gate = b.gate.build();
        this.resolver = b.resolver != null ? b.resolver : KeyResolver.clientAddress(gate.limiter().defaultTier());
        this.scheduler = b.scheduler;
        this.resumeExecutor = b.resumeExecutor;
    }

    /**
     * A builder for a filter over {@code limiter}.
     *
     * @throws NullPointerException if {@code limiter} is null
     */
    public static Builder builder(RateLimiter limiter) {
        return new Builder(limiter);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        RateLimitKey key = gate.exempt(exchange.getRequestURI().getPath()) ? null : resolver.resolve(exchange);
        if (key == null) {
            chain.doFilter(exchange);
            return;
        }
        RateLimitGate.Admission admission = gate.admit(key);
        if (!admission.allowed()) {
            Exchanges.send(exchange, admission.status(), Problem.MEDIA_TYPE, admission.problemJson(), false,
                    admission.headers());
            return;
        }
        admission.applyHeaders(exchange.getResponseHeaders()::set);
        long delay = admission.delayNanos();
        if (delay == 0) {
            chain.doFilter(exchange);
        } else if (scheduler != null) {
            // The scheduler's thread only hands the request over: whatever the handler does (hash a
            // password, query a database) must not run there, or every other delayed request would
            // wait behind it.
            Executor executor = resumeExecutor(exchange);
            scheduler.schedule(() -> handOver(exchange, chain, executor), delay, TimeUnit.NANOSECONDS);
        } else {
            try {
                TimeUnit.NANOSECONDS.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
            chain.doFilter(exchange);
        }
    }

    /** Where a delayed request resumes: the configured executor, else the server's, else its own thread. */
    private Executor resumeExecutor(HttpExchange exchange) {
        if (resumeExecutor != null) {
            return resumeExecutor;
        }
        Executor server = exchange.getHttpContext().getServer().getExecutor();
        return server != null ? server : OwnThread.INSTANCE;
    }

    private static void handOver(HttpExchange exchange, Chain chain, Executor executor) {
        try {
            executor.execute(() -> resume(exchange, chain));
        } catch (RuntimeException e) { // RejectedExecutionException: the server is stopping
            warn("could not be resumed", exchange, e);
        }
    }

    private static void resume(HttpExchange exchange, Chain chain) {
        try {
            chain.doFilter(exchange);
        } catch (IOException | RuntimeException e) {
            warn("failed", exchange, e);
        }
    }

    private static void warn(String what, HttpExchange exchange, Exception e) {
        LOG.warn("Delayed request {} {} {}: {}", ClientText.forLog(exchange.getRequestMethod(), 32),
                ClientText.forLog(exchange.getRequestURI().getPath(), 200), what, ClientText.forLog(e.toString(), 500));
        exchange.close();
    }

    /**
     * For a server without an executor (its one dispatcher thread runs every handler, so it cannot
     * take work back): a delayed request resumes on a thread of its own.
     */
    private enum OwnThread implements Executor {
        INSTANCE;

        @Override
        public void execute(Runnable command) {
            Thread t = new Thread(command, "infrakit-ratelimit-resume");
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public String description() {
        return "Infrakit rate limiting (" + gate.limiter().name() + ")";
    }

    /**
     * Builds a {@link RateLimitFilter}. Exempt paths are added; every other setting may be given
     * once: a second call throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final RateLimitGate.Builder gate;
        private KeyResolver resolver;
        private ScheduledExecutorService scheduler;
        private Executor resumeExecutor;

        private Builder(RateLimiter limiter) {
            this.gate = RateLimitGate.builder(limiter);
        }

        /**
         * How requests map to keys (default: {@link KeyResolver#clientAddress(String)}, the client's
         * IPv4 address or IPv6 /64 in the limiter's default tier).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder keyResolver(KeyResolver resolver) {
            Arguments.setOnce(this.resolver, "keyResolver");
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * Adds paths that are never limited, matched as prefixes, e.g. {@code /health}.
         *
         * @throws IllegalArgumentException if a path does not start with {@code /}
         */
        public Builder exemptPaths(String... paths) {
            gate.exemptPaths(paths);
            return this;
        }

        /**
         * Also send {@code X-RateLimit-Limit}, {@code -Remaining} and {@code -Reset} (default off).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder legacyHeaders(boolean legacy) {
            gate.legacyHeaders(legacy);
            return this;
        }

        /**
         * Holds slow-down delays on {@code scheduler} instead of sleeping on the worker thread: a
         * delayed request holds no thread while it waits.
         *
         * <p>The scheduler only fires: when a delay is over, its thread hands the request to the
         * {@link #resumeExecutor resume executor} (default: the {@code HttpServer}'s executor; for a
         * server without one, a new thread per delayed request) and returns at once. The rest of the
         * chain and the handler never run on the scheduler's thread, so a slow handler (a password
         * hash, a database call) never delays another client's delayed request, and a
         * single-threaded scheduler ({@link RateLimitGate#newDelayScheduler()}) is enough for any
         * number of them. Tasks that do real work should not share this scheduler: they would hold
         * up the delays that expire meanwhile.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder delayScheduler(ScheduledExecutorService scheduler) {
            Arguments.setOnce(this.scheduler, "delayScheduler");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Where a request resumes after its slow-down delay (default: the executor of the
         * {@code HttpServer} it arrived on, like every other request). Only used with a
         * {@link #delayScheduler delay scheduler}. If it rejects the request (it is shut down),
         * the request's connection is closed and a warning logged.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder resumeExecutor(Executor executor) {
            Arguments.setOnce(resumeExecutor, "resumeExecutor");
            this.resumeExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** The filter. */
        public RateLimitFilter build() {
            return new RateLimitFilter(this);
        }
    }
}
