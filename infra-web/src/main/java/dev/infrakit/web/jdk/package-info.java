/**
 * Adapters of the neutral core ({@link dev.infrakit.web}) to the JDK's built-in
 * {@code com.sun.net.httpserver} server: {@code com.sun.net.httpserver.Filter}s to add to an
 * {@code HttpContext}. Needs the {@code jdk.httpserver} module, which the neutral core and the
 * Servlet adapters do not.
 */
package dev.infrakit.web.jdk;
