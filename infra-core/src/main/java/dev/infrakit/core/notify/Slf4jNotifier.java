package dev.infrakit.core.notify;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Writes notifications to an SLF4J logger: CRITICAL as ERROR, WARNING as WARN, INFO as INFO.
 * Never fails. Thread-safe.
 */
public final class Slf4jNotifier implements Notifier {
    private final Logger logger;

    private Slf4jNotifier(Logger logger) {
        this.logger = logger;
    }

    /** Logs to the logger named {@code infrakit.notifications}. */
    public static Slf4jNotifier create() {
        return create(LoggerFactory.getLogger("infrakit.notifications"));
    }

    /** Logs to {@code logger}. */
    public static Slf4jNotifier create(Logger logger) {
        return new Slf4jNotifier(Objects.requireNonNull(logger, "logger"));
    }

    @Override
    public void send(Notification notification) {
        String text = notification.toText().replace('\n', ' ');
        switch (notification.severity()) {
            case CRITICAL:
                logger.error("{}", text);
                break;
            case WARNING:
                logger.warn("{}", text);
                break;
            default:
                logger.info("{}", text);
        }
    }

    @Override
    public String describe() {
        return "slf4j(" + logger.getName() + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
