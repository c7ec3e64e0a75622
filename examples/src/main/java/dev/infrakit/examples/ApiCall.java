package dev.infrakit.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.audit.Actor;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.Principal;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.QueryParameters;
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.web.BodyTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One API request as a route sees it: its path parameters, its principal (present once the route's
 * role check passed), who the client is, the JSON body, and the answer. One thread at a time.
 */
final class ApiCall {
    static final ObjectMapper JSON = new ObjectMapper();

    final HttpServletRequest request;
    final HttpServletResponse response;
    private final Principal principal;
    private final ClientAddress client;
    private final Map<String, String> params;

    ApiCall(HttpServletRequest request, HttpServletResponse response, Principal principal, ClientAddress client,
            Map<String, String> params) {
        this.request = request;
        this.response = response;
        this.principal = principal;
        this.client = client;
        this.params = params;
    }

    /** The decoded, validated path parameter {@code {name}} of the route. */
    String param(String name) {
        String value = params.get(name);
        if (value == null) {
            throw new IllegalStateException("The route has no parameter " + name);
        }
        return value;
    }

    /** The authenticated caller; routes open to anonymous callers do not ask. */
    Principal principal() {
        if (principal == null) {
            throw new IllegalStateException("An anonymous request reached a route that needs a principal");
        }
        return principal;
    }

    /** This call with the route's path parameters. */
    ApiCall with(Map<String, String> routeParams) {
        return new ApiCall(request, response, principal, client, routeParams);
    }

    /** This call acting as {@code principal} (a login's user, once the password matched). */
    ApiCall as(Principal principal) {
        return new ApiCall(request, response, principal, client, params);
    }

    String method() {
        return request.getMethod();
    }

    /** The request's path as sent (not decoded). */
    String path() {
        return request.getRequestURI();
    }

    ClientAddress client() {
        return client;
    }

    String userAgent() {
        return request.getHeader("User-Agent");
    }

    /** Who acts: the authenticated user, from the client's address, with its user agent. */
    Actor actor() {
        return Actor.user(principal().subject()).fromClient(client.text(), userAgent());
    }

    /** The caller of an API-key operation: its principal, address and user agent (for the audit events). */
    ApiKeys.Caller caller() {
        return new ApiKeys.Caller(principal(), client.text(), userAgent());
    }

    /** Runs {@code body} with the credential store's audit records naming this caller. */
    <T> T acting(Supplier<T> body) {
        AuditedCredentialStore.Scope scope = AuditedCredentialStore.actingAs(actor());
        try {
            return body.get();
        } finally {
            scope.close();
        }
    }

    /**
     * The query parameters, strictly: malformed encoding, invalid UTF-8, control characters, a
     * repeated or over-long parameter are a 400 naming it (IllegalArgumentException), never a value
     * reaching SQL or a record.
     */
    Map<String, String> query() {
        return QueryParameters.parse(request.getQueryString(), 256).asMap();
    }

    /**
     * The body as a JSON object: 415 unless {@code application/json}, 400 when it is not a JSON
     * object, 408 when it does not arrive within the server's read timeout. A body over the limit
     * is left to the body-limit filter (413).
     */
    JsonNode body() throws IOException {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new HttpError(415, "Unsupported Media Type", "Send the body as application/json.");
        }
        JsonNode node;
        try (InputStream in = request.getInputStream()) {
            node = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw HttpError.badRequest("The body is not valid JSON.");
        } catch (BodyTooLargeException e) {
            throw e;
        } catch (IOException e) {
            throw unread(e);
        }
        if (node == null || !node.isObject()) {
            throw HttpError.badRequest("The body must be a JSON object.");
        }
        return node;
    }

    /** A body that could not be read: it stalled past the read timeout (408) or ended early (400). */
    private static HttpError unread(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return new HttpError(408, "Request Timeout", "The request body did not arrive within the read timeout.",
                        Map.of("Connection", "close"));
            }
        }
        return new HttpError(400, "Bad Request", "The request body ended before its declared length.",
                Map.of("Connection", "close"));
    }

    /** The string field {@code field} of {@code body}; 400 naming it when missing, empty or not a string. */
    static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw HttpError.badRequest("The field '" + field + "' is required (a string).");
        }
        return n.asText();
    }

    void header(String name, String value) {
        response.setHeader(name, value);
    }

    /** Answers {@code body} as {@code application/json}, not to be cached. */
    void json(int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** Answers {@code status} without a body. */
    void empty(int status) {
        response.setStatus(status);
    }
}
