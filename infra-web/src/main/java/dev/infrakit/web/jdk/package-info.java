/**
 * The JDK {@code HttpServer} adapter over the neutral core: {@link
 * dev.infrakit.web.jdk.SecurityHeadersFilter}, {@link dev.infrakit.web.jdk.BodyLimitFilter}, {@link
 * dev.infrakit.web.jdk.RateLimitFilter}, {@link dev.infrakit.web.jdk.AuthFilter}, {@link
 * dev.infrakit.web.jdk.HealthHandler}, and {@link
 * dev.infrakit.web.jdk.Exchanges} for the client address and problem answers of an exchange.
 * Needs the {@code jdk.httpserver} module (read statically: only this package uses it).
 */
package dev.infrakit.web.jdk;
