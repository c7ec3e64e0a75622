package dev.infrakit.web;

import java.util.Set;

/**
 * The tag values of the HTTP request timer ({@value #METRIC_NAME}), each from a fixed set whatever
 * the client sends: the method, the status and the outcome here, the route template from
 * {@link RouteTemplates#match(String)}.
 *
 * <p>Why a fixed set: every distinct tag value is a new series, and a timer with percentiles costs
 * several series and kilobytes of heap. A tag taken from the request as it came (an invented
 * method, a path holding an id) lets one client create series without end until the heap or the
 * monitoring system gives out. With these values the series of one route number at most
 * 10 methods × 501 statuses, and in practice the handful of statuses a route answers.
 *
 * <p>Stateless and thread-safe; needs neither a server API nor Micrometer.
 */
public final class HttpMetricTags {
    /** The name of the request timer the adapters record: {@value}. */
    public static final String METRIC_NAME = "http.server.requests";

    /** The value of a tag whose input is outside its fixed set: {@value}. */
    public static final String OTHER = "OTHER";

    /**
     * The methods that get their own tag value (RFC 9110's and PATCH); any other is
     * {@link #OTHER}.
     */
    public static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
            "TRACE", "CONNECT");

    private HttpMetricTags() {
    }

    /**
     * The method tag: {@code method} if it is one of {@link #METHODS} (exactly: methods are
     * case-sensitive, so {@code get} is {@link #OTHER}), else {@link #OTHER} (also for
     * {@code null}).
     */
    public static String method(String method) {
        return method != null && METHODS.contains(method) ? method : OTHER;
    }

    /**
     * The status tag: the code in decimal if it is 100 to 599, else {@link #OTHER} (a status no
     * HTTP response can carry, e.g. -1 when none was sent).
     */
    public static String status(int status) {
        return status >= 100 && status <= 599 ? Integer.toString(status) : OTHER;
    }

    /**
     * The outcome tag, the class of the status as Spring's and Micrometer's own HTTP metrics name
     * it: {@code INFORMATIONAL} (1xx), {@code SUCCESS} (2xx), {@code REDIRECTION} (3xx),
     * {@code CLIENT_ERROR} (4xx), {@code SERVER_ERROR} (5xx), and {@code UNKNOWN} outside
     * 100 to 599.
     */
    public static String outcome(int status) {
        if (status < 100 || status > 599) {
            return "UNKNOWN";
        }
        return switch (status / 100) {
            case 1 -> "INFORMATIONAL";
            case 2 -> "SUCCESS";
            case 3 -> "REDIRECTION";
            case 4 -> "CLIENT_ERROR";
            default -> "SERVER_ERROR";
        };
    }
}
