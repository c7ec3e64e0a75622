package dev.infrakit.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.infrakit.core.http.Problem;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The admin page's static files, read from the jar once at start: a fixed allow-list keyed by the
 * exact request path, so no part of a request ever names a resource (no traversal to guard against).
 * {@code /admin} redirects to {@code /admin/}; anything else is a 404 problem; methods other than GET
 * and HEAD are 405. The files are public: the page signs in and calls the API like any client.
 */
final class AdminAssets implements HttpHandler {
    private static final String RESOURCES = "/dev/infrakit/examples/admin/";

    private record Asset(String contentType, byte[] body) {
    }

    private final Map<String, Asset> assets = Map.of(
            "/admin/", load("index.html", "text/html; charset=utf-8"),
            "/admin/app.js", load("app.js", "text/javascript; charset=utf-8"),
            "/admin/app.css", load("app.css", "text/css; charset=utf-8"));

    private static Asset load(String file, String contentType) {
        try (InputStream in = AdminAssets.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) {
                throw new IllegalStateException("The admin page's " + file + " is missing from the jar");
            }
            return new Asset(contentType, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("Reading the admin page's " + file + " failed", e);
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            boolean head = method.equals("HEAD");
            if (!head && !method.equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                Problem.of(405, "Method Not Allowed", method + " is not allowed here.").send(exchange);
                return;
            }
            if (path.equals("/admin")) {
                exchange.getResponseHeaders().set("Location", "/admin/");
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            Asset asset = assets.get(path);
            if (asset == null) {
                Problem.of(404, "Not Found", "No such file: " + path).send(exchange);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", asset.contentType());
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            if (head) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(asset.body().length));
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, asset.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(asset.body());
            }
        }
    }
}
