package dev.infrakit.web;

import dev.infrakit.core.http.ClientText;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The security headers every response carries, errors included: by default a strict
 * {@code Content-Security-Policy} ({@code default-src 'self'; frame-ancestors 'none'; object-src
 * 'none'; base-uri 'none'; form-action 'self'}: no inline script), {@code Strict-Transport-Security}
 * (one year, subdomains), {@code X-Content-Type-Options: nosniff}, {@code X-Frame-Options: DENY},
 * {@code Referrer-Policy: no-referrer} and {@code Cross-Origin-Opener-Policy: same-origin} (the same
 * set as infra-core's {@code SecurityHeadersFilter}). An adapter {@linkplain #applyTo applies} them
 * to a response of its server.
 *
 * <pre>{@code
 * SecurityHeaders headers = SecurityHeaders.builder()
 *         .without("Strict-Transport-Security")        // a plain-http development server
 *         .header("Content-Security-Policy", "default-src 'self'")
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class SecurityHeaders {
    private static final SecurityHeaders DEFAULTS = builder().build();

    private final Map<String, String> headers;
    /** The same headers as two arrays, so {@link #applyTo} walks no map on a request's path. */
    private final String[] names;
    private final String[] values;

    private SecurityHeaders(Map<String, String> headers) {
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        this.names = this.headers.keySet().toArray(new String[0]);
        this.values = this.headers.values().toArray(new String[0]);
    }

    /** The default headers listed above. */
    public static SecurityHeaders defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The headers, by name, in the order they are set (unmodifiable). */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * Hands every header to {@code setter} (e.g. {@code response::setHeader}), replacing what the
     * response had under that name.
     *
     * @throws NullPointerException if {@code setter} is null
     */
    public void applyTo(BiConsumer<String, String> setter) {
        Objects.requireNonNull(setter, "setter");
        for (int i = 0; i < names.length; i++) {
            setter.accept(names[i], values[i]);
        }
    }

    @Override
    public String toString() {
        return "SecurityHeaders" + headers.keySet();
    }

    /**
     * Builds {@link SecurityHeaders} from the defaults. Each header may be given once (replacing
     * its default); a second {@link #header} or {@link #without} for the same name is refused.
     * Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final Set<String> given = new HashSet<>();

        private Builder() {
            headers.put("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; object-src 'none'; "
                    + "base-uri 'none'; form-action 'self'");
            headers.put("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
            headers.put("X-Content-Type-Options", "nosniff");
            headers.put("X-Frame-Options", "DENY");
            headers.put("Referrer-Policy", "no-referrer");
            headers.put("Cross-Origin-Opener-Policy", "same-origin");
        }

        /**
         * Sets a header, or replaces a default one.
         *
         * @throws IllegalArgumentException if {@code name} is not an HTTP token, or {@code value} is
         *     empty or holds a control character (CR, LF, NUL: a value must not split the response)
         * @throws IllegalStateException if this header was already given
         * @throws NullPointerException if {@code name} or {@code value} is null
         */
        public Builder header(String name, String value) {
            String key = canonical(name);
            Objects.requireNonNull(value, "value of header " + name);
            if (value.isBlank()) {
                throw new IllegalArgumentException("header " + name + " needs a value, got an empty one");
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c != '\t' && (ClientText.isControl(c) || c > 0xff)) {
                    throw new IllegalArgumentException("header " + name + " must hold visible Latin-1 characters only, got "
                            + ClientText.forLog(value, 80));
                }
            }
            remember(key);
            headers.put(key, value.strip());
            return this;
        }

        /**
         * Leaves a default header out (e.g. HSTS on a plain-http development server).
         *
         * @throws IllegalArgumentException if no header of that name is set
         * @throws IllegalStateException if this header was already given
         */
        public Builder without(String name) {
            String key = canonical(name);
            if (!headers.containsKey(key)) {
                throw new IllegalArgumentException("No header '" + name + "' to leave out; the headers are "
                        + headers.keySet());
            }
            remember(key);
            headers.remove(key);
            return this;
        }

        /** The headers. */
        public SecurityHeaders build() {
            return new SecurityHeaders(headers);
        }

        private void remember(String key) {
            if (!given.add(key.toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalStateException("header " + key + " was already set");
            }
        }

        /** The name as the defaults spell it when it is one of them (names are case-insensitive). */
        private String canonical(String name) {
            Objects.requireNonNull(name, "name");
            if (!isToken(name)) {
                throw new IllegalArgumentException("A header name is an HTTP token (letters, digits, !#$%&'*+-.^_`|~), got '"
                        + ClientText.forLog(name, 80) + "'");
            }
            for (String known : headers.keySet()) {
                if (known.equalsIgnoreCase(name)) {
                    return known;
                }
            }
            return name;
        }

        private static boolean isToken(String name) {
            if (name.isEmpty()) {
                return false;
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
                if (!ok) {
                    return false;
                }
            }
            return true;
        }
    }
}
