package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of one log set and their order, shared by the sink, the query and the verifier.
 *
 * <p>A set named {@code audit.log} is the current file {@code audit.log}, the rotated files
 * {@code audit.log.1} (newest) … {@code audit.log.N} (oldest), and, only while a rotation is under
 * way, {@code audit.log.rotating}: the next current file, complete with its link record, written
 * before any other file is touched. Every file there is counts, whatever its number: a gap in the
 * numbering (a file deleted, or a rotation interrupted between two renames) never hides the files
 * beyond it.
 */
final class LogFiles {
    static final String ROTATING_SUFFIX = ".rotating";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest first line read: a link record is about 120 bytes. */
    private static final int MAX_FIRST_LINE = 4096;

    private LogFiles() {
    }

    /** The rotated files {@code base.N} by N, newest (1) first. */
    static TreeMap<Integer, Path> numbered(Path directory, String base) throws IOException {
        Pattern name = Pattern.compile(Pattern.quote(base) + "\\.([1-9][0-9]{0,8})");
        TreeMap<Integer, Path> files = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, base + ".*")) {
            for (Path entry : entries) {
                Matcher m = name.matcher(entry.getFileName().toString());
                if (m.matches() && Files.isRegularFile(entry)) {
                    files.put(Integer.parseInt(m.group(1)), entry);
                }
            }
        } catch (NoSuchFileException e) {
            return files;
        }
        return files;
    }

    /** The file a rotation in progress will make current. */
    static Path rotating(Path directory, String base) {
        return directory.resolve(base + ROTATING_SUFFIX);
    }

    /**
     * Every file of the set in chain order, oldest first: the rotated files from the highest number
     * down, the current file, and a rotation's next file if one is under way.
     */
    static List<Path> chainOrder(Path directory, String base) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Map.Entry<Integer, Path> e : numbered(directory, base).descendingMap().entrySet()) {
            files.add(e.getValue());
        }
        if (Files.isRegularFile(directory.resolve(base))) {
            files.add(directory.resolve(base));
        }
        if (Files.isRegularFile(rotating(directory, base))) {
            files.add(rotating(directory, base));
        }
        return files;
    }

    /** The first line of {@code file} parsed, or {@code null} if it has no complete, valid first line. */
    static JsonNode firstRecord(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(MAX_FIRST_LINE);
        } catch (NoSuchFileException e) {
            return null;
        }
        int end = -1;
        for (int i = 0; i < head.length; i++) {
            if (head[i] == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return null;
        }
        String body = Chain.body(new String(head, 0, end, StandardCharsets.UTF_8));
        if (body == null) {
            body = new String(head, 0, end, StandardCharsets.UTF_8); // an unchained log
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() && node.has("seq") ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The sequence number of {@code file}'s first record, or -1 if it has none. */
    static long firstSeq(Path file) throws IOException {
        JsonNode first = firstRecord(file);
        return first == null ? -1 : first.get("seq").asLong(-1);
    }
}
