package dev.infrakit.core.http;

/**
 * Bounds text a client controls (a header, a path, a method) before it reaches an audit record, a
 * log line or a metric: too long is cut with a {@linkplain #TRUNCATED marker}, and for logs every
 * control character is escaped ({@link #forLog}), so a value can neither fill the log nor forge a
 * line. Used where
 * Infrakit builds audit events and log lines from HTTP requests; hosts may use it the same way.
 * Stateless and thread-safe.
 */
public final class ClientText {
    /** What ends a value that was cut: the reader sees that it was longer. */
    public static final String TRUNCATED = "…[truncated]";

    private ClientText() {
    }

    /**
     * {@code value} if it has at most {@code maxLength} characters, else its start followed by
     * {@link #TRUNCATED}, {@code maxLength} characters in all (a surrogate pair is never split).
     *
     * @param value the client's text, or {@code null}
     * @param maxLength the most characters returned, at least {@code TRUNCATED.length() + 1}
     * @return {@code null} for {@code null}
     * @throws IllegalArgumentException if {@code maxLength} leaves no room for the marker
     */
    public static String truncate(String value, int maxLength) {
        if (maxLength <= TRUNCATED.length()) {
            throw new IllegalArgumentException("maxLength must be more than " + TRUNCATED.length() + ", got " + maxLength);
        }
        if (value == null || value.length() <= maxLength) {
            return value;
        }
        int keep = maxLength - TRUNCATED.length();
        if (Character.isHighSurrogate(value.charAt(keep - 1))) {
            keep--;
        }
        return value.substring(0, keep) + TRUNCATED;
    }

    /**
     * {@code value} fit for one log line: every control character (C0 including ESC, DEL, C1
     * including NEL U+0085, and the line and paragraph separators U+2028 / U+2029) is written as a
     * visible escape ({@code \n}, {@code \r}, {@code \t}, else <code>&#92;u</code> and four hex digits,
     * e.g. <code>&#92;u001b</code> for ESC), and a backslash as two, so the text can neither end the line, forge a
     * new one, nor drive a terminal, and no escape in the output can have been typed by the client.
     * The result has at most {@code maxLength} characters: a longer one is cut (never inside an
     * escape or a surrogate pair) and ends with {@link #TRUNCATED}. Use it for every value from
     * outside (a client, a notification, a server's error message, a credential name) that reaches
     * a log line.
     *
     * @param value the text, or {@code null}
     * @param maxLength the most characters returned, more than {@code TRUNCATED.length()}
     * @return {@code "null"} for {@code null}
     * @throws IllegalArgumentException if {@code maxLength} leaves no room for the marker
     */
    public static String forLog(String value, int maxLength) {
        if (maxLength <= TRUNCATED.length()) {
            throw new IllegalArgumentException("maxLength must be more than " + TRUNCATED.length() + ", got " + maxLength);
        }
        if (value == null) {
            return "null";
        }
        int n = value.length();
        if (n <= maxLength && isPlain(value)) {
            return value;
        }
        // Escape at most maxLength input characters (each yields at least one output character), and
        // remember the last piece boundary that leaves room for the marker.
        int budget = maxLength - TRUNCATED.length();
        int end = Math.min(n, maxLength);
        StringBuilder b = new StringBuilder(Math.min(maxLength, end + 16));
        int cut = 0;
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (isControl(c)) {
                switch (c) {
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
                        b.append(String.format("\\u%04x", (int) c));
                }
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(value.charAt(i + 1))) {
                b.append(c).append(value.charAt(++i));
            } else {
                b.append(c);
            }
            if (b.length() <= budget) {
                cut = b.length();
            }
            if (b.length() > maxLength) {
                break;
            }
        }
        if (end == n && b.length() <= maxLength) {
            return b.toString();
        }
        b.setLength(cut);
        return b.append(TRUNCATED).toString();
    }

    private static boolean isPlain(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || isControl(c)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code c} is a control character: C0, DEL, C1, or a line or paragraph separator. */
    public static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
