package dev.infrakit.examples;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Times every request as {@code http.server.requests} (Prometheus: {@code
 * http_server_requests_seconds}) with tags method, uri (the route template, never an app name or
 * key id, so the series stay few), status and outcome, publishing p50, p95 and p99.
 */
final class HttpMetricsFilter extends Filter {
    private static final Pattern CREDENTIAL = Pattern.compile("^/api/(v1|v2)/credentials/[^/]+");
    private static final Pattern API_KEY = Pattern.compile("^/api/v1/apikeys/[^/]+$");

    private final MeterRegistry registry;

    HttpMetricsFilter(MeterRegistry registry) {
        this.registry = registry;
    }

    static String route(String path) {
        String p = CREDENTIAL.matcher(path).replaceFirst("/api/$1/credentials/{app}");
        p = API_KEY.matcher(p).replaceFirst("/api/v1/apikeys/{id}");
        switch (p) {
            case "/api/v1/auth/login":
            case "/api/v1/users":
            case "/api/v1/apikeys":
            case "/api/v1/apikeys/{id}":
            case "/api/v1/credentials":
            case "/api/v1/credentials/{app}":
            case "/api/v1/credentials/{app}/versions":
            case "/api/v1/credentials/{app}/rotate":
            case "/api/v2/credentials/{app}":
            case "/api/v1/audit":
                return p;
            default:
                return "other";
        }
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        long start = System.nanoTime();
        try {
            chain.doFilter(exchange);
        } finally {
            int status = exchange.getResponseCode();
            Timer.builder("http.server.requests").description("HTTP requests served")
                    .tag("method", exchange.getRequestMethod())
                    .tag("uri", route(exchange.getRequestURI().getPath()))
                    .tag("status", Integer.toString(status))
                    .tag("outcome", status >= 500 || status < 0 ? "SERVER_ERROR" : status >= 400 ? "CLIENT_ERROR" : "SUCCESS")
                    .publishPercentiles(0.5, 0.95, 0.99)
                    .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public String description() {
        return "HTTP request metrics";
    }
}
