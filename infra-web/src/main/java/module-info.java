/**
 * Infrakit web: the HTTP concerns of a service written once, framework-neutral
 * ({@link dev.infrakit.web.SecurityHeaders}, {@link dev.infrakit.web.BodyLimit}, answered as
 * infra-core's RFC 9457 {@link dev.infrakit.core.http.Problem}), and Jakarta Servlet 6 filters over
 * them ({@link dev.infrakit.web.servlet}) that work in any Servlet container, and the JDK
 * {@code HttpServer} filters and health handler as a second, thin adapter ({@link dev.infrakit.web.jdk}).
 *
 * <p>The Servlet API is {@code requires static}: the container provides it, and the neutral package
 * does not need it. So are {@code jdk.httpserver}, needed only by the JDK adapter, and infra-ratelimit,
 * needed only by the rate-limit filters and {@link dev.infrakit.web.RateLimitGate}.
 */
module dev.infrakit.web {
    requires transitive dev.infrakit.core;
    requires static jakarta.servlet;
    // Optional: the JDK HttpServer adapter (dev.infrakit.web.jdk).
    requires static jdk.httpserver;
    // Optional: RateLimitServletFilter.
    requires static dev.infrakit.ratelimit;

    exports dev.infrakit.web;
    exports dev.infrakit.web.servlet;
    exports dev.infrakit.web.jdk;
}
