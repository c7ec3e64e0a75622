package dev.infrakit.core;

import dev.infrakit.core.internal.ConfigSource;
import dev.infrakit.core.internal.SecretKeys;
import dev.infrakit.core.internal.ValueParsers;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Immutable, layered configuration with typed getters.
 *
 * <p>Layers, lowest priority first (a later layer wins, as in Spring and MicroProfile Config):
 * defaults, properties files (in the order added), environment variables, system properties,
 * explicit overrides (such as command-line flags). Keys are dotted ({@code infrakit.audit.max-size});
 * the environment variable for a key is its upper-case form with every other character replaced by
 * {@code _} ({@code INFRAKIT_AUDIT_MAX_SIZE}).
 *
 * <pre>{@code
 * Config config = Config.builder()
 *         .defaults(Map.of("infrakit.ratelimit.user", "100/15m"))
 *         .optionalPropertiesFile(Path.of("infrakit.properties"))
 *         .environment()
 *         .systemProperties()
 *         .build();
 * Config audit = config.section("infrakit.audit");
 * long maxFileSize = audit.getSize("max-file-size", 100L * 1024 * 1024);   // "100MB"
 * Duration timeout = audit.getDuration("flush-timeout", Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>Every getter either returns a valid value or throws {@link ConfigException} naming the full
 * key, where the value came from, the value (masked when the key looks secret: password, secret,
 * token, key, …) and what was expected. Values are trimmed before parsing. Formats: durations
 * {@code 500ms}, {@code 30s}, {@code 15m}, {@code 1h}, {@code 2d}, {@code 1h30m} or ISO-8601
 * {@code PT15M}; sizes {@code 512B}, {@code 64KB}, {@code 100MB}, {@code 50MiB} (KB and KiB both
 * mean 1024 bytes); booleans {@code true/false}, {@code yes/no}, {@code on/off}; enums by constant
 * name ignoring case, with {@code -} for {@code _}; lists comma-separated.
 *
 * <p>Thread-safe and immutable; {@link #section(String)} and {@link #withOverrides(Map)} return
 * new views.
 */
public final class Config {
    private static final Config EMPTY = new Config(List.of(), "");

    /** Highest priority last. */
    private final List<ConfigSource> layers;
    private final String prefix;

    private Config(List<ConfigSource> layers, String prefix) {
        this.layers = layers;
        this.prefix = prefix;
    }

    /** A configuration with no values: every getter returns its default or reports the key missing. */
    public static Config empty() {
        return EMPTY;
    }

    /** A configuration holding exactly {@code values} (dotted keys), as explicit overrides. */
    public static Config of(Map<String, String> values) {
        return builder().overrides(values).build();
    }

    /** A builder for a layered configuration. */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- raw access

    /** The full dotted key for {@code key} in this view (the section prefix plus {@code key}). */
    public String fullKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.startsWith(".") || key.endsWith(".")) {
            throw new IllegalArgumentException("Not a config key: '" + key + "'");
        }
        return prefix.isEmpty() ? key : prefix + "." + key;
    }

    /** The raw (trimmed) value of {@code key}, if any layer sets it. */
    public Optional<String> find(String key) {
        String full = fullKey(key);
        for (int i = layers.size() - 1; i >= 0; i--) {
            String value = layers.get(i).get(full);
            if (value != null) {
                return Optional.of(value.strip());
            }
        }
        return Optional.empty();
    }

    /** Whether any layer sets {@code key}. */
    public boolean has(String key) {
        return find(key).isPresent();
    }

    /**
     * Where the value of {@code key} comes from, e.g. {@code environment variable INFRAKIT_DB_URL}
     * or {@code file /etc/app/infrakit.properties}; empty when no layer sets it.
     */
    public Optional<String> origin(String key) {
        String full = fullKey(key);
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i).get(full) != null) {
                return Optional.of(layers.get(i).origin(full));
            }
        }
        return Optional.empty();
    }

    /**
     * The keys set in this view, relative to its section prefix, sorted. Environment variables and
     * system properties contribute only keys under {@code infrakit.}; others are still found by
     * the getters.
     */
    public Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        String start = prefix.isEmpty() ? "" : prefix + ".";
        for (ConfigSource layer : layers) {
            for (String key : layer.keys()) {
                if (key.startsWith(start) && key.length() > start.length()) {
                    keys.add(key.substring(start.length()));
                }
            }
        }
        return Collections.unmodifiableSet(keys);
    }

    /**
     * A view of the keys under {@code prefix}: {@code config.section("infrakit.audit").getString("dir")}
     * reads {@code infrakit.audit.dir}. Messages still name full keys.
     */
    public Config section(String prefix) {
        return new Config(layers, fullKey(prefix));
    }

    /** This view's prefix, empty for the root. */
    public String prefix() {
        return prefix;
    }

    /**
     * A new configuration with {@code overrides} (full dotted keys) on top of every existing layer,
     * e.g. for command-line flags. Returns a root view.
     */
    public Config withOverrides(Map<String, String> overrides) {
        List<ConfigSource> more = new ArrayList<>(layers);
        more.add(ConfigSource.ofMap("explicit overrides", overrides));
        return new Config(List.copyOf(more), "");
    }

    /**
     * An exception for a value that parsed but is not acceptable (out of range, inconsistent),
     * worded like the getters' own: full key, origin, masked value, and {@code expected}.
     *
     * @param key the key, relative to this view
     * @param expected what would have been valid, e.g. "expected a positive number of permits"
     */
    public ConfigException invalid(String key, String expected) {
        String full = fullKey(key);
        Optional<String> value = find(key);
        if (value.isEmpty()) {
            return new ConfigException(full, "Invalid config: '" + full + "' is not set; " + expected);
        }
        return new ConfigException(full, "Invalid config value for '" + full + "' from " + origin(key).orElse("?")
                + ": " + SecretKeys.display(full, value.get()) + "; " + expected);
    }

    private ConfigException missing(String key) {
        String full = fullKey(key);
        return new ConfigException(full, "Missing required config key '" + full + "': set it as property " + full
                + " or environment variable " + ConfigSource.environmentName(full));
    }

    @FunctionalInterface
    private interface Parser<T> {
        T parse(String value) throws ValueParsers.Invalid;
    }

    private <T> T required(String key, Parser<T> parser) {
        String value = find(key).orElseThrow(() -> missing(key));
        return parse(key, value, parser);
    }

    private <T> T optional(String key, T defaultValue, Parser<T> parser) {
        Optional<String> value = find(key);
        return value.isEmpty() ? defaultValue : parse(key, value.get(), parser);
    }

    private <T> T parse(String key, String value, Parser<T> parser) {
        try {
            return parser.parse(value);
        } catch (ValueParsers.Invalid e) {
            throw invalid(key, e.getMessage());
        }
    }

    // ---------------------------------------------------------------- typed getters

    /**
     * The string value of a required key.
     *
     * @throws ConfigException if no layer sets it
     */
    public String getString(String key) {
        return required(key, v -> v);
    }

    /** The string value of {@code key}, or {@code defaultValue} when unset. */
    public String getString(String key, String defaultValue) {
        return optional(key, defaultValue, v -> v);
    }

    /**
     * A required {@code int}.
     *
     * @throws ConfigException if unset or not an integer in range
     */
    public int getInt(String key) {
        return required(key, ValueParsers::parseInt);
    }

    /**
     * An {@code int}, or {@code defaultValue} when unset.
     *
     * @throws ConfigException if set but not an integer in range
     */
    public int getInt(String key, int defaultValue) {
        return optional(key, defaultValue, ValueParsers::parseInt);
    }

    /**
     * A required {@code long}.
     *
     * @throws ConfigException if unset or not an integer in range
     */
    public long getLong(String key) {
        return required(key, ValueParsers::parseLong);
    }

    /**
     * A {@code long}, or {@code defaultValue} when unset.
     *
     * @throws ConfigException if set but not an integer in range
     */
    public long getLong(String key, long defaultValue) {
        return optional(key, defaultValue, ValueParsers::parseLong);
    }

    /**
     * A required boolean: {@code true/false}, {@code yes/no} or {@code on/off}, any case.
     *
     * @throws ConfigException if unset or anything else
     */
    public boolean getBoolean(String key) {
        return required(key, ValueParsers::parseBoolean);
    }

    /**
     * A boolean, or {@code defaultValue} when unset.
     *
     * @throws ConfigException if set but not a boolean
     */
    public boolean getBoolean(String key, boolean defaultValue) {
        return optional(key, defaultValue, ValueParsers::parseBoolean);
    }

    /**
     * A required, non-negative duration: {@code 500ms}, {@code 15m}, {@code 1h30m}, {@code PT15M}.
     *
     * @throws ConfigException if unset, malformed or negative
     */
    public Duration getDuration(String key) {
        return required(key, ValueParsers::parseDuration);
    }

    /**
     * A non-negative duration, or {@code defaultValue} when unset.
     *
     * @throws ConfigException if set but malformed or negative
     */
    public Duration getDuration(String key, Duration defaultValue) {
        return optional(key, defaultValue, ValueParsers::parseDuration);
    }

    /**
     * A required size in bytes: {@code 512}, {@code 64KB}, {@code 100MB}, {@code 50MiB}, {@code 1.5GB}.
     * KB/KiB, MB/MiB, GB/GiB and TB/TiB are all powers of 1024, as in Logback and the JVM's flags.
     *
     * @throws ConfigException if unset, malformed, fractional in bytes or beyond {@code Long.MAX_VALUE}
     */
    public long getSize(String key) {
        return required(key, ValueParsers::parseSize);
    }

    /**
     * A size in bytes, or {@code defaultValue} when unset.
     *
     * @throws ConfigException if set but malformed
     */
    public long getSize(String key, long defaultValue) {
        return optional(key, defaultValue, ValueParsers::parseSize);
    }

    /**
     * A required enum constant, matched ignoring case and with {@code -} for {@code _}.
     *
     * @throws ConfigException if unset or not a constant; the message lists the constants
     */
    public <E extends Enum<E>> E getEnum(String key, Class<E> type) {
        return required(key, v -> ValueParsers.parseEnum(v, type));
    }

    /**
     * An enum constant, or {@code defaultValue} when unset.
     *
     * @throws ConfigException if set but not a constant; the message lists the constants
     */
    public <E extends Enum<E>> E getEnum(String key, Class<E> type, E defaultValue) {
        return optional(key, defaultValue, v -> ValueParsers.parseEnum(v, type));
    }

    /**
     * A required comma-separated list; elements trimmed; an empty value is an empty list.
     *
     * @throws ConfigException if unset or holding an empty element ({@code "a,,b"})
     */
    public List<String> getList(String key) {
        return required(key, ValueParsers::parseList);
    }

    /**
     * A comma-separated list, or {@code defaultValue} when unset.
     *
     * @throws ConfigException if set and holding an empty element
     */
    public List<String> getList(String key, List<String> defaultValue) {
        return optional(key, defaultValue, ValueParsers::parseList);
    }

    /** The effective values of this view, secret ones masked, e.g. {@code Config[infrakit.db.password=******]}. */
    @Override
    public String toString() {
        StringJoiner joiner = new StringJoiner(", ", "Config[", "]");
        for (String key : keys()) {
            String full = fullKey(key);
            joiner.add(full + "=" + (SecretKeys.isSecret(full) ? SecretKeys.MASK : find(key).orElse("")));
        }
        return joiner.toString();
    }

    /**
     * Builds a {@link Config}. The priority of each layer is fixed by its kind, not by the order of
     * calls: defaults &lt; properties files &lt; environment &lt; system properties &lt; overrides.
     * Setting the environment or the system properties twice is an error. Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, String> defaults = new LinkedHashMap<>();
        private final List<ConfigSource> files = new ArrayList<>();
        private ConfigSource environment;
        private ConfigSource systemProperties;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder() {
        }

        /** Adds default values (dotted keys); later calls win over earlier ones for the same key. */
        public Builder defaults(Map<String, String> values) {
            defaults.putAll(checkKeys(values));
            return this;
        }

        /**
         * Adds a properties file that must exist.
         *
         * @throws ConfigException if it is missing or unreadable, naming the file
         */
        public Builder propertiesFile(Path file) {
            files.add(readFile(file, false));
            return this;
        }

        /**
         * Adds a properties file if it exists; a missing file is skipped, an unreadable one is an error.
         *
         * @throws ConfigException if it exists but cannot be read
         */
        public Builder optionalPropertiesFile(Path file) {
            ConfigSource source = readFile(file, true);
            if (source != null) {
                files.add(source);
            }
            return this;
        }

        /** Adds already loaded properties at the properties-file level, described as {@code description}. */
        public Builder properties(String description, Properties properties) {
            files.add(ConfigSource.ofMap(description, toMap(properties)));
            return this;
        }

        /** Adds the process environment ({@link System#getenv()}). */
        public Builder environment() {
            return environment(System.getenv());
        }

        /** Adds {@code variables} as the environment (for tests, or a filtered environment). */
        public Builder environment(Map<String, String> variables) {
            if (environment != null) {
                throw new IllegalStateException("The environment layer was already set");
            }
            environment = ConfigSource.ofEnvironment(variables);
            return this;
        }

        /** Adds the JVM's system properties, read at each lookup. */
        public Builder systemProperties() {
            return systemProperties(System.getProperties());
        }

        /** Adds {@code properties} as the system-properties layer. */
        public Builder systemProperties(Properties properties) {
            if (systemProperties != null) {
                throw new IllegalStateException("The system-properties layer was already set");
            }
            systemProperties = ConfigSource.ofSystemProperties(properties);
            return this;
        }

        /** Adds explicit overrides (dotted keys), the highest-priority layer. */
        public Builder overrides(Map<String, String> values) {
            overrides.putAll(checkKeys(values));
            return this;
        }

        /** Adds one explicit override. */
        public Builder override(String key, String value) {
            return overrides(Map.of(key, value));
        }

        /** Builds the immutable configuration. */
        public Config build() {
            List<ConfigSource> layers = new ArrayList<>();
            if (!defaults.isEmpty()) {
                layers.add(ConfigSource.ofMap("defaults", defaults));
            }
            layers.addAll(files);
            if (environment != null) {
                layers.add(environment);
            }
            if (systemProperties != null) {
                layers.add(systemProperties);
            }
            if (!overrides.isEmpty()) {
                layers.add(ConfigSource.ofMap("explicit overrides", overrides));
            }
            return new Config(List.copyOf(layers), "");
        }

        private static Map<String, String> checkKeys(Map<String, String> values) {
            values.forEach((k, v) -> {
                if (k == null || k.isBlank()) {
                    throw new IllegalArgumentException("Config keys must not be null or blank");
                }
                if (v == null) {
                    throw new IllegalArgumentException("Config value for '" + k + "' must not be null");
                }
            });
            return values;
        }

        private static ConfigSource readFile(Path file, boolean optional) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (NoSuchFileException e) {
                if (optional) {
                    return null;
                }
                throw new ConfigException(null, "Config file " + file.toAbsolutePath() + " does not exist", e);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException(null, "Config file " + file.toAbsolutePath() + " cannot be read: "
                        + e.getMessage(), e);
            }
            return ConfigSource.ofMap("file " + file.toAbsolutePath(), toMap(properties));
        }

        private static Map<String, String> toMap(Properties properties) {
            Map<String, String> map = new LinkedHashMap<>();
            for (String name : properties.stringPropertyNames()) {
                map.put(name, properties.getProperty(name));
            }
            return map;
        }
    }
}
