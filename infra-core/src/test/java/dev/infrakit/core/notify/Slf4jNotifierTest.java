package dev.infrakit.core.notify;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Slf4jNotifierTest {
    @Test
    void logsAtTheLevelOfTheSeverity() {
        Logger logger = (Logger) LoggerFactory.getLogger("test.notifications");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        Slf4jNotifier notifier = Slf4jNotifier.create(logger);
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        notifier.send(new Notification("s", Notification.Severity.CRITICAL, "down", "why", t, Map.of()));
        notifier.send(new Notification("s", Notification.Severity.WARNING, "slow", "", t, Map.of()));
        notifier.send(new Notification("s", Notification.Severity.INFO, "recovered", "", t, Map.of()));
        assertEquals(Level.ERROR, appender.list.get(0).getLevel());
        assertEquals("[CRITICAL] down why source: s, time: 2026-01-01T00:00:00Z", appender.list.get(0).getFormattedMessage());
        assertEquals(Level.WARN, appender.list.get(1).getLevel());
        assertEquals(Level.INFO, appender.list.get(2).getLevel());
        assertEquals("slf4j(test.notifications)", notifier.name());
    }

    /**
     * A health check's message or a server's error reaches the notifier from outside: whatever
     * control characters it holds, the notification is one line in the real log output.
     */
    @Test
    void textWithLineBreaksAndTerminalControlsBecomesExactlyOneEscapedLine() {
        Logger logger = (Logger) LoggerFactory.getLogger("test.notifications.forged");
        LoggerContext context = logger.getLoggerContext();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %logger %msg%n");
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        logger.addAppender(appender);
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        String forged = "\rERROR test.notifications.forged [CRITICAL] admin password reset";
        String message = "refused" + forged + "\u0085NEL\u2028LS\u2029PS\u001b[2J\u001b]0;title\u0007\u009b31m\u0000\u007f"
                + "\nINFO faked\u000b\u000c";
        Slf4jNotifier.create(logger).send(new Notification("health:db\r\n", Notification.Severity.CRITICAL,
                "Health check 'db\u2028' is DOWN", message, Instant.parse("2026-01-01T00:00:00Z"),
                Map.of("detail\n", "x\ry")));
        appender.stop();
        String written = out.toString(StandardCharsets.UTF_8);
        assertTrue(written.endsWith(System.lineSeparator()), written);
        String line = written.substring(0, written.length() - System.lineSeparator().length());
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            assertFalse(c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029',
                    "U+" + Integer.toHexString(c) + " at " + i + " in " + line);
        }
        assertEquals("ERROR test.notifications.forged [CRITICAL] Health check 'db\\u2028' is DOWN refused"
                + "\\rERROR test.notifications.forged [CRITICAL] admin password reset\\u0085NEL\\u2028LS\\u2029PS"
                + "\\u001b[2J\\u001b]0;title\\u0007\\u009b31m\\u0000\\u007f\\nINFO faked\\u000b\\u000c"
                + " detail\\n: x\\ry source: health:db\\r\\n, time: 2026-01-01T00:00:00Z", line);
    }
}
