package dev.infrakit.core.http;


import dev.infrakit.core.Arguments;
import dev.infrakit.core.internal.JsonText;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An RFC 9457 problem-details response ({@code application/problem+json}): the way every Infrakit
 * HTTP filter and handler answers an error, with a title and a detail a client can show, and never
 * a stack trace. Extension members ({@link #with(String, Object)}) carry what a client can act on,
 * such as a rate limit's retry delay. Immutable.
 */
public final class Problem {
    /** The media type of problem details. */
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final Set<String> STANDARD_MEMBERS = Set.of("type", "title", "status", "detail", "instance");

    private final int status;
    private final String title;
    private final String detail;
    private final Map<String, Object> extensions;

    private Problem(int status, String title, String detail, Map<String, Object> extensions) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("A problem's status is 4xx or 5xx, got " + status);
        }
        this.status = status;
        this.title = Objects.requireNonNull(title, "title");
        this.detail = Objects.requireNonNull(detail, "detail");
        this.extensions = extensions;
    }

    /** A problem with this status, short title (e.g. {@code Payload Too Large}) and detail. */
    public static Problem of(int status, String title, String detail) {
        return new Problem(status, title, detail, Map.of());
    }

    /**
     * A copy with the extension member {@code name} (RFC 9457, section 3.2), written after the
     * standard members in the order added. {@code value} is written as JSON: a string, number,
     * boolean, or a list or map of them as such, anything else as the string of its
     * {@code toString()}.
     *
     * @throws IllegalArgumentException if {@code name} is empty or a standard member ({@code type},
     *     {@code title}, {@code status}, {@code detail}, {@code instance})
     * @throws IllegalStateException if this problem already has a member {@code name}
     * @throws NullPointerException if {@code name} or {@code value} is null
     */
    public Problem with(String name, Object value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value of " + name);
        if (name.isEmpty() || STANDARD_MEMBERS.contains(name)) {
            throw new IllegalArgumentException("An extension member needs a name other than the standard "
                    + "type, title, status, detail and instance, got \"" + name + "\"");
        }
        Arguments.setOnce(extensions.get(name), "extension member " + name);
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(name, value);
        return new Problem(status, title, detail, Collections.unmodifiableMap(more));
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The JSON body: the standard members, then the extension members in the order added. */
    public String toJson() {
        StringBuilder out = new StringBuilder(128).append("{\"type\":\"about:blank\",\"title\":");
        JsonText.appendQuoted(out, title);
        out.append(",\"status\":").append(status).append(",\"detail\":");
        JsonText.appendQuoted(out, detail);
        for (Map.Entry<String, Object> member : extensions.entrySet()) {
            out.append(',');
            JsonText.appendQuoted(out, member.getKey());
            out.append(':');
            JsonText.append(out, member.getValue());
        }
        return out.append('}').toString();
    }

    @Override
    public String toString() {
        return status + " " + title + ": " + detail;
    }
}
