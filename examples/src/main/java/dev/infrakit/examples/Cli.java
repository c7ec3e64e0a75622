package dev.infrakit.examples;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The command tree on picocli: {@code serve}, {@code backup run|list|verify|restore|prune|new-key|base|drill},
 * {@code backup wal start|status},
 * {@code audit verify}, {@code users unlock}, {@code admin reset-password} and {@code loadtest}, each
 * with {@code -h/--help}. Picocli parses and prints usage; each command's own code checks the values
 * (see {@link Args}). Results go to {@code out}, progress and warnings to {@code err}; exit 0 on
 * success, 1 on a failure (the reason on {@code err}), 2 on a usage error (the problem and the
 * command's usage on {@code err}).
 *
 * <p>Error messages name the option but never repeat what was given with it, nor a stray argument:
 * either may be a password typed in the wrong place.
 */
final class Cli {
    static final String JAR = "java -jar infrakit-examples.jar";
    private static final int WIDTH = 120;
    private static final String FOOTER = String.join("\n",
            "",
            "Every option can also be set as INFRAKIT_ + its name in upper snake case (--keep-daily: INFRAKIT_KEEP_DAILY);",
            "the command line wins. Results on stdout; logs, progress and warnings on stderr.",
            "Exit codes: 0 done, 1 failed (the reason on stderr), 2 usage error (the problem and this usage on stderr).");

    private Cli() {
    }

    /** What a command does once its options are parsed; returns the exit code. */
    @FunctionalInterface
    interface Action {
        int run(Args args, Map<String, String> env, InputStream in, PrintStream out, PrintStream err) throws Exception;
    }

    /** One command's spec, built option by option. */
    static final class Command {
        final CommandSpec spec;

        /**
         * A command named {@code name} whose synopsis is {@code usage} (the lines of the overall usage
         * that describe it).
         */
        Command(String name, String usage, Action action) {
            spec = action == null ? CommandSpec.create() : CommandSpec.wrapWithoutInspection(action);
            spec.name(name);
            spec.usageMessage().width(WIDTH).synopsisHeading("")
                    .customSynopsis(format("usage: " + JAR + "\n" + usage + "\n")).footer(FOOTER).sortOptions(false)
                    .commandListHeading("%nCommands (each with --help):%n");
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).arity("0").type(boolean.class).description("Show this help and exit.")
                    .build());
        }

        /** An option with a value, {@code --name LABEL}. */
        Command value(String name, String label, String description) {
            spec.addOption(OptionSpec.builder("--" + name).paramLabel(label).arity("1").type(String.class)
                    .description(format(description)).build());
            return this;
        }

        /** An option that may be given several times, {@code --name LABEL ...}; every value kept ({@link Args#all}). */
        Command values(String name, String label, String description) {
            spec.addOption(OptionSpec.builder("--" + name).paramLabel(label).arity("1").type(List.class)
                    .auxiliaryTypes(String.class).description(format(description)).build());
            return this;
        }

        /** A boolean option, {@code --name}. */
        Command flag(String name, String description) {
            spec.addOption(OptionSpec.builder("--" + name).arity("0").type(boolean.class).description(format(description))
                    .build());
            return this;
        }

        /**
         * Arguments after the options. {@code hidden} ones are accepted by the parser only so that the
         * command refuses them itself, with its own message.
         */
        Command arguments(String label, String description, boolean hidden) {
            spec.addPositional(PositionalParamSpec.builder().paramLabel(label).arity("0..*").type(String[].class)
                    .description(format(description)).hidden(hidden).build());
            return this;
        }

        /** A subcommand of this group. */
        Command sub(Command command) {
            spec.addSubcommand(command.spec.name(), commandLine(command.spec));
            return this;
        }
    }

    /** Usage text as picocli wants it: a format string, so a literal percent sign is doubled. */
    private static String format(String text) {
        return text.replace("%", "%%");
    }

    /**
     * A parser over {@code spec}: no {@code @file} expansion, no abbreviations; an option given twice
     * takes the last value, as the hand-written parser did (scripts and tests append overrides).
     */
    static CommandLine commandLine(CommandSpec spec) {
        CommandLine line = new CommandLine(spec);
        line.setOverwrittenOptionsAllowed(true);
        line.setExpandAtFiles(false);
        line.setAbbreviatedOptionsAllowed(false);
        line.setAbbreviatedSubcommandsAllowed(false);
        return line;
    }

    /** The whole tree, new for each run (picocli keeps parsed values in the specs). */
    static CommandLine tree() {
        Command root = new Command("infrakit-examples", "", null);
        // Main.USAGE already says what the footer says.
        root.spec.usageMessage().customSynopsis(format(Main.USAGE + "\n")).footer(new String[0]);
        root.sub(ServeCommand.command());
        root.sub(BackupCommand.command());
        root.sub(AuditCommand.command());
        root.sub(UsersCommand.command());
        root.sub(AdminCommand.command());
        root.sub(LoadTestCommand.command());
        return commandLine(root.spec);
    }

    /** Runs one command line; returns the exit code. */
    static int run(List<String> args, Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
        CommandLine tree = tree();
        ParseResult parsed;
        try {
            parsed = tree.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            return usageError(message(e), e.getCommandLine(), err);
        }
        ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        CommandLine command = leaf.commandSpec().commandLine();
        if (leaf.isUsageHelpRequested()) {
            out.print(usage(command));
            out.flush();
            return 0;
        }
        if (!(leaf.commandSpec().userObject() instanceof Action)) {
            String what = leaf == parsed ? "a command" : "a subcommand";
            return usageError((leaf == parsed ? "" : leaf.commandSpec().name() + " ") + "needs " + what + ": "
                    + String.join(", ", command.getSubcommands().keySet()), command, err);
        }
        Action action = (Action) leaf.commandSpec().userObject();
        try {
            return action.run(Args.of(leaf, env), env, in, out, err);
        } catch (Args.UsageException e) {
            return usageError(e.getMessage(), command, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            err.println("failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return 1;
        }
    }

    private static int usageError(String message, CommandLine command, PrintStream err) {
        err.println("error: " + message);
        err.print(usage(command));
        err.flush();
        return 2;
    }

    /** The usage of {@code command}: its synopsis, options, the environment rule and the exit codes. */
    static String usage(CommandLine command) {
        return command.getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /**
     * A parse error as one line that names the option or position, and never echoes a value or a
     * stray argument (either may be a secret).
     */
    static String message(CommandLine.ParameterException e) {
        CommandLine line = e.getCommandLine();
        String command = line.getCommandSpec().qualifiedName(" ").replaceFirst("^infrakit-examples ?", "");
        if (e instanceof CommandLine.UnmatchedArgumentException) {
            List<String> unmatched = ((CommandLine.UnmatchedArgumentException) e).getUnmatched();
            String first = unmatched.isEmpty() ? "" : unmatched.get(0);
            if (first.startsWith("-")) {
                int eq = first.indexOf('=');
                return "unknown flag " + (eq < 0 ? first : first.substring(0, eq))
                        + (command.isEmpty() ? "" : " for " + command);
            }
            if (!line.getSubcommands().isEmpty() && line.getCommandSpec().positionalParameters().isEmpty()) {
                return "unknown " + (command.isEmpty() ? "command" : command + " subcommand") + " '"
                        + (first.matches("[a-z-]{1,30}") ? first : "…") + "': "
                        + String.join(", ", line.getSubcommands().keySet());
            }
            return (command.isEmpty() ? "the tool" : command) + " takes no further arguments, got " + unmatched.size();
        }
        if (e instanceof CommandLine.MissingParameterException) {
            List<ArgSpec> missing = ((CommandLine.MissingParameterException) e).getMissing();
            if (!missing.isEmpty() && missing.get(0).isOption()) {
                return ((OptionSpec) missing.get(0)).longestName() + " needs a value";
            }
        }
        java.util.regex.Matcher option = java.util.regex.Pattern.compile("'(--?[A-Za-z0-9-]+)'")
                .matcher(String.valueOf(e.getMessage()));
        if (option.find()) {
            return option.group(1) + (e instanceof CommandLine.MaxValuesExceededException
                    ? " is a switch and takes no value" : ": wrong use (see the usage below)");
        }
        return "the arguments do not parse (see the usage below)";
    }

    /**
     * For a command that runs in the foreground until stopped: on SIGTERM or Ctrl-C, runs {@code stop}
     * on a shutdown hook named {@code name}, flushes {@code out} and {@code err}, and exits 0 (1 when
     * {@code stop} threw, saying so on {@code err}), rather than the JVM's 143 for the signal. The
     * returned latch opens when {@code stop} has finished.
     */
    static java.util.concurrent.CountDownLatch stopOnSignal(String name, Runnable stop, PrintStream out,
            PrintStream err) {
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int status = 0;
            try {
                stop.run();
            } catch (RuntimeException e) {
                err.println("failed to stop cleanly: " + e.getMessage());
                status = 1;
            } finally {
                stopped.countDown();
                out.flush();
                err.flush();
                Runtime.getRuntime().halt(status);
            }
        }, name));
        return stopped;
    }
}
