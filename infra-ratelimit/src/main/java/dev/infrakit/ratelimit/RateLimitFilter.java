package dev.infrakit.ratelimit;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.core.http.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Applies a {@link RateLimiter} to the requests of a JDK {@code HttpServer} context:
 *
 * <pre>{@code
 * RateLimitFilter filter = RateLimitFilter.builder(limiter)
 *         .keyResolver(exchange -> principal(exchange) == null
 *                 ? new RateLimitKey("anonymous", clientIp(exchange))
 *                 : new RateLimitKey(role(exchange), userId(exchange)))
 *         .exemptPaths("/health", "/metrics")
 *         .build();
 * server.createContext("/api", handler).getFilters().add(filter);
 * }</pre>
 *
 * <p>Every limited response carries {@code RateLimit-Policy} and {@code RateLimit} (and, if
 * enabled, {@code X-RateLimit-*}); a rejected request is answered 429 with {@code Retry-After} and
 * an RFC 9457 problem body, and never reaches the handler. A request admitted with a slow-down
 * delay is held: on the given scheduler when there is one (the worker thread is released and the
 * chain resumes later), else by sleeping on the worker thread. Exempt paths (prefix match) and
 * requests for which the resolver returns {@code null} pass through unlimited. If the limiter's
 * store fails, the exception propagates (choose the failure behaviour in the store).
 */
public final class RateLimitFilter extends Filter {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);

    /** Picks the tier and subject of a request, or {@code null} to let it through unlimited. */
    @FunctionalInterface
    public interface KeyResolver {
        /** The key for {@code exchange}, or {@code null} for no limit. */
        RateLimitKey resolve(HttpExchange exchange);

        /** The client's IP address in {@code tier}. */
        static KeyResolver clientAddress(String tier) {
            Objects.requireNonNull(tier, "tier");
            return exchange -> {
                InetSocketAddress remote = exchange.getRemoteAddress();
                return new RateLimitKey(tier, remote == null ? "unknown" : remote.getAddress().getHostAddress());
            };
        }
    }

    private final RateLimiter limiter;
    private final KeyResolver resolver;
    private final List<String> exemptPaths;
    private final boolean legacyHeaders;
    private final ScheduledExecutorService scheduler;

    private RateLimitFilter(Builder b) {
        this.limiter = b.limiter;
        this.resolver = b.resolver != null ? b.resolver : KeyResolver.clientAddress(b.limiter.defaultTier());
        this.exemptPaths = List.copyOf(b.exemptPaths);
        this.legacyHeaders = b.legacyHeaders;
        this.scheduler = b.scheduler;
    }

    /** A builder for a filter over {@code limiter}. */
    public static Builder builder(RateLimiter limiter) {
        return new Builder(limiter);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String path = exchange.getRequestURI().getPath();
        for (String exempt : exemptPaths) {
            if (path.startsWith(exempt)) {
                chain.doFilter(exchange);
                return;
            }
        }
        RateLimitKey key = resolver.resolve(exchange);
        if (key == null) {
            chain.doFilter(exchange);
            return;
        }
        Decision decision = limiter.decide(key.tier(), key.subject(), 1);
        Headers headers = exchange.getResponseHeaders();
        for (Map.Entry<String, String> header : RateLimitHeaders.of(decision, legacyHeaders).entrySet()) {
            headers.set(header.getKey(), header.getValue());
        }
        if (!decision.allowed()) {
            byte[] body = RateLimitHeaders.problemJson(decision).getBytes(StandardCharsets.UTF_8);
            headers.set("Content-Type", RateLimitHeaders.PROBLEM_MEDIA_TYPE);
            exchange.sendResponseHeaders(429, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            exchange.close();
            return;
        }
        if (decision.delayNanos() <= 0) {
            chain.doFilter(exchange);
        } else if (scheduler != null) {
            scheduler.schedule(() -> resume(exchange, chain), decision.delayNanos(), TimeUnit.NANOSECONDS);
        } else {
            try {
                Thread.sleep(decision.delay().toMillis(), (int) (decision.delayNanos() % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
            chain.doFilter(exchange);
        }
    }

    private static void resume(HttpExchange exchange, Chain chain) {
        try {
            chain.doFilter(exchange);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Delayed request {} {} failed: {}", ClientText.forLog(exchange.getRequestMethod(), 32),
                    ClientText.forLog(exchange.getRequestURI().getPath(), 200), e.toString());
            exchange.close();
        }
    }

    @Override
    public String description() {
        return "Infrakit rate limiting (" + limiter.name() + ")";
    }

    /** Builds a {@link RateLimitFilter}. Not thread-safe. */
    public static final class Builder {
        private final RateLimiter limiter;
        private KeyResolver resolver;
        private final List<String> exemptPaths = new ArrayList<>();
        private boolean legacyHeaders;
        private ScheduledExecutorService scheduler;

        private Builder(RateLimiter limiter) {
            this.limiter = Objects.requireNonNull(limiter, "limiter");
        }

        /** How requests map to keys (default: client IP in the limiter's default tier). */
        public Builder keyResolver(KeyResolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** Paths that are never limited, matched as prefixes, e.g. {@code /health}. */
        public Builder exemptPaths(String... paths) {
            for (String path : paths) {
                if (!Objects.requireNonNull(path, "path").startsWith("/")) {
                    throw new IllegalArgumentException("An exempt path starts with '/', got '" + path + "'");
                }
                exemptPaths.add(path);
            }
            return this;
        }

        /** Also send {@code X-RateLimit-Limit}, {@code -Remaining} and {@code -Reset} (default off). */
        public Builder legacyHeaders(boolean legacy) {
            this.legacyHeaders = legacy;
            return this;
        }

        /** Holds slow-down delays on {@code scheduler} instead of sleeping on the worker thread. */
        public Builder delayScheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The filter. */
        public RateLimitFilter build() {
            return new RateLimitFilter(this);
        }
    }
}
