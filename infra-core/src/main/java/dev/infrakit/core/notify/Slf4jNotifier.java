package dev.infrakit.core.notify;

import dev.infrakit.core.http.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;

/**
 * Writes notifications to an SLF4J logger: CRITICAL as ERROR, WARNING as WARN, INFO as INFO.
 *
 * <p>Each notification is exactly one log line: its parts (title, message, fields, source) are
 * separated by spaces, and every control character in them (CR and LF, ESC, the other C0 and C1
 * controls, NEL U+0085, U+2028, U+2029) is escaped by {@link ClientText#forLog}, so text that came
 * from outside (a health check's message, a server's error) can neither forge a line nor drive a
 * terminal. The title is cut at 512 characters, the message at 4096, each field at 512. Never
 * fails. Thread-safe.
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
        String text = line(notification);
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

    /** The notification as one log line, every part escaped. */
    static String line(Notification n) {
        StringBuilder line = new StringBuilder();
        line.append('[').append(n.severity()).append("] ").append(ClientText.forLog(n.title(), 512));
        if (!n.message().isEmpty()) {
            line.append(' ').append(ClientText.forLog(n.message(), 4096));
        }
        n.fields().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> line.append(' ').append(ClientText.forLog(e.getKey(), 128)).append(": ")
                        .append(ClientText.forLog(e.getValue(), 512)));
        line.append(" source: ").append(ClientText.forLog(n.source(), 256)).append(", time: ").append(n.time());
        return line.toString();
    }

    @Override
    public String name() {
        return "slf4j(" + logger.getName() + ")";
    }

    @Override
    public String toString() {
        return name();
    }
}
