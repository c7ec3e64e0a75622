package dev.infrakit.core.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Sets the security headers on every response, before the handler runs (a handler may still
 * override one): by default a strict {@code Content-Security-Policy} ({@code default-src 'self';
 * frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'}: no inline
 * script), {@code Strict-Transport-Security} (one year, subdomains), {@code X-Content-Type-Options:
 * nosniff}, {@code X-Frame-Options: DENY}, {@code Referrer-Policy: no-referrer} and
 * {@code Cross-Origin-Opener-Policy: same-origin}.
 */
public final class SecurityHeadersFilter extends Filter {
    private final Map<String, String> headers;

    private SecurityHeadersFilter(Map<String, String> headers) {
        this.headers = Map.copyOf(headers);
    }

    /** The defaults above. */
    public static SecurityHeadersFilter defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The headers set, by name. */
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        Headers response = exchange.getResponseHeaders();
        headers.forEach(response::set);
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "Infrakit security headers";
    }

    /** Builds a {@link SecurityHeadersFilter}. */
    public static final class Builder {
        private final Map<String, String> headers = new LinkedHashMap<>();

        private Builder() {
            headers.put("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; object-src 'none'; "
                    + "base-uri 'none'; form-action 'self'");
            headers.put("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
            headers.put("X-Content-Type-Options", "nosniff");
            headers.put("X-Frame-Options", "DENY");
            headers.put("Referrer-Policy", "no-referrer");
            headers.put("Cross-Origin-Opener-Policy", "same-origin");
        }

        /** Sets (or replaces) a header. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Leaves a default header out (e.g. HSTS on a plain-http development server). */
        public Builder without(String name) {
            if (headers.remove(name) == null) {
                throw new IllegalArgumentException("No header '" + name + "' to leave out; the headers are "
                        + headers.keySet());
            }
            return this;
        }

        /** The filter. */
        public SecurityHeadersFilter build() {
            return new SecurityHeadersFilter(headers);
        }
    }
}
