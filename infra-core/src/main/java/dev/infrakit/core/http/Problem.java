package dev.infrakit.core.http;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An RFC 9457 problem-details response ({@code application/problem+json}): the way every Infrakit
 * HTTP filter and handler answers an error, with a title and a detail a client can show, and never
 * a stack trace.
 */
public final class Problem {
    /** The media type of problem details. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private final int status;
    private final String title;
    private final String detail;

    private Problem(int status, String title, String detail) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("A problem's status is 4xx or 5xx, got " + status);
        }
        this.status = status;
        this.title = Objects.requireNonNull(title, "title");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    /** A problem with this status, short title (e.g. {@code Payload Too Large}) and detail. */
    public static Problem of(int status, String title, String detail) {
        return new Problem(status, title, detail);
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The JSON body. */
    public String toJson() {
        return "{\"type\":\"about:blank\",\"title\":" + quote(title) + ",\"status\":" + status + ",\"detail\":"
                + quote(detail) + "}";
    }

    /** Sends this problem as the response to {@code exchange} and closes it. */
    public void send(HttpExchange exchange) throws IOException {
        byte[] body = toJson().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", MEDIA_TYPE);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        exchange.close();
    }

    /** A JSON string literal (quotes, backslashes and control characters escaped). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public String toString() {
        return status + " " + title + ": " + detail;
    }
}
