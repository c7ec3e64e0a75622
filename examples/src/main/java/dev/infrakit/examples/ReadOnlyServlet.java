package dev.infrakit.examples;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Map;

/**
 * A servlet that answers GET and HEAD (the same headers, no body) and 405 problem+json with
 * {@code Allow: GET, HEAD} to any other method, invented ones included.
 */
abstract class ReadOnlyServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected final void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET")) {
            ApiServlet.send(response, Problem.of(405, "Method Not Allowed", ClientText.forLog(method, 32)
                    + " is not allowed here; use GET or HEAD."), Map.of("Allow", "GET, HEAD"));
            return;
        }
        read(request, response, head);
    }

    /** Answers a GET, or a HEAD when {@code head} (headers only). */
    protected abstract void read(HttpServletRequest request, HttpServletResponse response, boolean head)
            throws IOException;

    /** Writes {@code body} as {@code contentType} with status 200 (only its length for a HEAD). */
    static void ok(HttpServletResponse response, String contentType, byte[] body, boolean head) throws IOException {
        response.setStatus(200);
        response.setContentType(contentType);
        response.setContentLength(body.length);
        if (!head) {
            response.getOutputStream().write(body);
        }
    }
}
