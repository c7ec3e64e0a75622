package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Shared test data for the audit tests. */
final class AuditFixtures {
    static final byte[] KEY = "an-hmac-key-of-at-least-32-bytes-for-tests".getBytes(StandardCharsets.UTF_8);

    private AuditFixtures() {
    }

    static AuditEvent event(int n, AuditEvent.Severity severity) {
        return AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, "data.read").actor(Actor.user("user-" + (n % 7)))
                .action("read").resource(Resource.of("credential", "app-" + n)).severity(severity)
                .detail("n", n).build();
    }

    /** A copy of the files directly in {@code from}, in {@code to} (created). */
    static Path copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (java.util.stream.Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return to;
    }

    /** The "n" detail of every event record in {@code file}, in order. */
    static List<Integer> numbers(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Integer> numbers = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonNode node = json.readTree(line);
            if (node.has("event")) {
                numbers.add(node.get("event").get("details").get("n").asInt());
            }
        }
        return numbers;
    }

}
