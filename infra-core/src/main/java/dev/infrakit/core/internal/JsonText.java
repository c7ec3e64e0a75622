package dev.infrakit.core.internal;

import java.lang.reflect.Array;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Writes the little JSON infra-core sends (health reports, problem answers, webhook bodies) by
 * hand, so that core needs no JSON library at run time.
 *
 * <p>Strings are escaped so the result is valid JSON and encodes to valid UTF-8 whatever a string
 * holds: {@code "} and {@code \} are escaped, the C0 controls (NUL included) are written as
 * {@code \b \t \n \f \r} or <code>&#92;u00XX</code>, the line and paragraph separators U+2028
 * and U+2029 as <code>&#92;u2028</code> and <code>&#92;u2029</code> (so the text is also safe
 * inside a script), and a surrogate without its partner as <code>&#92;ufffd</code>, the
 * replacement character, as infra-audit does for events: I-JSON (RFC 7493 §2.1) forbids unpaired
 * surrogates, no UTF-8 encoder can encode one, and Jackson 2.21.2+ refuses their escapes in member
 * names (jackson-core#1541), so a report or problem answer stays readable by every parser.
 *
 * <p>Values: {@code null}, strings and characters, booleans, numbers (a non-finite double as the
 * string {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"}, as Jackson does by default),
 * maps (keys as text, in iteration order), iterables, arrays, {@link Optional}s (empty as
 * {@code null}) and enums (their name); anything else as the string of its {@code toString()}.
 * Stateless and thread-safe.
 */
public final class JsonText {
    private static final Pattern JSON_NUMBER = Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonText() {
    }

    /** {@code value} as a JSON document. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder(64);
        append(out, value);
        return out.toString();
    }

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        appendQuoted(out, s);
        return out.toString();
    }

    /** Appends {@code value} as JSON to {@code out}. */
    public static void append(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence || value instanceof Character) {
            appendQuoted(out, value.toString());
        } else if (value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isFinite(d)) {
                out.append(value);
            } else {
                appendQuoted(out, value.toString());
            }
        } else if (value instanceof Number) {
            String text = value.toString();
            if (JSON_NUMBER.matcher(text).matches()) {
                out.append(text);
            } else {
                appendQuoted(out, text);
            }
        } else if (value instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                appendQuoted(out, String.valueOf(entry.getKey()));
                out.append(':');
                append(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof Iterable) {
            out.append('[');
            boolean first = true;
            for (Object element : (Iterable<?>) value) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                append(out, element);
            }
            out.append(']');
        } else if (value.getClass().isArray()) {
            out.append('[');
            for (int i = 0, n = Array.getLength(value); i < n; i++) {
                if (i > 0) {
                    out.append(',');
                }
                append(out, Array.get(value, i));
            }
            out.append(']');
        } else if (value instanceof Optional) {
            append(out, ((Optional<?>) value).orElse(null));
        } else if (value instanceof Enum) {
            appendQuoted(out, ((Enum<?>) value).name());
        } else {
            appendQuoted(out, value.toString());
        }
    }

    /** Appends {@code s} as a JSON string literal, escaped as described above. */
    public static void appendQuoted(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\b':
                    out.append("\\b");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\u2028':
                case '\u2029':
                    unicodeEscape(out, c);
                    break;
                default:
                    if (c < 0x20) {
                        unicodeEscape(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        unicodeEscape(out, '\ufffd');
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    private static void unicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
    }
}
