package dev.infrakit.examples;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One command's options as picocli parsed them ({@code --name value}, {@code --name=value} and
 * boolean {@code --name}), each option also read from the environment as {@code INFRAKIT_} + its name
 * in upper snake case ({@code --keep-daily} ↔ {@code INFRAKIT_KEEP_DAILY}) when the command line
 * leaves it out; the command line wins. Values stay text: each command checks its own, with messages
 * that name the option.
 */
final class Args {
    private final Map<String, String> values;
    /** Every value of each option given on the command line, in order (the repeatable ones need them all). */
    private final Map<String, List<String>> allValues;
    private final List<String> positional;
    private final Set<String> fromCommandLine;

    private Args(Map<String, String> values, Map<String, List<String>> allValues, List<String> positional,
            Set<String> fromCommandLine) {
        this.values = values;
        this.allValues = allValues;
        this.positional = positional;
        this.fromCommandLine = fromCommandLine;
    }

    /** A usage error: exit code 2, the message and the command's usage on stderr. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code args} against one command's options (no subcommands).
     *
     * @throws UsageException for an unknown option, a missing value, an option given twice or a
     *     stray argument, with a message that names the option and never repeats a value
     */
    static Args parse(CommandSpec spec, List<String> args, Map<String, String> env) {
        CommandLine line = Cli.commandLine(spec);
        try {
            return of(line.parseArgs(args.toArray(String[]::new)), env);
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(Cli.message(e));
        }
    }

    /** The options of the command {@code result} parsed (the innermost subcommand's own). */
    static Args of(ParseResult result, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, List<String>> allValues = new LinkedHashMap<>();
        for (OptionSpec option : result.matchedOptions()) {
            String name = name(option);
            List<String> given = option.stringValues();
            values.put(name, option.arity().max() == 0 || given.isEmpty() ? "true" : given.get(given.size() - 1));
            allValues.put(name, List.copyOf(given));
        }
        List<String> positional = new ArrayList<>();
        for (ArgSpec p : result.matchedPositionals()) {
            positional.addAll(p.stringValues());
        }
        Set<String> onCommandLine = Set.copyOf(values.keySet());
        for (OptionSpec option : result.commandSpec().options()) {
            if (option.usageHelp()) {
                continue;
            }
            String name = name(option);
            String fromEnv = env.get(envName(name));
            if (!values.containsKey(name) && fromEnv != null && !fromEnv.isEmpty()) {
                values.put(name, fromEnv);
            }
        }
        return new Args(values, allValues, positional, onCommandLine);
    }

    private static String name(OptionSpec option) {
        return option.longestName().substring(2);
    }

    static String envName(String flag) {
        return "INFRAKIT_" + flag.replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** Whether option {@code name} was given on the command line (not taken from the environment). */
    boolean fromCommandLine(String name) {
        return fromCommandLine.contains(name);
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /**
     * Every value of a repeatable option, in the order given; the environment's single value when the
     * command line has none; empty when neither.
     */
    List<String> all(String name) {
        List<String> given = allValues.get(name);
        if (given != null && !given.isEmpty()) {
            return given;
        }
        return get(name).map(List::of).orElse(List.of());
    }

    String require(String name) {
        return get(name).orElseThrow(() -> new UsageException("--" + name + " is required"));
    }

    /** A boolean option: true when given, or when its environment variable says {@code true}. */
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
        throw new UsageException(envName(name) + " (for --" + name + ") is true or false, got '" + v + "'");
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
