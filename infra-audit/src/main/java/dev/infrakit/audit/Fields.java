package dev.infrakit.audit;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validation of audit event fields, with messages that name the field and never echo a value.
 *
 * <p>Text is made canonical here, when the event is built: a lone surrogate (a Java string may hold
 * one, UTF-8 cannot encode it, and encoders disagree on what to write instead: {@code ?}, U+FFFD,
 * an exception) becomes U+FFFD, so every sink encodes, MACs and stores the same bytes. Everything
 * else, control characters included, is kept: JSON escapes them, and the PostgreSQL sink maps NUL in
 * its plain text columns.
 */
final class Fields {
    static final int MAX_DETAIL_ENTRIES = 64;
    static final int MAX_DETAIL_STRING = 4096;
    static final int MAX_DEPTH = 5;

    private Fields() {
    }

    static String text(String field, String value, int maxLength, boolean required) {
        if (value == null) {
            if (required) {
                throw new AuditException("Audit event field '" + field + "' is required");
            }
            return null;
        }
        if (required && value.isBlank()) {
            throw new AuditException("Audit event field '" + field + "' must not be blank");
        }
        if (value.length() > maxLength) {
            throw new AuditException("Audit event field '" + field + "' is " + value.length() + " characters long; at most "
                    + maxLength + " are allowed");
        }
        return canonical(value);
    }

    /** {@code value} with every lone surrogate replaced by U+FFFD (same length); itself when it has none. */
    static String canonical(String value) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return replaceLoneSurrogates(value);
            }
        }
        return value;
    }

    private static String replaceLoneSurrogates(String value) {
        char[] chars = value.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (Character.isHighSurrogate(chars[i]) && i + 1 < chars.length && Character.isLowSurrogate(chars[i + 1])) {
                i++;
            } else if (Character.isSurrogate(chars[i])) {
                chars[i] = '\uFFFD';
            }
        }
        return new String(chars);
    }

    /**
     * A deep, immutable copy of JSON-friendly values: strings, numbers, booleans, null, lists and
     * maps with string keys. Anything else is refused, so that no {@code toString()} of an
     * arbitrary object (which may print a secret) ever reaches the log.
     */
    static Object value(String field, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new AuditException("Audit event field '" + field + "' nests deeper than " + MAX_DEPTH + " levels");
        }
        if (value == null || value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte || value instanceof BigInteger
                || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new AuditException("Audit event field '" + field + "' is not a finite number");
            }
            return value;
        }
        if (value instanceof CharSequence) {
            return text(field, value.toString(), MAX_DETAIL_STRING, false);
        }
        if (value instanceof Enum) {
            return ((Enum<?>) value).name();
        }
        if (value instanceof Map) {
            return map(field, (Map<?, ?>) value, depth + 1);
        }
        if (value instanceof List) {
            List<Object> copy = new ArrayList<>();
            int i = 0;
            for (Object item : (List<?>) value) {
                copy.add(value(field + "[" + i++ + "]", item, depth + 1));
            }
            return Collections.unmodifiableList(copy);
        }
        throw new AuditException("Audit event field '" + field + "' holds a " + value.getClass().getName()
                + "; only strings, numbers, booleans, lists and maps are recorded (never an object's toString())");
    }

    static Map<String, Object> map(String field, Map<?, ?> map, int depth) {
        if (map == null) {
            return Map.of();
        }
        if (map.size() > MAX_DETAIL_ENTRIES) {
            throw new AuditException("Audit event field '" + field + "' has " + map.size() + " entries; at most "
                    + MAX_DETAIL_ENTRIES + " are allowed");
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String)) {
                throw new AuditException("Audit event field '" + field + "' has a key that is not a string");
            }
            String key = text(field + " key", (String) entry.getKey(), 128, true);
            copy.put(key, value(field + "." + key, entry.getValue(), depth));
        }
        return Collections.unmodifiableMap(copy);
    }
}
