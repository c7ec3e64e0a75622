package dev.infrakit.examples;

import dev.infrakit.audit.AuditException;
import dev.infrakit.auth.ApiKeyRefusedException;
import dev.infrakit.auth.Principal;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.http.Problem;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.CredentialNotFoundException;
import dev.infrakit.web.BodyTooLargeException;
import dev.infrakit.web.servlet.AuthServletFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code /api/*}: finds the request's route in a {@link RouteTable} (an unknown path is 404, a known
 * path with another method 405 with {@code Allow}), checks the route's roles (401 / 403, a denial
 * recorded {@code auth.denied}) and runs it; every failure is answered here as problem+json.
 * Authentication and rate limits ran before, in infra-web's servlet filters.
 */
final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServlet.class);
    /** What a 503 asks the client to wait (as the library's auth filter). */
    static final String RETRY_AFTER_SECONDS = "5";

    private final transient RouteTable routes;
    private final transient Function<HttpServletRequest, ClientAddress> clients;
    private final transient AuditedChanges audit;

    ApiServlet(RouteTable routes, Function<HttpServletRequest, ClientAddress> clients, AuditedChanges audit) {
        this.routes = routes;
        this.clients = clients;
        this.audit = audit;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        String path = request.getRequestURI();
        Principal principal = AuthServletFilter.principal(request).orElse(null);
        ApiCall call = new ApiCall(request, response, principal, clients.apply(request), Map.of());
        try {
            RouteTable.Match match = routes.match(method, path);
            requireRole(principal, match.route().roles());
            match.route().handler().handle(call.with(match.params()));
        } catch (HttpError e) {
            refused(call, principal, e);
        } catch (CredentialNotFoundException e) {
            // The store's name is internal (apps/<app>): the client is told the app it asked for.
            String name = e.name() == null ? "" : e.name();
            send(response, Problem.of(404, "Not Found", "No credential " + ClientText.forLog(name.startsWith("apps/")
                    ? name.substring(5) : name, 100) + "."), Map.of());
        } catch (ApiKeyRefusedException e) {
            int status = e.reason() == ApiKeyRefusedException.Reason.LIMIT_REACHED ? 409
                    : e.reason() == ApiKeyRefusedException.Reason.NO_SUCH_KEY ? 404 : 403;
            send(response, Problem.of(status, status == 409 ? "Conflict" : status == 404 ? "Not Found" : "Forbidden",
                    e.getMessage()), Map.of());
        } catch (AuditException e) {
            // The action was refused before it took effect (its PENDING event, or a read's event,
            // could not be recorded): nothing changed. Actions that took effect are answered where
            // they are made (OutcomeNotRecordedException), never here.
            auditUnavailable(response, method, path, e);
        } catch (IllegalArgumentException e) {
            send(response, Problem.of(400, "Bad Request", e.getMessage()), Map.of());
        } catch (CredentialException e) {
            if (e.getClass() != CredentialException.class) {
                internalError(response, method, path, e); // an integrity failure or a conflict is not "try later"
                return;
            }
            // The store did not answer (the database is down): nothing was done; not the client's fault.
            LOG.warn("{} {} failed: {}", ClientText.forLog(method, 32), ClientText.forLog(path, 200),
                    ClientText.forLog(e.getMessage(), 1000));
            send(response, Problem.of(503, "Service Unavailable", "The credential store cannot be reached now; try "
                    + "again later."), Map.of("Retry-After", RETRY_AFTER_SECONDS));
        } catch (BodyTooLargeException e) {
            throw e; // the body-limit filter answers 413
        } catch (RuntimeException e) {
            internalError(response, method, path, e);
        }
    }

    private static void requireRole(Principal principal, Set<String> roles) {
        if (roles.isEmpty()) {
            return;
        }
        if (principal == null) {
            throw new HttpError(401, "Unauthorized", "This endpoint needs authentication.",
                    Map.of("WWW-Authenticate", "Bearer"));
        }
        if (roles.stream().noneMatch(principal::hasRole)) {
            throw HttpError.forbidden("This endpoint needs one of the roles " + roles + ".");
        }
    }

    private void refused(ApiCall call, Principal principal, HttpError e) throws IOException {
        HttpServletResponse response = call.response;
        if (e.status == 403 && principal != null) {
            try {
                audit.denied(call, e.getMessage());
            } catch (AuditException refused) {
                auditUnavailable(response, call.method(), call.path(), refused); // still refused, never let through
                return;
            }
        }
        send(response, e.problem(), e.headers);
    }

    private static void internalError(HttpServletResponse response, String method, String path, RuntimeException e)
            throws IOException {
        LOG.error("{} {} failed", ClientText.forLog(method, 32), ClientText.forLog(path, 200), e);
        send(response, Problem.of(500, "Internal Server Error", "The request failed; see the server log."), Map.of());
    }

    private static void auditUnavailable(HttpServletResponse response, String method, String path, AuditException e)
            throws IOException {
        LOG.warn("{} {} refused: audit unavailable: {}", ClientText.forLog(method, 32), ClientText.forLog(path, 200),
                ClientText.forLog(e.getMessage(), 1000));
        send(response, Problem.of(503, "Audit unavailable", "The audit trail cannot record this request now, so it "
                + "was refused and nothing was changed; try again later."), Map.of("Retry-After", RETRY_AFTER_SECONDS));
    }

    /**
     * Answers {@code problem} with {@code headers}, keeping what the filters set (security and
     * rate-limit headers); what a route may have buffered is dropped. A response already committed
     * cannot change: it is left as it is.
     */
    static void send(HttpServletResponse response, Problem problem, Map<String, String> headers) throws IOException {
        if (response.isCommitted()) {
            LOG.warn("The response was committed; the problem {} could not be sent", problem.status());
            return;
        }
        response.resetBuffer();
        byte[] body = problem.toJson().getBytes(StandardCharsets.UTF_8);
        headers.forEach(response::setHeader);
        response.setStatus(problem.status());
        response.setContentType(Problem.MEDIA_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /**
     * The API's routes: method and path template ({@code /api/v1/credentials/{app}}) to handler and
     * the roles that may call it (none: anyone). Path parameters are percent-decoded and checked
     * against their rule before the role check, so a malformed name is a 400 naming it.
     */
    static final class RouteTable {
        /** What a route does. */
        @FunctionalInterface
        interface Handler {
            void handle(ApiCall call) throws IOException;
        }

        /** One method on one path template. */
        record Route(String method, PathTemplate template, Set<String> roles, Handler handler) {
        }

        /** A route and the request's path parameters. */
        record Match(Route route, Map<String, String> params) {
        }

        private final List<Route> routes = new java.util.ArrayList<>();
        private final Map<String, PathTemplate.Rule> rules = new LinkedHashMap<>();

        /** Path parameter {@code {name}} must match {@code rule}, else 400 with {@code message}. */
        RouteTable param(String name, java.util.regex.Pattern rule, String message) {
            rules.put(name, new PathTemplate.Rule(rule, message));
            return this;
        }

        /** Adds {@code method template}, callable with one of {@code roles} (none: by anyone). */
        RouteTable add(String method, String template, Set<String> roles, Handler handler) {
            routes.add(new Route(method, PathTemplate.of(template, rules), Set.copyOf(roles), handler));
            return this;
        }

        /** Every path template, in the order added (the request metrics' route tags). */
        List<String> templates() {
            return routes.stream().map(r -> r.template().text()).distinct().collect(Collectors.toList());
        }

        Match match(String method, String path) {
            boolean known = false;
            for (Route r : routes) {
                if (r.template().matches(path)) {
                    known = true;
                    if (r.method().equals(method)) {
                        return new Match(r, r.template().params(path));
                    }
                }
            }
            if (!known) {
                throw HttpError.notFound("No such endpoint: " + ClientText.forLog(method, 32) + " "
                        + ClientText.forLog(path, 200));
            }
            String allow = routes.stream().filter(r -> r.template().matches(path)).map(Route::method).distinct()
                    .collect(Collectors.joining(", "));
            throw new HttpError(405, "Method Not Allowed", ClientText.forLog(method, 32) + " is not allowed here; "
                    + "use " + allow + ".", Map.of("Allow", allow));
        }
    }
}
