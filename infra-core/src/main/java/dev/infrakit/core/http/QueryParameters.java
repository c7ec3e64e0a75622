package dev.infrakit.core.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A request's query parameters, decoded strictly so that hostile values become a 400 naming the
 * parameter instead of reaching SQL, a log line or an audit record: percent-encoding must be
 * well-formed and the bytes valid UTF-8 ({@code URLDecoder} silently turns both into U+FFFD or
 * throws a message that names no parameter), no name may repeat (which of two values a component
 * would use is not the client's guess to make), values hold no control characters (NUL included) and
 * at most a maximum length. {@code +} is a space, as in HTML forms. Immutable and thread-safe.
 *
 * <pre>{@code
 * QueryParameters q = QueryParameters.parse(exchange.getRequestURI().getRawQuery(), 256);
 * Optional<String> actor = q.get("actor");
 * }</pre>
 */
public final class QueryParameters {
    private final Map<String, String> values;

    private QueryParameters(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Parses a raw (still percent-encoded) query string; {@code null} or empty has no parameters.
     * A pair without {@code =} is a parameter with an empty value.
     *
     * @param rawQuery the query as sent, e.g. {@code URI.getRawQuery()}
     * @param maxValueLength the most characters a value (and a name) may have after decoding, 1 or more
     * @throws IllegalArgumentException naming the parameter (never quoting its value) if a name or
     *     value is not well-formed percent-encoded UTF-8, holds a control character, is longer than
     *     {@code maxValueLength}, or a name repeats
     */
    public static QueryParameters parse(String rawQuery, int maxValueLength) {
        if (maxValueLength < 1) {
            throw new IllegalArgumentException("maxValueLength must be at least 1, got " + maxValueLength);
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return new QueryParameters(values);
        }
        int position = 0;
        for (String pair : rawQuery.split("&", -1)) {
            position++;
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name = decode(rawName, maxValueLength, "query parameter " + position + " has a name that");
            String label = "query parameter '" + ClientText.forLog(name, 64) + "'";
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), maxValueLength, label);
            if (values.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException(label + " is given more than once");
            }
        }
        return new QueryParameters(values);
    }

    private static String decode(String raw, int maxLength, String label) {
        if (raw.length() > 3 * maxLength) {
            throw new IllegalArgumentException(label + " is longer than " + maxLength + " characters");
        }
        byte[] bytes = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = high < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
                if (low < 0) {
                    throw new IllegalArgumentException(label + " is not valid percent-encoding (% needs two hex digits)");
                }
                bytes[n++] = (byte) (high << 4 | low);
                i += 2;
            } else if (c == '+') {
                bytes[n++] = ' ';
            } else if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else {
                throw new IllegalArgumentException(label + " holds a character that is not percent-encoded");
            }
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(label + " is not valid UTF-8");
        }
        if (text.length() > maxLength) {
            throw new IllegalArgumentException(label + " is longer than " + maxLength + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            if (ClientText.isControl(text.charAt(i))) {
                throw new IllegalArgumentException(label + " holds a control character (at " + i + ")");
            }
        }
        return text;
    }

    /** The value of parameter {@code name}, if given. */
    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** Whether parameter {@code name} was given. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** Every parameter, in the order given. */
    public Map<String, String> asMap() {
        return values;
    }

    @Override
    public String toString() {
        return "QueryParameters" + values.keySet();
    }
}
