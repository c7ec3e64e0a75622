package dev.infrakit.backup;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Test fixtures: backups written through the SPI, manifests with chosen ids, captured log lines.
 * (The same fixtures, public, are infra-test's {@code BackupFixtures}; infra-test depends on this
 * module, so its tests cannot use them.)
 */
final class Backups {
    static final SourceInfo INFO = new SourceInfo("test 1.0", "server 2.0", Map.of("public.t", 3L));

    private Backups() {
    }

    /**
     * Writes {@code files} as the artifacts of {@code running} (in the map's order) and publishes it
     * as COMPLETE one minute after its start.
     */
    static Manifest publish(BackupRepository repository, Manifest running, Map<String, byte[]> files) {
        try (BackupRepository.Staging staging = repository.begin(running)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                try (OutputStream out = staging.open(file.getKey())) {
                    out.write(file.getValue());
                }
            }
            return staging.publish(running.complete(running.started().plusSeconds(60), staging.artifacts(), INFO));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes and publishes a backup started at {@code started} with {@code files} as its artifacts. */
    static Manifest publish(BackupRepository repository, Instant started, Map<String, byte[]> files) {
        return publish(repository, Manifest.start("test:db", BackupKind.DAILY, started), files);
    }

    /** A RUNNING manifest with the given id. */
    static Manifest running(String id, Instant started) {
        try {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = (ObjectNode) json.readTree(Manifest.start("test:db", BackupKind.DAILY, started).toJson());
            root.put("id", id);
            return Manifest.fromJson(json.writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Captures the WARN (and higher) lines logged under {@code dev.infrakit.backup}. */
    static final class LogCapture implements AutoCloseable {
        private final Logger logger = (Logger) LoggerFactory.getLogger("dev.infrakit.backup");
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        LogCapture() {
            appender.start();
            logger.addAppender(appender);
        }

        List<String> warnings() {
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
        }
    }
}
