package dev.infrakit.core.notify;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        assertEquals("slf4j(test.notifications)", notifier.describe());
    }
}
