package dev.infrakit.examples;

import dev.infrakit.core.http.Problem;

import java.util.Map;

/**
 * An answer other than success, thrown by a route and written by {@link ApiServlet} as a problem
 * (with {@code headers}, such as {@code Retry-After}). The detail is the message: never a secret.
 */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String title;
    final transient Map<String, String> headers;

    HttpError(int status, String title, String detail) {
        this(status, title, detail, Map.of());
    }

    HttpError(int status, String title, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.headers = Map.copyOf(headers);
    }

    static HttpError badRequest(String detail) {
        return new HttpError(400, "Bad Request", detail);
    }

    static HttpError notFound(String detail) {
        return new HttpError(404, "Not Found", detail);
    }

    static HttpError conflict(String detail) {
        return new HttpError(409, "Conflict", detail);
    }

    static HttpError forbidden(String detail) {
        return new HttpError(403, "Forbidden", detail);
    }

    /** 503 with {@code Retry-After}: nothing was done, not the client's fault. */
    static HttpError unavailable(String title, String detail) {
        return new HttpError(503, title, detail, Map.of("Retry-After", ApiServlet.RETRY_AFTER_SECONDS));
    }

    Problem problem() {
        return Problem.of(status, title, getMessage());
    }
}
