package dev.infrakit.web.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.web.HealthEndpoint;

import java.io.IOException;

/**
 * Serves a {@link HealthRegistry} on the JDK's {@code HttpServer}, answering what
 * {@link HealthEndpoint} says for the path under the context ({@code /health}, {@code /health/live},
 * {@code /health/ready}, {@code /health/<group>}; GET and HEAD only):
 *
 * <pre>{@code
 * HttpContext health = server.createContext("/health", HealthHandler.of(registry));
 * health.getFilters().add(SecurityHeadersFilter.defaults());
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class HealthHandler implements HttpHandler {
    private final HealthEndpoint endpoint;

    private HealthHandler(HealthEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * A handler serving {@code registry}.
     *
     * @throws NullPointerException if {@code registry} is null
     */
    public static HealthHandler of(HealthRegistry registry) {
        return new HealthHandler(HealthEndpoint.of(registry));
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String context = exchange.getHttpContext().getPath();
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        HealthEndpoint.Answer answer = endpoint.answer(method,
                path.length() > context.length() ? path.substring(context.length()) : "");
        Exchanges.send(exchange, answer.status(), answer.contentType(), answer.body(), "HEAD".equals(method),
                answer.headers());
    }
}
