package dev.infrakit.audit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in an event's request context, details, reason and user agent before it is
 * written. By default:
 * <ul>
 *   <li>the values of keys named {@code authorization}, {@code proxy-authorization},
 *       {@code cookie} and {@code set-cookie} (headers), and of keys containing {@code password},
 *       {@code passwd}, {@code secret}, {@code token}, {@code api_key}/{@code api-key}/{@code apikey},
 *       {@code private_key}, {@code credential} or {@code session} (any case, {@code -} and
 *       {@code _} alike), are replaced by {@code [REDACTED]}, at any depth of nested maps and lists;</li>
 *   <li>in every other string, anything that looks like a JWT ({@code eyJ…} in three base64url
 *       parts) or a bearer/basic credential ({@code Bearer …}) is replaced by {@code [REDACTED]}.</li>
 * </ul>
 * An allow list names keys never masked by name (their values are still scanned for tokens); a
 * deny list adds keys. Redaction works on copies: the event is not changed. Immutable, thread-safe.
 */
public final class Redactor {
    /** What replaces a secret. */
    public static final String MASK = "[REDACTED]";

    private static final Set<String> HEADER_KEYS = Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");
    private static final List<String> SECRET_WORDS = List.of("password", "passwd", "secret", "token", "api-key", "apikey",
            "private-key", "credential", "session");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");
    private static final Pattern AUTH_SCHEME = Pattern.compile("(?i)\\b(Bearer|Basic)\\s+[A-Za-z0-9._~+/=-]{8,}");

    private static final Redactor DEFAULT = new Redactor(Set.of(), Set.of());

    private final Set<String> allow;
    private final Set<String> deny;

    private Redactor(Set<String> allow, Set<String> deny) {
        this.allow = allow;
        this.deny = deny;
    }

    /** The default policy. */
    public static Redactor defaults() {
        return DEFAULT;
    }

    /**
     * The default policy with {@code allow} keys never masked by name and {@code deny} keys always
     * masked (both compared ignoring case, {@code -} and {@code _} alike).
     */
    public static Redactor of(Collection<String> allow, Collection<String> deny) {
        return new Redactor(normalizeAll(allow), normalizeAll(deny));
    }

    private static Set<String> normalizeAll(Collection<String> keys) {
        Set<String> set = new TreeSet<>();
        for (String key : Objects.requireNonNull(keys, "keys")) {
            set.add(normalize(key));
        }
        return Set.copyOf(set);
    }

    private static String normalize(String key) {
        return key.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether the value of {@code key} is masked whatever it holds. */
    public boolean isSecretKey(String key) {
        String k = normalize(key);
        if (allow.contains(k)) {
            return false;
        }
        if (deny.contains(k) || HEADER_KEYS.contains(k)) {
            return true;
        }
        for (String word : SECRET_WORDS) {
            if (k.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /** {@code text} with JWT-looking and bearer/basic credentials replaced by {@link #MASK}. */
    public String scrub(String text) {
        if (text == null) {
            return null;
        }
        String out = JWT.matcher(text).replaceAll(MASK);
        Matcher scheme = AUTH_SCHEME.matcher(out);
        return scheme.find() ? scheme.replaceAll("$1 " + Matcher.quoteReplacement(MASK)) : out;
    }

    /** A redacted copy of {@code map}. */
    public Map<String, Object> redact(Map<String, Object> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : map.entrySet()) {
            copy.put(entry.getKey(), isSecretKey(entry.getKey()) && entry.getValue() != null ? MASK
                    : redactValue(entry.getValue()));
        }
        return copy;
    }

    @SuppressWarnings("unchecked")
    private Object redactValue(Object value) {
        if (value instanceof String) {
            return scrub((String) value);
        }
        if (value instanceof Map) {
            return redact((Map<String, Object>) value);
        }
        if (value instanceof List) {
            List<Object> copy = new ArrayList<>();
            for (Object item : (List<Object>) value) {
                copy.add(redactValue(item));
            }
            return copy;
        }
        return value;
    }
}
