package dev.infrakit.web.servlet;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.web.RateLimitGate;
import dev.infrakit.ratelimit.RateLimiter;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies a {@link RateLimiter} to Servlet requests, as {@link dev.infrakit.web.jdk.RateLimitFilter}
 * does for the JDK server, over the same {@link RateLimitGate}:
 *
 * <pre>{@code
 * RateLimitServletFilter filter = RateLimitServletFilter.builder(limiter)
 *         .keyResolver(RateLimitServletFilter.KeyResolver.clientAddress("anonymous"))
 *         .exemptPaths("/health")
 *         .build();
 * context.addFilter("rateLimit", filter).setAsyncSupported(true);
 * }</pre>
 *
 * <p>Every limited response carries {@code RateLimit-Policy} and {@code RateLimit} (and, if
 * enabled, {@code X-RateLimit-*}); a rejected request is answered 429 with {@code Retry-After} and
 * an RFC 9457 problem body (with the security headers of {@link Builder#problems}), and never reaches
 * the servlet.
 *
 * <p><b>Slow-down without a held thread.</b> A request admitted with a delay is put into async mode
 * ({@code request.startAsync()}) and the filter returns: the container's thread goes back to its
 * pool. When the delay is over, the {@linkplain Builder#delayScheduler scheduler} only calls
 * {@code AsyncContext.dispatch()}, and the container runs the request again on one of its own
 * threads; this filter recognises the resumed request and lets it through without a second
 * decision. So any number of delayed requests wait without occupying a thread, and a slow servlet
 * never runs on the scheduler's thread. This needs the filter, every filter before it and the
 * servlet to be async-supported ({@code setAsyncSupported(true)}), and the filter mapped for
 * {@link #DISPATCHER_TYPES} ({@code REQUEST} and {@code ASYNC}); filters after it that must see the
 * resumed request (the body limit) are mapped for {@code ASYNC} too. A request that is not
 * async-supported is let through at once, without its delay, and a warning is logged once: a
 * wiring mistake never holds a thread. Each filter instance decides once per request (two rate-limit
 * filters on one path both decide).
 *
 * <p>Exempt paths (prefix match of the path within the application) and requests for which the
 * resolver returns {@code null} pass unlimited. If the limiter's store fails, the exception
 * propagates (choose the failure behaviour in the store). Thread-safe. {@link #destroy()} stops a
 * scheduler the filter made itself.
 */
public final class RateLimitServletFilter implements Filter {
    /** The dispatches this filter must be mapped for: {@code REQUEST} and {@code ASYNC}. */
    public static final EnumSet<DispatcherType> DISPATCHER_TYPES = EnumSet.of(DispatcherType.REQUEST,
            DispatcherType.ASYNC);

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitServletFilter.class);
    private static final AtomicLong INSTANCES = new AtomicLong();

    /** Picks the tier and subject of a request, or {@code null} to let it through unlimited. */
    @FunctionalInterface
    public interface KeyResolver {
        /** The key for {@code request}, or {@code null} for no limit. */
        RateLimitKey resolve(HttpServletRequest request);

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
            return request -> new RateLimitKey(tier, ServletClients.budgetKey(clients, request));
        }
    }

    private final RateLimitGate gate;
    private final KeyResolver resolver;
    private final ProblemResponses problems;
    private final ScheduledExecutorService scheduler;
    private final boolean ownScheduler;
    /** The request attribute marking a request this filter admitted after its delay. */
    private final String resumed = RateLimitServletFilter.class.getName() + ".resumed." + INSTANCES.incrementAndGet();
    private volatile boolean warnedNotAsync;

    private RateLimitServletFilter(Builder b) {
        this.gate = b.gate.build();
        this.resolver = b.resolver != null ? b.resolver : KeyResolver.clientAddress(gate.limiter().defaultTier());
        this.problems = b.problems != null ? b.problems : ProblemResponses.defaults();
        this.ownScheduler = b.scheduler == null;
        this.scheduler = b.scheduler != null ? b.scheduler : RateLimitGate.newDelayScheduler();
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
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        // Only an ASYNC dispatch can be a request this filter resumed: the attribute is not looked
        // up for the others.
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse answer)
                || request.getDispatcherType() == DispatcherType.ASYNC && request.getAttribute(resumed) != null) {
            chain.doFilter(request, response);
            return;
        }
        RateLimitKey key = gate.hasExemptPaths() && gate.exempt(pathWithinApplication(http)) ? null
                : resolver.resolve(http);
        if (key == null) {
            chain.doFilter(request, response);
            return;
        }
        RateLimitGate.Admission admission = gate.admit(key);
        if (!admission.allowed()) {
            problems.send(answer, admission.status(), admission.problemJson(), false, admission::applyHeaders);
            return;
        }
        admission.applyHeaders(answer::setHeader);
        if (admission.delayNanos() == 0) {
            chain.doFilter(request, response);
            return;
        }
        if (!request.isAsyncSupported()) {
            if (!warnedNotAsync) {
                warnedNotAsync = true;
                LOG.warn("Slow-down delay skipped for {}: the request is not async-supported; mark this filter, the "
                        + "filters before it and the servlet async-supported",
                        ClientText.forLog(pathWithinApplication(http), 200));
            }
            chain.doFilter(request, response);
            return;
        }
        // The container's thread leaves now; the scheduler's thread only dispatches, and the
        // container runs the resumed request on one of its own threads.
        request.setAttribute(resumed, Boolean.TRUE);
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        String path = pathWithinApplication(http);
        scheduler.schedule(() -> resume(async, path), admission.delayNanos(), TimeUnit.NANOSECONDS);
    }

    private static String pathWithinApplication(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return uri.substring(Math.min(request.getContextPath().length(), uri.length()));
    }

    private static void resume(AsyncContext async, String path) {
        try {
            async.dispatch();
        } catch (RuntimeException e) { // IllegalStateException: the request completed or the container stops
            LOG.warn("Delayed request {} could not be resumed: {}", ClientText.forLog(path, 200),
                    ClientText.forLog(e.toString(), 500));
        }
    }

    /** Stops the delay scheduler if the filter made it (a scheduler given to the builder is yours). */
    @Override
    public void destroy() {
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "RateLimitServletFilter[" + gate.limiter().name() + "]";
    }

    /**
     * Builds a {@link RateLimitServletFilter}. Exempt paths are added; every other setting may be
     * given once: a second call throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final RateLimitGate.Builder gate;
        private KeyResolver resolver;
        private ProblemResponses problems;
        private ScheduledExecutorService scheduler;

        private Builder(RateLimiter limiter) {
            this.gate = RateLimitGate.builder(limiter);
        }

        /**
         * How requests map to keys (default: {@link KeyResolver#clientAddress(String)} in the
         * limiter's default tier).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder keyResolver(KeyResolver resolver) {
            Arguments.setOnce(this.resolver, "keyResolver");
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * Adds paths (within the application, prefix match) that are never limited, e.g.
         * {@code /health}.
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
         * How 429 answers are written (default {@link ProblemResponses#defaults()}).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder problems(ProblemResponses problems) {
            Arguments.setOnce(this.problems, "problems");
            this.problems = Objects.requireNonNull(problems, "problems");
            return this;
        }

        /**
         * Where slow-down delays are timed (default: one daemon thread of the filter's own, stopped by
         * {@link RateLimitServletFilter#destroy()}). Its thread only calls
         * {@code AsyncContext.dispatch()}, so one thread is enough for any number of delays; it
         * should not run tasks that do real work, which would hold up the delays that expire
         * meanwhile. The filter never shuts down a scheduler given here.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder delayScheduler(ScheduledExecutorService scheduler) {
            Arguments.setOnce(this.scheduler, "delayScheduler");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The filter. */
        public RateLimitServletFilter build() {
            return new RateLimitServletFilter(this);
        }
    }
}
