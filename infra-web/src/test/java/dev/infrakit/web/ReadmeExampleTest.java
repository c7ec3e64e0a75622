package dev.infrakit.web;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's Servlet wiring is the code the Jetty tests run: the region between {@code // README infra-web}
 * (or {@code // README auth}) and {@code // END README} in {@code JettyServletFiltersIT} (or
 * {@code JettyAuthIT}) must appear in README.md as written (less its indentation, with the test's
 * limit constant spelled as README's number).
 */
class ReadmeExampleTest {

    @Test
    void theServletContextWiringInReadmeIsTheOneTheJettyTestRuns() throws IOException {
        assertReadmeHas("JettyServletFiltersIT", "// README infra-web", "BodyLimit.of(LIMIT)", "BodyLimit.of(64 * 1024)");
    }

    @Test
    void theAuthenticationWiringInReadmeIsTheOneTheJettyTestRuns() throws IOException {
        assertReadmeHas("JettyAuthIT", "// README auth", "", "");
    }

    private static void assertReadmeHas(String test, String marker, String from, String to) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/java/dev/infrakit/web/servlet/" + test + ".java"));
        List<String> region = new ArrayList<>();
        boolean inside = false;
        for (String line : lines) {
            if (line.strip().equals("// END README")) {
                inside = false;
            } else if (inside) {
                region.add(line);
            } else if (line.strip().equals(marker)) {
                inside = true;
            }
        }
        assertFalse(region.isEmpty(), "no README region in " + test);
        int indent = region.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        StringBuilder example = new StringBuilder();
        for (String line : region) {
            example.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
        }
        String expected = from.isEmpty() ? example.toString() : example.toString().replace(from, to);
        String readme = Files.readString(Path.of("README.md")).replace("\r\n", "\n");
        assertTrue(readme.contains(expected), "README.md lacks the example:\n" + expected);
    }
}
