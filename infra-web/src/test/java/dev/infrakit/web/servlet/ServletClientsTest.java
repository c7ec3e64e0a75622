package dev.infrakit.web.servlet;

import dev.infrakit.core.http.ClientAddress;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The budget key's short path (no forwarded lines collected) gives what the full resolution gives. */
class ServletClientsTest {
    private static final List<String> PEERS = Arrays.asList("192.0.2.1", "10.0.0.1", "010.0.0.1", "10.0.0.1:80",
            "2001:db8:1:2:3:4:5:6", "[2001:db8::1]:443", "::ffff:192.0.2.7", "fe80::1%eth0", "unix:/run/app.sock",
            "", " 10.0.0.1", null);
    private static final List<List<String>> FORWARDED = List.of(List.of(), List.of("203.0.113.5"),
            List.of("198.51.100.1, 203.0.113.5"), List.of("198.51.100.1", "2001:db8:9::7"), List.of("garbage"),
            List.of("203.0.113.5, [2001:db8::1]:4711"), List.of("x".repeat(5000)), List.of(""));

    @Test
    void budgetKeyIsTheResolvedClientsKeyForEveryPeerAndHeader() {
        for (ClientAddress.Resolver resolver : List.of(ClientAddress.resolver().build(),
                ClientAddress.resolver().trustedProxies(1).build(),
                ClientAddress.resolver().trustedProxies(2).ipv6PrefixLength(48).build())) {
            for (String peer : PEERS) {
                for (List<String> lines : FORWARDED) {
                    HttpServletRequest request = request(peer, lines);
                    assertEquals(ServletClients.resolve(resolver, request).budgetKey(),
                            ServletClients.budgetKey(resolver, request), peer + " " + lines);
                }
            }
        }
    }

    @Test
    void behindAProxyTheForwardedClientCounts() {
        ClientAddress.Resolver resolver = ClientAddress.resolver().trustedProxies(1).build();
        assertEquals("203.0.113.5", ServletClients.budgetKey(resolver, request("10.0.0.1", List.of("203.0.113.5"))));
        assertEquals("10.0.0.1", ServletClients.budgetKey(ClientAddress.resolver().build(),
                request("10.0.0.1", List.of("203.0.113.5"))));
        assertEquals("2001:db8:1:2::/64", ServletClients.budgetKey(resolver,
                request("10.0.0.1", List.of("2001:db8:1:2:aaaa::1"))));
    }

    /** A request with only a peer address and X-Forwarded-For lines. */
    private static HttpServletRequest request(String peer, List<String> forwardedFor) {
        return (HttpServletRequest) Proxy.newProxyInstance(ServletClientsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getRemoteAddr":
                            return peer;
                        case "getHeader":
                            return "X-Forwarded-For".equalsIgnoreCase((String) args[0]) && !forwardedFor.isEmpty()
                                    ? forwardedFor.get(0) : null;
                        case "getHeaders":
                            return Collections.enumeration("X-Forwarded-For".equalsIgnoreCase((String) args[0])
                                    ? new ArrayList<>(forwardedFor) : List.of());
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
