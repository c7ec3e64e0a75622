package dev.infrakit.web.servlet;

import dev.infrakit.core.http.Problem;
import dev.infrakit.web.SecurityHeaders;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Writes RFC 9457 problem answers ({@code application/problem+json}, {@code Cache-Control:
 * no-store}) to Servlet responses, with the {@link SecurityHeaders}: what every Infrakit servlet
 * filter answers an error with. Immutable and thread-safe.
 */
public final class ProblemResponses {
    private static final ProblemResponses DEFAULTS = new ProblemResponses(SecurityHeaders.defaults());

    private static final Consumer<BiConsumer<String, String>> NO_HEADERS = setter -> { };

    private final SecurityHeaders headers;

    private ProblemResponses(SecurityHeaders headers) {
        this.headers = headers;
    }

    /** Problem answers carrying {@link SecurityHeaders#defaults()}. */
    public static ProblemResponses defaults() {
        return DEFAULTS;
    }

    /**
     * Problem answers carrying {@code headers}.
     *
     * @throws NullPointerException if {@code headers} is null
     */
    public static ProblemResponses with(SecurityHeaders headers) {
        return new ProblemResponses(Objects.requireNonNull(headers, "headers"));
    }

    /** The security headers every answer carries. */
    public SecurityHeaders securityHeaders() {
        return headers;
    }

    /**
     * Answers {@code problem} on {@code response}: whatever the response held (status, headers,
     * buffered body) is replaced, then the security headers, the problem's status and its JSON body
     * (with its exact {@code Content-Length}) are written and the response is flushed.
     *
     * @throws IllegalStateException if the response is already committed (its status went out;
     *     nothing can replace it)
     * @throws IOException if writing the body fails
     * @throws NullPointerException if an argument is null
     */
    public void send(HttpServletResponse response, Problem problem) throws IOException {
        send(response, problem, false);
    }

    /** {@link #send(HttpServletResponse, Problem)}, with {@code Connection: close} when {@code close}. */
    void send(HttpServletResponse response, Problem problem, boolean close) throws IOException {
        Objects.requireNonNull(problem, "problem");
        send(response, problem.status(), problem.toJson(), close, NO_HEADERS);
    }

    /**
     * Writes a problem body already rendered as JSON (infra-ratelimit's 429 body), with the
     * headers and status a {@link Problem} would get, and {@code extra} headers (set after the
     * reset, so they are kept): {@code extra} gives them to the setter it is handed, as
     * {@code Map::forEach} or {@code RateLimitGate.Admission::applyHeaders} do.
     */
    void send(HttpServletResponse response, int status, String json, boolean close,
              Consumer<BiConsumer<String, String>> extra) throws IOException {
        Objects.requireNonNull(response, "response");
        if (response.isCommitted()) {
            throw new IllegalStateException("The response is already committed; cannot answer " + status);
        }
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        response.reset();
        headers.applyTo(response::setHeader);
        response.setStatus(status);
        response.setContentType(Problem.MEDIA_TYPE);
        response.setHeader("Cache-Control", "no-store");
        extra.accept(response::setHeader);
        if (close) {
            response.setHeader("Connection", "close");
        }
        response.setContentLength(body.length);
        OutputStream out = response.getOutputStream();
        out.write(body);
        out.flush();
    }
}
