package dev.infrakit.benchmarks.spring;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Start-up of {@link BenchApplication} with infra-spring-boot and without it: the same classes and
 * the same arguments, the second class path without Infrakit's jars. Each start is a fresh JVM
 * (cold: the cost a deployment pays), timed from the JVM's start to Spring's
 * {@code ApplicationReadyEvent} (Tomcat listening); the two alternate A B B A so drift on the
 * machine falls on both. Prints every start, then the median and mean of each and the starter's
 * ratio of medians.
 *
 * <p>With the starter the application has what {@link #STARTER_PROPERTIES} switch on: the rate
 * limiter (default tiers) and both rate-limit stages, security headers, body limit, an in-memory
 * credential store, the slf4j audit sink, and the health registry with disk-space and heap checks
 * behind Actuator's health endpoint. Without it the same properties are there and nothing reads
 * them.
 *
 * <pre>{@code
 * ./mvnw -q package -pl benchmarks/spring-boot -am -DskipTests
 * java -cp "benchmarks/spring-boot/target/classes:$(cat benchmarks/spring-boot/target/runtime-classpath.txt)" \
 *     dev.infrakit.benchmarks.spring.StartupComparison 10
 * }</pre>
 */
public final class StartupComparison {
    /** The properties both starts are given. */
    public static final List<String> STARTER_PROPERTIES = List.of(
            "--server.port=0",
            "--infrakit.ratelimit.enabled=true",
            "--infrakit.credentials.store=memory",
            "--infrakit.audit.sink=slf4j",
            "--infrakit.health.checks=disk-space,heap",
            "--management.endpoints.web.exposure.include=health",
            "--spring.main.banner-mode=off",
            "--logging.level.root=warn");
    /** An Infrakit jar of the local repository or a reactor build, or a module's compiled classes. */
    private static final Pattern INFRAKIT = Pattern.compile(
            "(^|.*[/\\\\])infra-[a-z-]+([/\\\\]target[/\\\\]classes[/\\\\]?|-\\d[^/\\\\]*\\.jar)$");

    private StartupComparison() {
    }

    /** One start: how long until ready, and what the context held. */
    record Start(long readyMillis, int beans, long infrakitBeans) {
    }

    /**
     * Runs the comparison.
     *
     * @param args the number of starts of each (default 10)
     * @throws Exception if a start fails
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<String> classPath = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        List<String> without = withoutInfrakit(classPath);
        if (without.size() == classPath.size()) {
            throw new IllegalStateException("no Infrakit jar on the class path: " + classPath);
        }
        start(classPath);
        start(without);
        long[] with = new long[rounds];
        long[] bare = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            boolean starterFirst = i % 2 == 0;
            Start first = start(starterFirst ? classPath : without);
            Start second = start(starterFirst ? without : classPath);
            Start starter = starterFirst ? first : second;
            Start plain = starterFirst ? second : first;
            with[i] = starter.readyMillis();
            bare[i] = plain.readyMillis();
            System.out.printf(Locale.ROOT, "round %2d: with the starter %5d ms (%d beans, %d Infrakit), without %5d ms (%d beans)%n",
                    i + 1, starter.readyMillis(), starter.beans(), starter.infrakitBeans(), plain.readyMillis(), plain.beans());
        }
        double medianWith = median(with);
        double medianWithout = median(bare);
        System.out.printf(Locale.ROOT, "with the starter:    median %.0f ms, mean %.0f ms%n", medianWith, mean(with));
        System.out.printf(Locale.ROOT, "without the starter: median %.0f ms, mean %.0f ms%n", medianWithout, mean(bare));
        System.out.printf(Locale.ROOT, "ratio of medians: %.3f%n", medianWith / medianWithout);
    }

    /**
     * {@code classPath} without Infrakit's own jars and class directories (the benchmark's own
     * classes stay: the application names no Infrakit class).
     */
    static List<String> withoutInfrakit(List<String> classPath) {
        return classPath.stream().filter(entry -> !INFRAKIT.matcher(entry).matches()).toList();
    }

    /**
     * Starts {@link BenchApplication} once on {@code classPath} and waits for it to exit.
     *
     * @throws IllegalStateException with its output if it exits otherwise than after being ready
     */
    static Start start(List<String> classPath) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(File.pathSeparator, classPath), BenchApplication.class.getName(),
                BenchApplication.EXIT_WHEN_READY));
        command.addAll(STARTER_PROPERTIES);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        Start start = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                output.append(line).append('\n');
                if (line.startsWith(BenchApplication.READY_PREFIX)) {
                    start = parse(line);
                }
            }
        }
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("the application did not exit within 2 minutes:\n" + output);
        }
        if (process.exitValue() != 0 || start == null) {
            throw new IllegalStateException("the application exited with " + process.exitValue() + ":\n" + output);
        }
        return start;
    }

    private static Start parse(String line) {
        String[] fields = line.split(" ");
        return new Start(Long.parseLong(fields[0].substring(BenchApplication.READY_PREFIX.length())),
                Integer.parseInt(fields[1].substring(BenchApplication.BEANS_PREFIX.length())),
                Long.parseLong(fields[2].substring(BenchApplication.INFRAKIT_PREFIX.length())));
    }

    static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }
}
