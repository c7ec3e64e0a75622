package dev.infrakit.web.jdk;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.core.http.ClientAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Exchanges}' client address of a real JDK HttpServer exchange, and its problem answers. */
class ExchangesTest {
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String serveAndCall(ClientAddress.Resolver resolver, String host, List<String> forwardedFor) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), 0), 0);
        server.createContext("/", exchange -> {
            ClientAddress client = Exchanges.clientAddress(resolver, exchange);
            byte[] body = (client.text() + " " + client.budgetKey()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        String authority = host.contains(":") ? "[" + host + "]" : host;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + authority + ":"
                + server.getAddress().getPort() + "/"));
        for (String value : forwardedFor) {
            request.header("X-Forwarded-For", value);
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() throws Exception {
        assertEquals("0:0:0:0:0:0:0:1 0:0:0:0::/64", serveAndCall(ClientAddress.resolver().build(), "::1",
                List.of("2001:db8::1")));
    }

    @Test
    void withATrustedProxyTheRightmostEntryIsTheClient() throws Exception {
        ClientAddress.Resolver oneProxy = ClientAddress.resolver().trustedProxies(1).build();
        assertEquals("2001:db8:0:0:0:0:0:7 2001:db8:0:0::/64", serveAndCall(oneProxy, "127.0.0.1",
                List.of("203.0.113.9, 2001:db8::7")));
    }

    @Test
    void entriesOfSeveralHeaderLinesCountInOrder() throws Exception {
        ClientAddress.Resolver twoProxies = ClientAddress.resolver().trustedProxies(2).build();
        assertEquals("198.51.100.4 198.51.100.4", serveAndCall(twoProxies, "127.0.0.1",
                List.of("203.0.113.9, 198.51.100.4", "10.0.0.1")));
    }

    @Test
    void anInvalidOrShortHeaderFallsBackToThePeer() throws Exception {
        ClientAddress.Resolver twoProxies = ClientAddress.resolver().trustedProxies(2).build();
        assertEquals("127.0.0.1 127.0.0.1", serveAndCall(twoProxies, "127.0.0.1", List.of("10.0.0.1")));
        stop();
        ClientAddress.Resolver oneProxy = ClientAddress.resolver().trustedProxies(1).build();
        assertEquals("127.0.0.1 127.0.0.1", serveAndCall(oneProxy, "127.0.0.1", List.of("not-an-address")));
        stop();
        assertEquals("127.0.0.1 127.0.0.1", serveAndCall(oneProxy, "127.0.0.1", List.of("1.2.3.4, " + "9".repeat(5000))));
    }

    @Test
    void thePeerAloneIgnoresForwardedForAndAProblemIsSentWithItsLength() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Allow", "GET");
            Exchanges.send(exchange, dev.infrakit.core.http.Problem.of(405, "Method Not Allowed",
                    Exchanges.clientAddress(exchange).text() + " may only GET."));
        });
        server.start();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/")).header("X-Forwarded-For", "203.0.113.9")
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, response.statusCode());
        assertEquals("GET", response.headers().firstValue("Allow").orElseThrow(), "headers set before are kept");
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElseThrow());
        assertTrue(response.body().contains("\"detail\":\"127.0.0.1 may only GET.\""), response.body());
        assertEquals(String.valueOf(response.body().getBytes(StandardCharsets.UTF_8).length),
                response.headers().firstValue("Content-Length").orElseThrow());
    }
}
