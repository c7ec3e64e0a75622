package dev.infrakit.core.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Serves a {@link HealthRegistry} on the JDK's {@code HttpServer}:
 *
 * <pre>{@code
 * server.createContext("/health", HealthHttpHandler.of(registry));
 * }</pre>
 *
 * <p>Under the context path: {@code /health} reports every check, {@code /health/live} the
 * {@link HealthCheck#LIVENESS} group, {@code /health/ready} the {@link HealthCheck#READINESS}
 * group, and {@code /health/<group>} any other group that has checks (404 otherwise). GET and
 * HEAD only (405 with {@code Allow} otherwise). Bodies are {@code application/health+json} with
 * {@code Cache-Control: no-store}; the status code is 200 for UP and DEGRADED, 503 for DOWN.
 */
public final class HealthHttpHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HealthHttpHandler.class);

    private final HealthRegistry registry;

    private HealthHttpHandler(HealthRegistry registry) {
        this.registry = registry;
    }

    /** A handler serving {@code registry}. */
    public static HealthHttpHandler of(HealthRegistry registry) {
        return new HealthHttpHandler(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            respond(exchange);
        }
    }

    private void respond(HttpExchange exchange) throws IOException {
        try {
            String method = exchange.getRequestMethod();
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, Problem.MEDIA_TYPE, Problem.of(405, "Method Not Allowed", "The method "
                        + ClientText.forLog(method, 32) + " is not allowed here; use GET or HEAD.").toJson(), false);
                return;
            }
            String context = exchange.getHttpContext().getPath();
            String path = exchange.getRequestURI().getPath();
            String rest = path.length() > context.length() ? path.substring(context.length()) : "";
            rest = rest.replaceAll("^/+|/+$", "");
            HealthReport report;
            if (rest.isEmpty()) {
                report = registry.check();
            } else {
                String group = "live".equals(rest) ? HealthCheck.LIVENESS
                        : "ready".equals(rest) ? HealthCheck.READINESS : rest;
                boolean builtIn = group.equals(HealthCheck.LIVENESS) || group.equals(HealthCheck.READINESS);
                if (rest.contains("/") || (!builtIn && !registry.hasGroup(group))) {
                    send(exchange, 404, Problem.MEDIA_TYPE, Problem.of(404, "Not Found", "No health group "
                            + ClientText.forLog(rest, 64) + "; there are live, ready and the registered groups.").toJson(),
                            head);
                    return;
                }
                report = registry.check(group);
            }
            send(exchange, report.httpStatus(), HealthJson.MEDIA_TYPE, report.toJson(), head);
        } catch (RuntimeException e) {
            // HttpServer drops a handler's exception silently; log it and answer 500 if still possible.
            LOG.error("Health endpoint failed", e);
            if (exchange.getResponseCode() == -1) {
                send(exchange, 500, "application/json", "{\"error\":\"health evaluation failed\"}", false);
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body, boolean head)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
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
