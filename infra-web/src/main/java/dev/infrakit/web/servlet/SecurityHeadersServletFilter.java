package dev.infrakit.web.servlet;

import dev.infrakit.web.SecurityHeaders;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Objects;

/**
 * Sets the {@link SecurityHeaders} on every response, before the rest of the chain runs (a servlet
 * may still override one). Map it to {@code /*} for the {@link #DISPATCHER_TYPES} (request and
 * error dispatches): a container's error page (404, or a 500 after an exception) is rendered in an
 * error dispatch after the container reset the response, and the filter sets the headers again
 * there.
 *
 * <pre>{@code
 * context.addFilter("securityHeaders", SecurityHeadersServletFilter.defaults())
 *        .addMappingForUrlPatterns(SecurityHeadersServletFilter.DISPATCHER_TYPES, false, "/*");
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class SecurityHeadersServletFilter implements Filter {
    /** The dispatches this filter should be mapped for: {@code REQUEST} and {@code ERROR}. */
    public static final EnumSet<DispatcherType> DISPATCHER_TYPES = EnumSet.of(DispatcherType.REQUEST,
            DispatcherType.ERROR);

    private final SecurityHeaders headers;

    private SecurityHeadersServletFilter(SecurityHeaders headers) {
        this.headers = headers;
    }

    /** A filter setting {@link SecurityHeaders#defaults()}. */
    public static SecurityHeadersServletFilter defaults() {
        return of(SecurityHeaders.defaults());
    }

    /**
     * A filter setting {@code headers}.
     *
     * @throws NullPointerException if {@code headers} is null
     */
    public static SecurityHeadersServletFilter of(SecurityHeaders headers) {
        return new SecurityHeadersServletFilter(Objects.requireNonNull(headers, "headers"));
    }

    /** The headers this filter sets. */
    public SecurityHeaders headers() {
        return headers;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (response instanceof HttpServletResponse && !response.isCommitted()) {
            headers.applyTo(((HttpServletResponse) response)::setHeader);
        }
        chain.doFilter(request, response);
    }
}
