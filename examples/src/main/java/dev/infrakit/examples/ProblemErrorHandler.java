package dev.infrakit.examples;

import dev.infrakit.core.http.Problem;
import dev.infrakit.web.SecurityHeaders;
import dev.infrakit.core.http.ClientText;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Jetty's own error answers as problem+json with the security headers, never an HTML page and never
 * the exception: {@link #server} for what the connection refuses before any servlet (a malformed
 * request line or header, a header section or URI over the limit, an unknown HTTP version), and
 * {@link #context} for errors inside the servlet context (an exception a servlet let through, a
 * {@code sendError}). The detail is fixed per status (for a malformed request, with Jetty's reason):
 * nothing of the request is echoed, nothing of an exception told.
 */
final class ProblemErrorHandler {
    private ProblemErrorHandler() {
    }

    /** For {@code Server.setErrorHandler}. */
    static ErrorHandler server(SecurityHeaders headers, int maxHeaderBytes) {
        return new ForServer(headers, maxHeaderBytes);
    }

    /** For {@code ServletContextHandler.setErrorHandler}. */
    static ErrorHandler context(SecurityHeaders headers, int maxHeaderBytes) {
        return new ForContext(headers, maxHeaderBytes);
    }

    /**
     * The answer to {@code status}: the status's reason phrase as the title, a fixed detail; for a
     * 400, what Jetty found wrong so the client learns it: the URI {@code violations} (an encoded
     * NUL, '/' or '..', invalid UTF-8) in Jetty's words, or the reason of its parser ({@code cause}
     * null or an {@link HttpException}: its own fixed words), bounded and without control characters.
     */
    static Problem problem(int status, String reason, Throwable cause, Collection<UriCompliance.Violation> violations,
            int maxHeaderBytes) {
        String title = HttpStatus.getMessage(status);
        String why = parserReason(reason, cause, title);
        String detail = switch (status) {
            case 400 -> !violations.isEmpty()
                    ? "The request target is refused: " + violations.stream().map(UriCompliance.Violation::getDescription)
                            .sorted().collect(Collectors.joining("; ")) + "."
                    : "The request is malformed" + (why != null ? " (" + ClientText.forLog(why, 100) + ")" : "")
                            + ": its request line, a header field or its encoding is not valid HTTP/1.1.";
            case 404 -> "No such endpoint.";
            case 405 -> "The method is not allowed here.";
            case 408 -> "The request did not arrive within the server's read timeout.";
            case 413 -> "The request is larger than the server accepts.";
            case 414 -> "The request target is longer than the server accepts (" + maxHeaderBytes
                    + " bytes of request line and header fields).";
            case 431 -> "The request's header fields are larger than the server accepts (" + maxHeaderBytes
                    + " bytes).";
            case 500 -> "The request failed; see the server log.";
            case 501 -> "The server does not implement this method.";
            case 503 -> "The server cannot take the request now; try again later.";
            case 505 -> "Only HTTP/1.0 and HTTP/1.1 are supported.";
            default -> title + ".";
        };
        return Problem.of(status, title, detail);
    }

    /**
     * Jetty's own words for a request its parser refused (an {@link HttpException}, possibly over
     * the URI parser's IllegalArgumentException, such as "Illegal character in path"), or null when
     * they add nothing to the status or the refusal came from elsewhere (an application exception).
     */
    private static String parserReason(String reason, Throwable cause, String title) {
        if (cause != null && !(cause instanceof HttpException)) {
            return null;
        }
        String why = cause != null && cause.getCause() instanceof IllegalArgumentException
                ? cause.getCause().getMessage() : reason;
        return why == null || why.isBlank() || why.equals(title) ? null : why;
    }

    /** What Jetty found wrong with the request's target (encoded NUL, ambiguous '/' or '..'), if anything. */
    private static Collection<UriCompliance.Violation> violations(Request request) {
        HttpURI uri = request == null ? null : request.getHttpURI();
        return uri == null ? List.of() : uri.getViolations();
    }

    private static void headers(HttpFields.Mutable fields, SecurityHeaders headers, int length) {
        headers.applyTo(fields::put);
        fields.put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        fields.put(HttpHeader.CACHE_CONTROL, "no-store");
        fields.put(HttpHeader.CONTENT_LENGTH, Integer.toString(length));
    }

    private static void writeProblem(Request request, Response response, int status, String reason, Throwable cause,
            SecurityHeaders headers, int maxHeaderBytes, boolean close, Callback callback) {
        int code = status < 400 || status > 599 ? 500 : status;
        byte[] body = problem(code, reason, cause, violations(request), maxHeaderBytes).toJson()
                .getBytes(StandardCharsets.UTF_8);
        response.setStatus(code);
        headers(response.getHeaders(), headers, body.length);
        if (close) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static final class ForServer extends ErrorHandler {
        private final SecurityHeaders headers;
        private final int maxHeaderBytes;

        ForServer(SecurityHeaders headers, int maxHeaderBytes) {
            this.headers = headers;
            this.maxHeaderBytes = maxHeaderBytes;
        }

        @Override
        public boolean errorPageForMethod(String method) {
            return true; // every method gets its problem body, invented ones too
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message,
                Throwable cause, Callback callback) {
            // What reaches the server's handler is a request Jetty could not parse: it closes the
            // connection after the answer, and says so, so that no client sends another request on it.
            writeProblem(request, response, code, message, cause, headers, maxHeaderBytes, true, callback);
        }
    }

    private static final class ForContext extends org.eclipse.jetty.ee10.servlet.ErrorHandler {
        private final SecurityHeaders headers;
        private final int maxHeaderBytes;

        ForContext(SecurityHeaders headers, int maxHeaderBytes) {
            this.headers = headers;
            this.maxHeaderBytes = maxHeaderBytes;
        }

        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message,
                Throwable cause, Callback callback) {
            writeProblem(request, response, code, message, cause, headers, maxHeaderBytes, false, callback);
        }
    }
}
