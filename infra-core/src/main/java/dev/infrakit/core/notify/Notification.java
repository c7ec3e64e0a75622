package dev.infrakit.core.notify;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something worth telling a human: a health check went down, a backup failed, an audit sink
 * stopped. Immutable.
 *
 * @param source what raised it, e.g. {@code health:database} or {@code backup:nightly}
 * @param severity how urgent
 * @param title one line, e.g. {@code Health check 'database' is DOWN}
 * @param message the details a human needs (never secrets)
 * @param time when it happened
 * @param fields extra key/value facts, rendered as a list
 */
public record Notification(String source, Severity severity, String title, String message, Instant time,
                           Map<String, String> fields) {

    /** How urgent a notification is. */
    public enum Severity {
        /** Good news, e.g. a check recovered. */
        INFO,
        /** Needs attention soon, e.g. a check is degraded. */
        WARNING,
        /** Needs attention now, e.g. a critical check is down. */
        CRITICAL
    }

    /** Validates the fields and copies the map. */
    public Notification {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(time, "time");
        fields = Map.copyOf(fields);
    }

    /** The notification as plain text: title, message and fields, one per line. */
    public String toText() {
        StringBuilder text = new StringBuilder();
        text.append('[').append(severity).append("] ").append(title);
        if (!message.isEmpty()) {
            text.append('\n').append(message);
        }
        fields.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> text.append('\n').append(e.getKey()).append(": ").append(e.getValue()));
        text.append("\nsource: ").append(source).append(", time: ").append(time);
        return text.toString();
    }
}
