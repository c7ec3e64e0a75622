package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/** Reading audit records back from JSON-lines files. */
final class AuditFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditFiles() {
    }

    static List<AuditRecord> query(Path directory, String base, AuditQuery query) {
        List<AuditRecord> results = new ArrayList<>();
        List<Path> files;
        try {
            files = new ArrayList<>(LogFiles.chainOrder(directory, base));
        } catch (IOException e) {
            throw new AuditException("Cannot list " + directory + ": " + e.getMessage(), e);
        }
        java.util.Collections.reverse(files);
        for (Path file : files) {
            if (results.size() >= query.limit()) {
                break;
            }
            int needed = query.limit() - results.size();
            Deque<AuditRecord> newestInFile = new ArrayDeque<>();
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    AuditRecord record = parse(line);
                    if (record != null && query.matches(record)) {
                        newestInFile.addLast(record);
                        if (newestInFile.size() > needed) {
                            newestInFile.removeFirst();
                        }
                    }
                }
            } catch (NoSuchFileException e) {
                continue; // pruned by a rotation meanwhile
            } catch (IOException | UncheckedIOException e) {
                throw new AuditException("Cannot read " + file + ": " + e.getMessage(), e);
            }
            for (Iterator<AuditRecord> it = newestInFile.descendingIterator(); it.hasNext(); ) {
                results.add(it.next());
            }
        }
        return results;
    }

    /** The record on {@code line}, or {@code null} for link records and lines being written. */
    private static AuditRecord parse(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            JsonNode event = node == null ? null : node.get("event");
            if (event == null) {
                return null;
            }
            JsonNode resource = event.get("resource");
            return new AuditRecord(node.get("seq").asLong(), Instant.parse(event.get("time").asText()),
                    event.get("category").asText(), event.get("type").asText(), event.get("severity").asText(),
                    event.get("actor").get("id").asText(), event.get("action").asText(),
                    resource == null ? null : resource.get("type").asText(),
                    resource == null || resource.get("id") == null ? null : resource.get("id").asText(),
                    event.get("outcome").asText(), JSON.writeValueAsString(event));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
