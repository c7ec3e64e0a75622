package dev.infrakit.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Writes each event as one redacted JSON line to an SLF4J logger ({@code infrakit.audit} by
 * default): INFO events at INFO, WARN at WARN, ERROR and CRITICAL at ERROR. Durability is the
 * logging backend's: this sink hands the line over and returns; use {@link JsonLinesAuditSink} for
 * tamper evidence and DURABLE writes. The line is always one line: JSON escapes the C0 controls,
 * and this sink escapes the characters JSON leaves raw that a log viewer or terminal may still
 * take as a line break or a control (DEL, the C1 controls with NEL U+0085, U+2028, U+2029) as
 * a JSON unicode escape (backslash, u, four hex digits), which JSON readers decode back. Thread-safe.
 */
public final class Slf4jAuditSink implements AuditSink {
    private final Logger logger;
    private final AuditJson json;

    private Slf4jAuditSink(Logger logger, Redactor redactor) {
        this.logger = logger;
        this.json = AuditJson.with(redactor);
    }

    /** Logs to {@code infrakit.audit} with the default redaction. */
    public static Slf4jAuditSink create() {
        return create(LoggerFactory.getLogger("infrakit.audit"), Redactor.defaults());
    }

    /** Logs to {@code logger} with {@code redactor}. */
    public static Slf4jAuditSink create(Logger logger, Redactor redactor) {
        return new Slf4jAuditSink(Objects.requireNonNull(logger, "logger"), Objects.requireNonNull(redactor, "redactor"));
    }

    @Override
    public void record(AuditEvent event) {
        String line = oneLine(json.toJson(Objects.requireNonNull(event, "event")));
        switch (event.severity()) {
            case INFO:
                logger.info("{}", line);
                break;
            case WARN:
                logger.warn("{}", line);
                break;
            default:
                logger.error("{}", line);
        }
    }

    /** {@code json} with DEL, C1, U+2028 and U+2029 written as JSON escapes (they only occur inside strings). */
    static String oneLine(String json) {
        StringBuilder b = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029') {
                if (b == null) {
                    b = new StringBuilder(json.length() + 16).append(json, 0, i);
                }
                b.append(String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? json : b.toString();
    }

    @Override
    public void flush() {
        // The logging backend owns buffering; nothing is held here.
    }

    @Override
    public String name() {
        return "slf4j:" + logger.getName();
    }

    @Override
    public void close() {
        // Nothing is held here.
    }
}
