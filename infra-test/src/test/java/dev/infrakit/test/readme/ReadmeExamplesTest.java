package dev.infrakit.test.readme;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README examples are these tests: every region of this package's sources between
 * {@code // README <module>} and {@code // END README} must appear, as written (less its common
 * indentation), in that module's README.md, so an example there always compiles and passes.
 */
class ReadmeExamplesTest {
    private static final Path SOURCES = Path.of("src/test/java/dev/infrakit/test/readme");

    /** Module name to the regions found for its README. */
    private static Map<String, List<String>> regions() throws IOException {
        Map<String, List<String>> regions = new TreeMap<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path file : files.sorted().collect(Collectors.toList())) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("// README ")) {
                        String module = line.substring("// README ".length());
                        List<String> body = new ArrayList<>();
                        int j = i + 1;
                        while (!lines.get(j).strip().equals("// END README")) {
                            body.add(lines.get(j++));
                        }
                        regions.computeIfAbsent(module, m -> new ArrayList<>()).add(dedent(body));
                        i = j;
                    }
                }
            }
        }
        return regions;
    }

    private static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n"));
    }

    @Test
    void everyCapabilityModuleAndTheKitHaveExamples() throws IOException {
        assertEquals(List.of("infra-audit", "infra-auth", "infra-backup", "infra-core", "infra-credentials",
                "infra-ratelimit", "infra-test"), new ArrayList<>(regions().keySet()));
    }

    @Test
    void everyExampleIsInItsReadmeAsWritten() throws IOException {
        for (Map.Entry<String, List<String>> module : regions().entrySet()) {
            String readme = Files.readString(Path.of("..", module.getKey(), "README.md")).replace("\r\n", "\n");
            for (String example : module.getValue()) {
                assertTrue(readme.contains(example), module.getKey() + "/README.md lacks the example:\n" + example);
            }
        }
    }
}
