package dev.infrakit.web;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthJson;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthReport;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;

/**
 * The health endpoint of a {@link HealthRegistry}, written once for every server adapter (the JDK
 * {@code HealthHandler} and the {@code HealthServlet}): given a request's method and its path under
 * the endpoint, the {@link Answer} to write.
 *
 * <ul>
 *   <li>{@code ""} (the endpoint itself) reports every check, {@code live} the
 *       {@link HealthCheck#LIVENESS} group, {@code ready} the {@link HealthCheck#READINESS} group,
 *       and any other name a group that has checks; leading and trailing slashes are ignored;</li>
 *   <li>a report is {@code application/health+json} with status 200 for UP and DEGRADED, 503 for
 *       DOWN (a critical check down; a non-critical one only degrades);</li>
 *   <li>another subpath is 404, a method other than GET and HEAD 405 with {@code Allow: GET, HEAD},
 *       and a registry that fails (closed) 500; each as problem+json naming what was wrong;</li>
 *   <li>every answer carries {@code Cache-Control: no-store}; a HEAD answer has no body.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class HealthEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(HealthEndpoint.class);
    private static final Map<String, String> NO_STORE = Map.of("Cache-Control", "no-store");

    private final HealthRegistry registry;

    private HealthEndpoint(HealthRegistry registry) {
        this.registry = registry;
    }

    /**
     * The endpoint of {@code registry}.
     *
     * @throws NullPointerException if {@code registry} is null
     */
    public static HealthEndpoint of(HealthRegistry registry) {
        return new HealthEndpoint(Objects.requireNonNull(registry, "registry"));
    }

    /**
     * The answer to {@code method} on {@code subpath} (the path under the endpoint, {@code null} or
     * empty for the endpoint itself). Runs the checks; never throws for what a client sent.
     *
     * @throws NullPointerException if {@code method} is null
     */
    public Answer answer(String method, String subpath) {
        Objects.requireNonNull(method, "method");
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) {
            return new Answer(Problem.of(405, "Method Not Allowed", "The method " + ClientText.forLog(method, 32)
                    + " is not allowed here; use GET or HEAD."), false, Map.of("Allow", "GET, HEAD",
                    "Cache-Control", "no-store"));
        }
        String rest = subpath == null ? "" : subpath.replaceAll("^/+|/+$", "");
        try {
            if (rest.isEmpty()) {
                return new Answer(registry.check(), head);
            }
            String group = "live".equals(rest) ? HealthCheck.LIVENESS
                    : "ready".equals(rest) ? HealthCheck.READINESS : rest;
            boolean builtIn = group.equals(HealthCheck.LIVENESS) || group.equals(HealthCheck.READINESS);
            if (rest.contains("/") || (!builtIn && !registry.hasGroup(group))) {
                return new Answer(Problem.of(404, "Not Found", "No health group '" + ClientText.forLog(rest, 64)
                        + "'; there are live, ready and the registered groups."), head, NO_STORE);
            }
            return new Answer(registry.check(group), head);
        } catch (RuntimeException e) {
            LOG.error("Health endpoint failed", e);
            return new Answer(Problem.of(500, "Internal Server Error", "The health checks could not be run; see the "
                    + "server log."), head, NO_STORE);
        }
    }

    @Override
    public String toString() {
        return "HealthEndpoint[" + registry + "]";
    }

    /** What to answer: status, media type, headers and body (empty for HEAD). Immutable. */
    public static final class Answer {
        private final int status;
        private final String contentType;
        private final String body;
        private final Map<String, String> headers;

        private Answer(HealthReport report, boolean head) {
            this(report.httpStatus(), HealthJson.MEDIA_TYPE, head ? "" : report.toJson(), NO_STORE);
        }

        private Answer(Problem problem, boolean head, Map<String, String> headers) {
            this(problem.status(), Problem.MEDIA_TYPE, head ? "" : problem.toJson(), headers);
        }

        private Answer(int status, String contentType, String body, Map<String, String> headers) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
            this.headers = headers;
        }

        /** The HTTP status. */
        public int status() {
            return status;
        }

        /** {@code application/health+json} for a report, {@code application/problem+json} otherwise. */
        public String contentType() {
            return contentType;
        }

        /** The body; empty for a HEAD request. */
        public String body() {
            return body;
        }

        /** The headers besides {@code Content-Type}: {@code Cache-Control}, and {@code Allow} on a 405. */
        public Map<String, String> headers() {
            return headers;
        }

        @Override
        public String toString() {
            return "Answer[" + status + " " + contentType + "]";
        }
    }
}
