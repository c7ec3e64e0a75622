package dev.infrakit.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Command-line flags: {@code --name value}, {@code --name=value} and boolean {@code --name}; every
 * flag can also come from the environment as {@code INFRAKIT_} + the name in upper snake case
 * ({@code --keep-daily} ↔ {@code INFRAKIT_KEEP_DAILY}); flags win. An unknown flag or a missing
 * value is a {@link UsageException}.
 */
final class Args {
    private final Map<String, String> values;
    private final List<String> positional;
    private final Set<String> fromCommandLine;

    private Args(Map<String, String> values, List<String> positional, Set<String> fromCommandLine) {
        this.values = values;
        this.positional = positional;
        this.fromCommandLine = fromCommandLine;
    }

    /** A usage error: exit code 2, the message and the usage on stderr. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static Args parse(List<String> args, Set<String> valueFlags, Set<String> booleanFlags, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (booleanFlags.contains(name)) {
                    values.put(name, value == null ? "true" : value);
                } else if (valueFlags.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException("--" + name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    values.put(name, value);
                } else {
                    throw new UsageException("unknown flag --" + name);
                }
            } else {
                positional.add(a);
            }
        }
        Set<String> onCommandLine = Set.copyOf(values.keySet());
        for (String name : valueFlags) {
            String fromEnv = env.get(envName(name));
            if (!values.containsKey(name) && fromEnv != null && !fromEnv.isEmpty()) {
                values.put(name, fromEnv);
            }
        }
        for (String name : booleanFlags) {
            String fromEnv = env.get(envName(name));
            if (!values.containsKey(name) && fromEnv != null && !fromEnv.isEmpty()) {
                values.put(name, fromEnv);
            }
        }
        return new Args(values, positional, onCommandLine);
    }

    static String envName(String flag) {
        return "INFRAKIT_" + flag.replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** Whether flag {@code name} was given on the command line (not taken from the environment). */
    boolean fromCommandLine(String name) {
        return fromCommandLine.contains(name);
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    String require(String name) {
        return get(name).orElseThrow(() -> new UsageException("--" + name + " is required"));
    }

    boolean flag(String name) {
        String v = values.get(name);
        if (v == null) {
            return false;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new UsageException("--" + name + " is true or false, got '" + v + "'");
    }

    int intValue(String name, int defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a whole number, got '" + v + "'");
        }
    }

    List<String> positional() {
        return positional;
    }
}
