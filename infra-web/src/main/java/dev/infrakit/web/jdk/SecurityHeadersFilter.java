package dev.infrakit.web.jdk;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.web.SecurityHeaders;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * Sets the {@link SecurityHeaders} on every response of a JDK {@code HttpServer} context, before
 * the handler runs (a handler may still override one). The headers and their defaults are
 * {@link SecurityHeaders}'; this filter only applies them.
 *
 * <pre>{@code
 * context.getFilters().add(SecurityHeadersFilter.of(SecurityHeaders.builder()
 *         .without("Strict-Transport-Security").build()));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class SecurityHeadersFilter extends Filter {
    private final SecurityHeaders headers;

    private SecurityHeadersFilter(SecurityHeaders headers) {
        this.headers = headers;
    }

    /** A filter setting {@link SecurityHeaders#defaults()}. */
    public static SecurityHeadersFilter defaults() {
        return of(SecurityHeaders.defaults());
    }

    /**
     * A filter setting {@code headers}.
     *
     * @throws NullPointerException if {@code headers} is null
     */
    public static SecurityHeadersFilter of(SecurityHeaders headers) {
        return new SecurityHeadersFilter(Objects.requireNonNull(headers, "headers"));
    }

    /** The headers set, by name (unmodifiable). */
    public Map<String, String> headers() {
        return headers.headers();
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        headers.applyTo(exchange.getResponseHeaders()::set);
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "Infrakit security headers";
    }
}
