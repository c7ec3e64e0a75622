/**
 * Infrakit web: the HTTP concerns of a service written once, framework-neutral
 * ({@link dev.infrakit.web.SecurityHeaders}, {@link dev.infrakit.web.BodyLimit}, answered as
 * infra-core's RFC 9457 {@link dev.infrakit.core.http.Problem}), and Jakarta Servlet 6 filters over
 * them ({@link dev.infrakit.web.servlet}) that work in any Servlet container.
 *
 * <p>The Servlet API is {@code requires static}: the container provides it, and the neutral package
 * does not need it. So are infra-ratelimit, needed only by the rate-limit filter, and Micrometer,
 * needed only by the metrics filter ({@link dev.infrakit.web.RouteTemplates} and
 * {@link dev.infrakit.web.HttpMetricTags}, the bounded tag values, need neither).
 */
module dev.infrakit.web {
    requires transitive dev.infrakit.core;
    requires static jakarta.servlet;
    // Optional: RateLimitServletFilter.
    requires static dev.infrakit.ratelimit;
    // Optional: HttpMetricsServletFilter.
    requires static micrometer.core;

    exports dev.infrakit.web;
    exports dev.infrakit.web.servlet;
}
