package dev.infrakit.spring.boot;

import dev.infrakit.core.Config;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spring's {@link Environment} under {@code infrakit.} as an Infrakit {@link Config}, so every
 * capability is built by the same code, with the same validation and the same error messages
 * (naming the key and where its value came from), as outside Spring.
 *
 * <p>Keys are the {@code infrakit.*} names of every enumerable property source (application
 * properties or YAML, command-line arguments, test properties); each value is what
 * {@link Environment#getProperty(String)} answers, so Spring's precedence and placeholders apply.
 * A YAML list ({@code tiers[0]}, {@code tiers[1]}) becomes Infrakit's comma-separated list.
 * Environment variables named {@code INFRAKIT_*} that no such key already covers are Infrakit's
 * environment layer, which maps {@code INFRAKIT_AUDIT_MAX_FILE_SIZE} to
 * {@code infrakit.audit.max-file-size} as it does outside Spring. Values are never logged here;
 * Infrakit's {@code Config} masks secret-named keys in its messages.
 */
public final class EnvironmentConfig {

    /** How a value from Spring's property sources is described in Infrakit's error messages. */
    public static final String SOURCE = "Spring Environment";

    private static final String PREFIX = "infrakit.";
    private static final Pattern INDEXED = Pattern.compile("(.+)\\[(\\d+)]");

    private EnvironmentConfig() {
    }

    /**
     * The Infrakit configuration of {@code environment}.
     *
     * @param environment the application's environment
     * @return an immutable {@code Config} holding every {@code infrakit.*} setting
     */
    public static Config of(Environment environment) {
        Map<String, String> values = new TreeMap<>();
        Map<String, TreeMap<Integer, String>> lists = new HashMap<>();
        Map<String, String> variables = new TreeMap<>();
        if (environment instanceof ConfigurableEnvironment configurable) {
            for (PropertySource<?> source : configurable.getPropertySources()) {
                if (!(source instanceof EnumerablePropertySource<?> enumerable)) {
                    continue;
                }
                boolean systemEnvironment = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(source.getName());
                for (String name : enumerable.getPropertyNames()) {
                    if (systemEnvironment) {
                        if (name.startsWith("INFRAKIT_")) {
                            Object value = source.getProperty(name);
                            variables.putIfAbsent(name, value == null ? "" : value.toString());
                        }
                    } else if (name.startsWith(PREFIX)) {
                        collect(environment, name, values, lists);
                    }
                }
            }
        }
        lists.forEach((key, elements) -> values.putIfAbsent(key, String.join(",", elements.values())));
        for (String key : values.keySet()) {
            variables.remove(variableOf(key));
        }
        Properties properties = new Properties();
        properties.putAll(values);
        return Config.builder().properties(SOURCE, properties).environment(variables).build();
    }

    private static void collect(Environment environment, String name, Map<String, String> values,
            Map<String, TreeMap<Integer, String>> lists) {
        String value = environment.getProperty(name);
        if (value == null) {
            return;
        }
        Matcher indexed = INDEXED.matcher(name);
        if (indexed.matches()) {
            lists.computeIfAbsent(indexed.group(1), k -> new TreeMap<>())
                    .putIfAbsent(Integer.parseInt(indexed.group(2)), value.trim());
        } else {
            values.putIfAbsent(name, value);
        }
    }

    /** Infrakit's environment-variable name for {@code key}: upper case, every other character {@code _}. */
    static String variableOf(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
