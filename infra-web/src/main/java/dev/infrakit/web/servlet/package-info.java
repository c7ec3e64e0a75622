/**
 * Jakarta Servlet 6 filters over the neutral core: {@link
 * dev.infrakit.web.servlet.SecurityHeadersServletFilter}, {@link
 * dev.infrakit.web.servlet.BodyLimitServletFilter}, {@link
 * dev.infrakit.web.servlet.RateLimitServletFilter} (infra-ratelimit), {@link
 * dev.infrakit.web.servlet.HttpMetricsServletFilter} (Micrometer), and {@link
 * dev.infrakit.web.servlet.ProblemResponses} for problem+json answers. Needs the Servlet API, which
 * the container provides.
 */
package dev.infrakit.web.servlet;
