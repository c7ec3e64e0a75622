package dev.infrakit.examples;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The admin page's static files, read from the jar once at start: a fixed allow-list keyed by the
 * exact request path, so no part of a request ever names a resource (no traversal to guard against).
 * {@code /admin} redirects to {@code /admin/}; anything else is a 404 problem; methods other than GET
 * and HEAD are 405. The files are public: the page signs in and calls the API like any client.
 */
final class AdminAssets extends ReadOnlyServlet {
    private static final long serialVersionUID = 1L;
    private static final String RESOURCES = "/dev/infrakit/examples/admin/";

    private record Asset(String contentType, byte[] body) {
    }

    private final transient Map<String, Asset> assets = Map.of(
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
    protected void read(HttpServletRequest request, HttpServletResponse response, boolean head) throws IOException {
        String path = request.getRequestURI();
        if (path.equals("/admin")) {
            response.setHeader("Location", "/admin/");
            response.setStatus(302);
            return;
        }
        Asset asset = assets.get(path);
        if (asset == null) {
            ApiServlet.send(response, Problem.of(404, "Not Found", "No such file: " + ClientText.forLog(path, 200)),
                    Map.of());
            return;
        }
        response.setHeader("Cache-Control", "no-cache");
        ok(response, asset.contentType(), asset.body(), head);
    }
}
