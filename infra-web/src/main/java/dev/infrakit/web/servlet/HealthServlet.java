package dev.infrakit.web.servlet;

import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.web.HealthEndpoint;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Serves a {@link HealthRegistry} in any Servlet container, answering what {@link HealthEndpoint}
 * says for the request's path info: mapped at {@code /health/*}, {@code /health} reports every
 * check, {@code /health/live} and {@code /health/ready} the liveness and readiness groups, and
 * {@code /health/<group>} any other registered group; another subpath is 404, a method other than
 * GET and HEAD 405 with {@code Allow}, both problem+json. Every answer carries the security headers
 * of its {@link ProblemResponses} and {@code Cache-Control: no-store}.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(HealthServlet.of(registry)), "/health/*");
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient HealthEndpoint endpoint;
    private final transient ProblemResponses problems;

    private HealthServlet(HealthEndpoint endpoint, ProblemResponses problems) {
        this.endpoint = endpoint;
        this.problems = problems;
    }

    /**
     * A servlet serving {@code registry}, with {@link ProblemResponses#defaults()}' security headers.
     *
     * @throws NullPointerException if {@code registry} is null
     */
    public static HealthServlet of(HealthRegistry registry) {
        return new HealthServlet(HealthEndpoint.of(registry), ProblemResponses.defaults());
    }

    /**
     * A servlet serving {@code registry}, with {@code problems}' security headers.
     *
     * @throws NullPointerException if an argument is null
     */
    public static HealthServlet of(HealthRegistry registry, ProblemResponses problems) {
        return new HealthServlet(HealthEndpoint.of(registry), Objects.requireNonNull(problems, "problems"));
    }

    /** Answers every method here: GET and HEAD get a report, others 405 (not the container's page). */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        HealthEndpoint.Answer answer = endpoint.answer(method, request.getPathInfo());
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        // No reset: headers a filter before set (RateLimit, a request id) stay; these replace their namesakes.
        problems.securityHeaders().applyTo(response::setHeader);
        answer.headers().forEach(response::setHeader);
        response.setStatus(answer.status());
        response.setContentType(answer.contentType());
        if ("HEAD".equals(method)) {
            return;
        }
        response.setContentLength(body.length);
        OutputStream out = response.getOutputStream();
        out.write(body);
        out.flush();
    }
}
