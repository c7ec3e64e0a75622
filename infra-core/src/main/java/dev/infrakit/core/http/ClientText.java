package dev.infrakit.core.http;

/**
 * Bounds text a client controls (a header, a path, a method) before it reaches an audit record, a
 * log line or a metric: too long is cut with a {@linkplain #TRUNCATED marker}, and for logs every
 * control character is replaced, so a value can neither fill the log nor forge a line. Used where
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
     * {@code value} fit for a log line: truncated as {@link #truncate}, every control character
     * (C0, DEL, C1, line and paragraph separators) replaced by {@code ?}.
     *
     * @return {@code "null"} for {@code null}
     */
    public static String forLog(String value, int maxLength) {
        if (value == null) {
            return "null";
        }
        String cut = truncate(value, maxLength);
        StringBuilder b = null;
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (isControl(c)) {
                if (b == null) {
                    b = new StringBuilder(cut);
                }
                b.setCharAt(i, '?');
            }
        }
        return b == null ? cut : b.toString();
    }

    /** Whether {@code c} is a control character: C0, DEL, C1, or a line or paragraph separator. */
    public static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
