/**
 * Infrakit web: the HTTP concerns of a service written once, framework-neutral
 * ({@link dev.infrakit.web.SecurityHeaders}, {@link dev.infrakit.web.BodyLimit}, answered as
 * infra-core's RFC 9457 {@link dev.infrakit.core.http.Problem}), and Jakarta Servlet 6 filters over
 * them ({@link dev.infrakit.web.servlet}) that work in any Servlet container.
 *
 * <p>Authentication ({@link dev.infrakit.web.Authenticator}) has a Servlet filter and a JDK
 * {@code HttpServer} filter ({@link dev.infrakit.web.jdk}) over it.
 *
 * <p>The Servlet API is {@code requires static}: the container provides it, and the neutral package
 * does not need it. So are infra-ratelimit (the rate-limit filter and the failure charge),
 * infra-auth (authentication) and {@code jdk.httpserver} (the JDK adapters).
 */
module dev.infrakit.web {
    requires transitive dev.infrakit.core;
    requires static jakarta.servlet;
    // Optional: RateLimitServletFilter.
    requires static dev.infrakit.ratelimit;
    // Optional: Authenticator and the authentication filters.
    requires static dev.infrakit.auth;
    // Optional: the JDK HttpServer adapters (dev.infrakit.web.jdk).
    requires static jdk.httpserver;

    exports dev.infrakit.web;
    exports dev.infrakit.web.servlet;
    exports dev.infrakit.web.jdk;
}
