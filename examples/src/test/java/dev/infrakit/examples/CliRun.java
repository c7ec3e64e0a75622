package dev.infrakit.examples;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** One in-process run of the command-line tool ({@link Main#run}): its exit code and what it printed. */
record CliRun(int code, String out, String err) {
    /** Runs {@code args} with the environment {@code env}, reading {@code stdin}. */
    static CliRun run(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of(args), env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code args} with the environment {@code env} and nothing on stdin. */
    static CliRun run(Map<String, String> env, String... args) {
        return run(env, "", args);
    }

    /** Runs {@code args} with an empty environment and nothing on stdin. */
    static CliRun run(String... args) {
        return run(Map.of(), "", args);
    }
}
