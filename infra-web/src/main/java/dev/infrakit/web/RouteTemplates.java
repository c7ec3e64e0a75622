package dev.infrakit.web;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The route templates of an application, to tag a request's metrics with the route it took rather
 * than the path it asked for, so that a client cannot create a series per path:
 *
 * <pre>{@code
 * RouteTemplates routes = RouteTemplates.of("/api/v1/users", "/api/v1/users/{name}",
 *         "/api/v1/credentials/{app}/versions");
 * routes.match("/api/v1/users/alice");        // "/api/v1/users/{name}"
 * routes.match("/api/v1/users/alice/photo");  // "OTHER"
 * }</pre>
 *
 * <p>A template is a path of segments separated by {@code /}; a segment is either a literal or a
 * variable {@code {name}} that matches exactly one non-empty path segment. {@link #match(String)}
 * returns the template a path matches, or {@link HttpMetricTags#OTHER}: so the tag's values are the
 * templates given here and {@code OTHER}, whatever the clients send.
 *
 * <p><b>Matching.</b> The path is the raw one, as sent (percent-encoded, without the query string),
 * within the application (the Servlet context path removed). Literals match exactly (case
 * matters). Where a literal and a variable could both take a segment, the literal is tried first
 * and the variable if the literal leads nowhere: with {@code /users/me} and {@code /users/{id}},
 * {@code /users/me} is {@code /users/me}. A path matches nothing, and is {@code OTHER}, when it
 * is longer than {@value #MAX_PATH_LENGTH} characters, has more segments than the longest template,
 * an empty segment ({@code //}, a trailing {@code /}), a dot segment ({@code .} or {@code ..}), a
 * character RFC 3986 does not allow in a segment ({@code ?}, {@code ;}, a space, a control
 * character, anything not ASCII) or a percent-encoding of {@code /}, {@code \}, {@code .},
 * {@code %} or a control character ({@code %2F}, {@code %00}, ...). A hostile path costs at most one
 * pass over its first {@value #MAX_PATH_LENGTH} characters.
 *
 * <p>Immutable and thread-safe.
 */
public final class RouteTemplates {
    /** Paths longer than this many characters match no template: {@value}. */
    public static final int MAX_PATH_LENGTH = 2048;

    private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_]*)}");
    /** The characters RFC 3986 allows in a path segment (pchar), without ';' and '%' (checked apart). */
    private static final boolean[] SEGMENT_CHARS = new boolean[128];

    static {
        for (char c : ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@").toCharArray()) {
            SEGMENT_CHARS[c] = true;
        }
    }

    private final List<String> templates;
    private final Node root = new Node();
    /** The segments of the longest template: a path with more matches nothing. */
    private final int maxSegments;

    /** One step of the template tree: the literal segments that may follow, the variable, the template ending here. */
    private static final class Node {
        final Map<String, Node> literals = new HashMap<>();
        Node variable;
        String template;
    }

    private RouteTemplates(String[] given) {
        int deepest = 0;
        for (String template : given) {
            String[] segments = segmentsOf(Objects.requireNonNull(template, "template"));
            Node node = root;
            Set<String> variables = new HashSet<>();
            for (String segment : segments) {
                Matcher variable = VARIABLE.matcher(segment);
                if (variable.matches()) {
                    if (!variables.add(variable.group(1))) {
                        throw new IllegalArgumentException("Route template '" + template + "' names the variable '"
                                + variable.group(1) + "' twice");
                    }
                    node = node.variable != null ? node.variable : (node.variable = new Node());
                } else if (validSegment(segment, 0, segment.length())) {
                    node = node.literals.computeIfAbsent(segment, s -> new Node());
                } else {
                    throw new IllegalArgumentException("Route template '" + template + "' has a segment that is "
                            + "neither a path segment nor a {name} variable: '" + segment + "'");
                }
            }
            if (node.template != null) {
                throw new IllegalArgumentException(node.template.equals(template)
                        ? "Route template '" + template + "' is given twice"
                        : "Route templates '" + node.template + "' and '" + template + "' match the same paths");
            }
            node.template = template;
            deepest = Math.max(deepest, segments.length);
        }
        this.templates = List.of(given);
        this.maxSegments = deepest;
    }

    /**
     * The templates, e.g. {@code of("/api/v1/users", "/api/v1/users/{name}")}. No template at all
     * is allowed: every path is then {@code OTHER}.
     *
     * @throws NullPointerException if the array or a template is null
     * @throws IllegalArgumentException naming the template, if one does not start with {@code /}, is
     *         longer than {@value #MAX_PATH_LENGTH} characters, has an empty segment or a segment
     *         that is neither a valid path segment nor a {@code {name}} variable ({@code name} a
     *         letter, then letters, digits and {@code _}), names a variable twice, or matches the
     *         same paths as another (given twice, or differing only in variable names)
     */
    public static RouteTemplates of(String... templates) {
        return new RouteTemplates(Objects.requireNonNull(templates, "templates").clone());
    }

    private static String[] segmentsOf(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("A route template starts with '/', got '" + template + "'");
        }
        if (template.length() > MAX_PATH_LENGTH) {
            throw new IllegalArgumentException("A route template has at most " + MAX_PATH_LENGTH
                    + " characters, got " + template.length());
        }
        if (template.equals("/")) {
            return new String[0];
        }
        String[] segments = template.substring(1).split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("Route template '" + template
                        + "' has an empty segment (// or a trailing /)");
            }
        }
        return segments;
    }

    /**
     * The template {@code path} matches, or {@link HttpMetricTags#OTHER} if it matches none or is
     * not a path a template can match (see the class description; {@code null} included).
     *
     * @param path the raw path within the application, e.g. {@code /api/v1/users/alice}
     */
    public String match(String path) {
        if (path == null || path.isEmpty() || path.length() > MAX_PATH_LENGTH || path.charAt(0) != '/') {
            return HttpMetricTags.OTHER;
        }
        if (path.length() == 1) {
            return root.template != null ? root.template : HttpMetricTags.OTHER;
        }
        // One pass: where each segment starts, giving up at the first segment too many or a bad one.
        int[] starts = new int[maxSegments];
        int count = 0;
        int start = 1;
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                if (count == maxSegments || !validSegment(path, start, i)) {
                    return HttpMetricTags.OTHER;
                }
                starts[count++] = start;
                start = i + 1;
            }
        }
        String template = walk(root, path, starts, count, 0);
        return template != null ? template : HttpMetricTags.OTHER;
    }

    /**
     * The template below {@code node} that matches segments {@code k} onwards, literal first. Each
     * node of the tree stands for one segment position, so a path visits each node at most once.
     */
    private static String walk(Node node, String path, int[] starts, int count, int k) {
        if (k == count) {
            return node.template;
        }
        if (!node.literals.isEmpty()) {
            int end = k + 1 < count ? starts[k + 1] - 1 : path.length();
            Node literal = node.literals.get(path.substring(starts[k], end));
            if (literal != null) {
                String template = walk(literal, path, starts, count, k + 1);
                if (template != null) {
                    return template;
                }
            }
        }
        return node.variable != null ? walk(node.variable, path, starts, count, k + 1) : null;
    }

    /**
     * Whether {@code s[from, to)} is a segment a template may take: not empty, not a dot segment,
     * RFC 3986 segment characters only, and percent-encodings of none of / \ . % or a control
     * character.
     */
    private static boolean validSegment(String s, int from, int to) {
        if (to == from || s.charAt(from) == '.' && (to - from == 1 || to - from == 2 && s.charAt(from + 1) == '.')) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    return false;
                }
                int high = hex(s.charAt(i + 1));
                int low = hex(s.charAt(i + 2));
                int octet = high * 16 + low;
                if (high < 0 || low < 0 || octet < 0x20 || octet == 0x7f || octet == '/' || octet == '\\'
                        || octet == '.' || octet == '%') {
                    return false;
                }
                i += 2;
            } else if (c >= 128 || !SEGMENT_CHARS[c]) {
                return false;
            }
        }
        return true;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        char upper = (char) (c & ~0x20);
        return upper >= 'A' && upper <= 'F' ? upper - 'A' + 10 : -1;
    }

    /** The templates, in the order given. */
    public List<String> templates() {
        return templates;
    }

    @Override
    public String toString() {
        return "RouteTemplates" + templates;
    }
}
