package dev.infrakit.spring.boot.security;

import dev.infrakit.core.http.ClientAddress;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;

/** A request's client address through the application's {@link ClientAddress.Resolver}. */
final class Clients {
    private Clients() {
    }

    /** The client of {@code request} (behind the resolver's trusted proxies), never resolving a name. */
    static ClientAddress resolve(ClientAddress.Resolver clients, HttpServletRequest request) {
        String remote = request.getRemoteAddr();
        java.net.InetAddress peer;
        try {
            peer = remote == null ? null : ClientAddress.parse(remote).address();
        } catch (IllegalArgumentException notAnAddress) { // a Unix socket's or a proxy protocol's text
            peer = null;
        }
        return clients.resolve(peer, Collections.list(request.getHeaders("X-Forwarded-For")));
    }
}
