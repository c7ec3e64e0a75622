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
 * README's Servlet wiring is the code {@code JettyServletFiltersIT}, {@code HealthServletIT} and {@code JettyAuthIT} run:
 * the region between {@code // README infra-web} (or {@code // README infra-web health}, {@code // README auth}) and
 * {@code // END README} there must appear in README.md as written (less its indentation, with the
 * test's limit constant spelled as README's number).
 */
class ReadmeExampleTest {

    @Test
    void theServletContextWiringInReadmeIsTheOneTheJettyTestRuns() throws IOException {
        assertReadmeHas(region("JettyServletFiltersIT.java", "// README infra-web")
                .replace("BodyLimit.of(LIMIT)", "BodyLimit.of(64 * 1024)"));
    }

    @Test
    void theAuthenticationWiringInReadmeIsTheOneTheJettyTestRuns() throws IOException {
        assertReadmeHas(region("JettyAuthIT.java", "// README auth"));
    }

    @Test
    void theHealthServletWiringInReadmeIsTheOneItsTestRuns() throws IOException {
        assertReadmeHas(region("HealthServletIT.java", "// README infra-web health"));
    }

    /** The lines between {@code start} and {@code // END README} in a servlet test, less their indentation. */
    private static String region(String test, String start) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/java/dev/infrakit/web/servlet", test));
        List<String> region = new ArrayList<>();
        boolean inside = false;
        for (String line : lines) {
            if (line.strip().equals("// END README")) {
                inside = false;
            } else if (inside) {
                region.add(line);
            } else if (line.strip().equals(start)) {
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
        return example.toString();
    }

    private static void assertReadmeHas(String expected) throws IOException {
        String readme = Files.readString(Path.of("README.md")).replace("\r\n", "\n");
        assertTrue(readme.contains(expected), "README.md lacks the example:\n" + expected);
    }
}
