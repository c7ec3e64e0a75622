package dev.infrakit.core.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One layer of configuration: defaults, a properties file, the environment, system properties or
 * explicit overrides. Lookups are by full dotted key; each source knows how to describe where a
 * key's value came from, so error messages can point at the right file or variable.
 */
public abstract class ConfigSource {
    private final String description;

    protected ConfigSource(String description) {
        this.description = description;
    }

    /** The raw value of {@code key}, or {@code null} when this source does not set it. */
    public abstract String get(String key);

    /** The dotted keys this source sets (for the environment: the ones it can name). */
    public abstract Set<String> keys();

    /** Where {@code key} comes from in this source, e.g. {@code environment variable INFRAKIT_X}. */
    public String origin(String key) {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    /** A source backed by a map of dotted keys (defaults, files, overrides). */
    public static ConfigSource ofMap(String description, Map<String, String> values) {
        Map<String, String> copy = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        return new ConfigSource(description) {
            @Override
            public String get(String key) {
                return copy.get(key);
            }

            @Override
            public Set<String> keys() {
                return copy.keySet();
            }
        };
    }

    /**
     * The environment: {@code infrakit.foo.bar-baz} is read from {@code INFRAKIT_FOO_BAR_BAZ}
     * (upper case, every character other than a letter or digit replaced by {@code _}), as in
     * MicroProfile Config and Spring. Only variables starting with {@code INFRAKIT_} are listed by
     * {@link #keys()}, lower-cased with {@code _} turned into {@code .}.
     */
    public static ConfigSource ofEnvironment(Map<String, String> environment) {
        Map<String, String> env = Map.copyOf(environment);
        return new ConfigSource("the environment") {
            @Override
            public String get(String key) {
                String exact = env.get(key);
                return exact != null ? exact : env.get(environmentName(key));
            }

            @Override
            public Set<String> keys() {
                Set<String> keys = new TreeSet<>();
                for (String name : env.keySet()) {
                    if (name.startsWith("INFRAKIT_")) {
                        keys.add(name.toLowerCase(Locale.ROOT).replace('_', '.'));
                    }
                }
                return keys;
            }

            @Override
            public String origin(String key) {
                return env.containsKey(key) ? "environment variable " + key
                        : "environment variable " + environmentName(key);
            }
        };
    }

    /** The name of the environment variable that sets {@code key}. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** System properties; only {@code infrakit.*} keys are listed by {@link #keys()}. */
    public static ConfigSource ofSystemProperties(java.util.Properties properties) {
        return new ConfigSource("system properties") {
            @Override
            public String get(String key) {
                return properties.getProperty(key);
            }

            @Override
            public Set<String> keys() {
                Set<String> keys = new TreeSet<>();
                for (String name : properties.stringPropertyNames()) {
                    if (name.startsWith("infrakit.")) {
                        keys.add(name);
                    }
                }
                return keys;
            }

            @Override
            public String origin(String key) {
                return "system property " + key;
            }
        };
    }
}
