/**
 * Infrakit web: the HTTP concerns of a service written once, framework-neutral
 * ({@link dev.infrakit.web.SecurityHeaders}, {@link dev.infrakit.web.BodyLimit}, answered as
 * infra-core's RFC 9457 {@link dev.infrakit.core.http.Problem}), and Jakarta Servlet 6 filters over
 * them ({@link dev.infrakit.web.servlet}) that work in any Servlet container, and the JDK
 * {@code HttpServer} filters and health handler as a second, thin adapter ({@link dev.infrakit.web.jdk}).
 *
 * <p>Authentication ({@link dev.infrakit.web.Authenticator}) has a Servlet filter and a JDK
 * {@code HttpServer} filter ({@link dev.infrakit.web.jdk}) over it.
 *
 * <p>The Servlet API is {@code requires static}: the container provides it, and the neutral package
 * does not need it. So are infra-ratelimit (the rate-limit filter and the failure charge),
 * infra-auth (authentication), {@code jdk.httpserver} (the JDK adapters) and Micrometer (the
 * metrics filter; {@link dev.infrakit.web.RouteTemplates} and {@link dev.infrakit.web.HttpMetricTags},
 * the bounded tag values, need none of them).
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
    // Optional: HttpMetricsServletFilter.
    requires static micrometer.core;

    exports dev.infrakit.web;
    exports dev.infrakit.web.servlet;
    exports dev.infrakit.web.jdk;
}
