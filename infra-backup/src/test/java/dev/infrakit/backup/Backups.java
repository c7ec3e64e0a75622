package dev.infrakit.backup;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.infrakit.backup.contract.BackupFixtures;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Test fixtures: backups written through the SPI, manifests with chosen ids (all delegating to the
 * public {@link BackupFixtures} of the contract kit), captured log lines.
 */
final class Backups {
    static final SourceInfo INFO = BackupFixtures.INFO;

    private Backups() {
    }

    /** Writes and publishes {@code running} with {@code files} as its artifacts. */
    static Manifest publish(BackupRepository repository, Manifest running, Map<String, byte[]> files) {
        return BackupFixtures.publish(repository, running, files);
    }

    /** Writes and publishes a backup started at {@code started} with {@code files} as its artifacts. */
    static Manifest publish(BackupRepository repository, Instant started, Map<String, byte[]> files) {
        return BackupFixtures.publish(repository, started, files);
    }

    /** A RUNNING manifest with the given id. */
    static Manifest running(String id, Instant started) {
        return BackupFixtures.running(id, started);
    }

    static byte[] bytes(String s) {
        return BackupFixtures.bytes(s);
    }

    static String sha256(byte[] content) {
        return BackupFixtures.sha256(content);
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
