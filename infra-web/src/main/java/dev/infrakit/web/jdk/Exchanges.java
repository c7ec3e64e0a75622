package dev.infrakit.web.jdk;

import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.Problem;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The neutral core's request and response rules applied to a JDK {@code HttpExchange}: who the
 * client is ({@link ClientAddress}) and how a {@link Problem} is answered.
 *
 * <pre>{@code
 * ClientAddress.Resolver clients = ClientAddress.resolver().trustedProxies(1).build();
 * ClientAddress client = Exchanges.clientAddress(clients, exchange);
 * Exchanges.send(exchange, Problem.of(404, "Not Found", "No such document."));
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class Exchanges {
    private static final ClientAddress.Resolver PEER = ClientAddress.resolver().build();

    private Exchanges() {
    }

    /**
     * The peer address of {@code exchange} ({@code X-Forwarded-For} ignored, IPv6 budgets per /64).
     *
     * @throws NullPointerException if {@code exchange} is null
     */
    public static ClientAddress clientAddress(HttpExchange exchange) {
        return clientAddress(PEER, exchange);
    }

    /**
     * The client of {@code exchange} by {@code clients}' rule: the trusted {@code X-Forwarded-For}
     * entry when there is a valid one, else the peer address ({@link ClientAddress#unknown()}
     * without one).
     *
     * @throws NullPointerException if an argument is null
     */
    public static ClientAddress clientAddress(ClientAddress.Resolver clients, HttpExchange exchange) {
        Objects.requireNonNull(clients, "clients");
        Objects.requireNonNull(exchange, "exchange");
        InetSocketAddress remote = exchange.getRemoteAddress();
        return clients.resolve(remote == null ? null : remote.getAddress(),
                exchange.getRequestHeaders().get("X-Forwarded-For"));
    }

    /**
     * Answers {@code problem} ({@code application/problem+json}, {@code Cache-Control: no-store},
     * its exact length) and closes the exchange. Headers already set on the response (the security
     * headers, {@code Allow}) are kept.
     *
     * @throws IOException if writing fails
     * @throws NullPointerException if an argument is null
     */
    public static void send(HttpExchange exchange, Problem problem) throws IOException {
        Objects.requireNonNull(problem, "problem");
        send(exchange, problem.status(), Problem.MEDIA_TYPE, problem.toJson(), false);
    }

    /**
     * Writes a complete answer and closes the exchange: {@code headers}, then {@code Content-Type}
     * and {@code Cache-Control: no-store}; no body for a HEAD request ({@code head}).
     */
    static void send(HttpExchange exchange, int status, String type, String body, boolean head,
            Map<String, String> headers) throws IOException {
        headers.forEach(exchange.getResponseHeaders()::set);
        send(exchange, status, type, body, head);
    }

    private static void send(HttpExchange exchange, int status, String type, String body, boolean head)
            throws IOException {
        Objects.requireNonNull(exchange, "exchange");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        try (exchange) {
            if (head) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
