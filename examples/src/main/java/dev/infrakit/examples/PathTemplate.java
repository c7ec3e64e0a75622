package dev.infrakit.examples;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A path such as {@code /api/v1/credentials/{app}/versions}: literal segments and {@code {name}}
 * parameters, each one whole segment. Matched against the path as sent (still percent-encoded), so
 * an encoded {@code /} stays inside its segment; a parameter is then decoded and checked against its
 * {@link Rule}. Immutable.
 */
final class PathTemplate {
    private static final Pattern PARAM = Pattern.compile("\\{([a-z]+)}");

    /** What a parameter must be once decoded, and the 400 detail when it is not. */
    record Rule(Pattern pattern, String message) {
    }

    private final String text;
    private final Pattern pattern;
    private final List<String> names;
    private final List<Rule> rules;

    private PathTemplate(String text, Pattern pattern, List<String> names, List<Rule> rules) {
        this.text = text;
        this.pattern = pattern;
        this.names = names;
        this.rules = rules;
    }

    /** {@code text} with the rules of its parameters (a parameter without one takes any segment). */
    static PathTemplate of(String text, Map<String, Rule> rules) {
        StringBuilder regex = new StringBuilder();
        List<String> names = new ArrayList<>();
        List<Rule> applied = new ArrayList<>();
        Matcher m = PARAM.matcher(text);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(text.substring(at, m.start()))).append("([^/]+)");
            names.add(m.group(1));
            applied.add(rules.get(m.group(1)));
            at = m.end();
        }
        regex.append(Pattern.quote(text.substring(at)));
        return new PathTemplate(text, Pattern.compile(regex.toString()), List.copyOf(names),
                java.util.Collections.unmodifiableList(applied));
    }

    String text() {
        return text;
    }

    boolean matches(String path) {
        return pattern.matcher(path).matches();
    }

    /**
     * The decoded parameters of {@code path} (which {@link #matches}).
     *
     * @throws HttpError 400 naming the rule a parameter breaks, or malformed percent-encoding
     */
    Map<String, String> params(String path) {
        Matcher m = pattern.matcher(path);
        if (!m.matches()) {
            throw new IllegalArgumentException("The path does not match " + text);
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            Rule rule = rules.get(i);
            String value;
            try {
                value = URLDecoder.decode(m.group(i + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw HttpError.badRequest(rule != null ? rule.message()
                        : "The path segment {" + names.get(i) + "} is not valid percent-encoding.");
            }
            if (rule != null && !rule.pattern().matcher(value).matches()) {
                throw HttpError.badRequest(rule.message());
            }
            params.put(names.get(i), value);
        }
        return params;
    }
}
