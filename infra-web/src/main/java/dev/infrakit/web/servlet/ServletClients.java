package dev.infrakit.web.servlet;

import dev.infrakit.core.http.ClientAddress;
import jakarta.servlet.http.HttpServletRequest;

import java.net.InetAddress;
import java.util.Collections;

/**
 * The client address of a Servlet request by a {@link ClientAddress.Resolver}: the peer from
 * {@code getRemoteAddr()} and every {@code X-Forwarded-For} field line. The one place the servlet
 * adapters read it, so the rate-limit and the authentication filters agree on the budget key; an
 * adapter for another framework (infra-spring-boot's Spring Security filters) reads it here too, so
 * its budget keys and audit addresses are the filters'. Never resolves a name. Thread-safe.
 */
public final class ServletClients {
    private ServletClients() {
    }

    /**
     * The client of {@code request} as {@code resolver} finds it (behind its trusted proxies); a
     * peer that is not an IP address (a Unix socket's text) counts as unknown.
     *
     * @throws NullPointerException if an argument is null
     */
    public static ClientAddress resolve(ClientAddress.Resolver resolver, HttpServletRequest request) {
        java.util.Objects.requireNonNull(resolver, "resolver");
        java.util.Objects.requireNonNull(request, "request");
        return resolver.resolve(peer(request), Collections.list(request.getHeaders("X-Forwarded-For")));
    }

    /**
     * {@code resolve(resolver, request).budgetKey()}; when {@code X-Forwarded-For} is not read or
     * not sent, the peer's text alone decides, without collecting the header's lines or parsing
     * a usual IPv4 peer at all (the rate limiter's per-request path).
     */
    static String budgetKey(ClientAddress.Resolver resolver, HttpServletRequest request) {
        if (!resolver.readsForwardedFor() || request.getHeader("X-Forwarded-For") == null) {
            return resolver.peerBudgetKey(request.getRemoteAddr());
        }
        return resolve(resolver, request).budgetKey();
    }

    private static InetAddress peer(HttpServletRequest request) {
        String remote = request.getRemoteAddr();
        if (remote == null) {
            return null;
        }
        try {
            return ClientAddress.parse(remote).address();
        } catch (IllegalArgumentException e) { // a Unix socket's or a proxy protocol's text
            return null;
        }
    }
}
